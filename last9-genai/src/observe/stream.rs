//! A span that follows a stream of model response chunks to its end.
//!
//! [`ObservedStream`] wraps the stream an observed call returns (or any
//! stream, through [`ObserveStream`]; [`ObservedIter`] does the same for
//! iterators): the call's context is current on
//! every poll, each chunk is read as it passes (model, id, finish reasons,
//! usage, text and tool-call deltas, see [`crate::record`]'s stream reader),
//! and the span ends exactly once — when the stream ends, when it yields an
//! error, or when it is dropped before either (then it is marked
//! cancelled, with what arrived). Items pass through unchanged.

use std::collections::HashMap;
use std::fmt::Display;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue};
use pin_project_lite::pin_project;
use serde::Serialize;

use super::capture::guarded;
use super::end::{Outcome, Streamed};
use super::eventstream::EventStream;
use super::{Meta, Observation, Output, Said, panics, type_name_of};
use crate::attributes as attr;
use crate::json::chunk::Scratch;
use crate::record::ObservationKind;
use crate::record::stream::{ChunkError, StreamRead};
use crate::text::{cut_bytes_owned, saturating_i64};
use crate::warn::Once;

/// One data event of a server-sent-event stream is kept up to this many
/// bytes; a longer one is skipped.
///
/// ```
/// assert_eq!(last9_genai::MAX_SSE_EVENT, 4 * 1024 * 1024);
/// ```
pub const MAX_SSE_EVENT: usize = 4 << 20;

/// Said the first time an OpenAI chat stream ends without usage.
static NO_USAGE: Once = Once::new();

/// How a followed stream ended.
pub enum End {
    /// It ended.
    Done,
    /// It yielded an error, or the provider sent one inside it.
    Failed(String, String),
    /// It was dropped before either.
    Dropped,
}

/// What is known of a followed stream while it is read. Public only to name
/// it in [`ReadChunks`]; nothing outside the crate can make or use one.
#[derive(Debug)]
pub struct StreamSoFar {
    observation: Observation,
    pub(super) read: StreamRead,
    chunks: u64,
    first_chunk: Option<Duration>,
    /// When metrics are recorded: when the last chunk came, and the time
    /// between chunks, in seconds (at most [`MAX_CHUNK_GAPS`]).
    last_chunk: Option<Instant>,
    gaps: Vec<f32>,
}

/// The most times between chunks one stream records in the metrics (16 KiB
/// of them); chunks past it still count everywhere else.
pub(crate) const MAX_CHUNK_GAPS: usize = 4096;

impl StreamSoFar {
    fn new(observation: Observation) -> Self {
        let limit = observation.limit();
        Self {
            observation,
            read: StreamRead::new(limit),
            chunks: 0,
            first_chunk: None,
            last_chunk: None,
            gaps: Vec::new(),
        }
    }

    /// One more chunk; the first one's time is kept, and when metrics are
    /// recorded, the time since the one before.
    pub(super) fn chunk(&mut self) {
        self.chunks += 1;
        let Some(start) = self.observation.start else {
            return;
        };
        if self.observation.metered() {
            let now = Instant::now();
            if let Some(last) = self.last_chunk.replace(now)
                && self.gaps.len() < MAX_CHUNK_GAPS
            {
                self.gaps.push(now.duration_since(last).as_secs_f32());
            }
        }
        if self.first_chunk.is_none() {
            self.first_chunk = Some(start.elapsed());
        }
    }

    /// Reads one chunk given as JSON.
    pub(super) fn read(&mut self, chunk: &serde_json::Value) -> Option<End> {
        self.chunk();
        self.read
            .read(chunk)
            .map(|ChunkError { kind, message }| End::Failed(kind, message))
    }

    /// Ends the span: what the stream said as a response's output, the
    /// stream's own attributes, and the status `end` calls for.
    fn end(self, end: End) {
        let Self {
            mut observation,
            read,
            chunks,
            first_chunk,
            gaps,
            ..
        } = self;
        let missing_usage = matches!(end, End::Done) && read.is_openai_chat() && !read.has_usage();
        let mut info = read.finish();
        if matches!(end, End::Dropped) && info.finish_reasons.is_empty() {
            // The conventions' finish reason of a stream cut off.
            info.finish_reasons.push("error".to_owned());
        }
        let mut attributes = vec![KeyValue::new(
            attr::L9_STREAM_CHUNKS,
            saturating_i64(chunks),
        )];
        if let Some(first) = first_chunk {
            attributes.push(KeyValue::new(
                attr::RESPONSE_TIME_TO_FIRST_CHUNK,
                first.as_secs_f64(),
            ));
        }
        // A stream that gave nothing has no output to write.
        let output = Output {
            info: (chunks > 0).then_some(info),
            ..Output::default()
        };
        let kind;
        let outcome = match end {
            End::Done => Outcome::Returned,
            End::Failed(failed, message) => {
                kind = failed;
                Outcome::Failed(&kind, message)
            }
            End::Dropped => Outcome::Cancelled,
        };
        let streamed = Streamed {
            attributes,
            timing: first_chunk.map(|first| (first, &gaps[..])),
        };
        observation.end(Some(output), outcome, streamed);
        if missing_usage {
            NO_USAGE.warn(|| {
                "an OpenAI chat stream ended without usage, so its tokens and cost are unknown: \
                 ask for it with `stream_options: {\"include_usage\": true}` in the request"
                    .to_owned()
            });
        }
    }
}

/// How the items of a stream are read: [`Chunks`] for typed chunks,
/// [`Items`] for `Serialize` items read whole, [`Sse`] for the raw bytes
/// of server-sent events. It names, in a bound, which items a reader takes.
///
/// ```
/// use last9_genai::{Chunks, ReadChunks, Sse};
///
/// fn reads<R: ReadChunks<I>, I>() {}
/// reads::<Chunks, Result<serde_json::Value, std::io::Error>>();
/// reads::<Sse, Result<Vec<u8>, std::io::Error>>();
/// ```
pub trait ReadChunks<Item> {
    /// Reads one item; `Some` ends the span.
    #[doc(hidden)]
    fn read_item(&mut self, item: &Item, following: &mut StreamSoFar) -> Option<End>;

    /// The stream ended: reads what is left.
    #[doc(hidden)]
    fn read_rest(&mut self, following: &mut StreamSoFar) -> Option<End> {
        let _ = following;
        None
    }
}

/// Reads the items of a stream of typed chunks: `Result<C, E>` where `C`
/// is a provider's chunk type (`Serialize`, owned) and `E` the client's
/// error. async-openai's `CreateChatCompletionStreamResponse` (feature
/// `async-openai`) is read field by field; any other chunk through its
/// `Serialize`, for the fields the reader looks at. A chunk that is text
/// is a piece of the completion.
///
/// ```
/// use futures::{StreamExt, executor::block_on, stream};
/// use last9_genai::{Chunks, ObserveStream, ObservedStream, StreamCall};
///
/// let chunks = stream::iter([Ok::<_, std::io::Error>("Hel"), Ok("lo")]);
/// let observed: ObservedStream<_, Chunks> = chunks.observe_chunks(StreamCall::new("chat"));
/// assert_eq!(block_on(observed.count()), 2);
/// ```
#[derive(Debug, Default)]
pub struct Chunks {
    scratch: Scratch,
}

impl<C: Serialize + 'static, E: Display> ReadChunks<Result<C, E>> for Chunks {
    fn read_item(&mut self, item: &Result<C, E>, following: &mut StreamSoFar) -> Option<End> {
        match item {
            Ok(chunk) => {
                // The chunk types of client crates the crate knows are read
                // field by field (the test is on types: free once compiled).
                #[cfg(feature = "async-openai")]
                if let Some(chunk) = (chunk as &dyn std::any::Any)
                    .downcast_ref::<async_openai::types::chat::CreateChatCompletionStreamResponse>(
                ) {
                    following.chunk();
                    super::known::read_chat_chunk(chunk, &mut following.read);
                    return None;
                }
                read_typed(chunk, &mut self.scratch, following)
            }
            Err(error) => Some(failed(error)),
        }
    }
}

/// Reads the items of a stream of `Serialize` items whole, each one a
/// chunk: text pieces (`impl Stream<Item = String>`) are the completion.
/// `#[observe]` picks it for such streams.
///
/// ```
/// use futures::{Stream, StreamExt, executor::block_on, stream};
/// use last9_genai::observe;
///
/// #[observe]
/// fn pieces() -> impl Stream<Item = String> {
///     stream::iter(["Hel".to_owned(), "lo".to_owned()])
/// }
/// assert_eq!(block_on(pieces().count()), 2);
/// ```
#[derive(Debug, Default)]
pub struct Items {
    scratch: Scratch,
}

impl<T: Serialize> ReadChunks<T> for Items {
    fn read_item(&mut self, item: &T, following: &mut StreamSoFar) -> Option<End> {
        read_typed(item, &mut self.scratch, following)
    }
}

/// Reads a typed chunk: a common one as its walk passes, any other walked
/// into a tree of the fields the reader looks at.
fn read_typed<C: Serialize + ?Sized>(
    chunk: &C,
    scratch: &mut Scratch,
    following: &mut StreamSoFar,
) -> Option<End> {
    if guarded(|| crate::json::chunk::read_fast(chunk, scratch, &mut following.read)) == Some(true)
    {
        following.chunk();
        return None;
    }
    let limit = following.observation.limit();
    match guarded(|| crate::json::tree::stream_tree(chunk, limit)) {
        Some(Some(tree)) => following.read(&tree),
        // A chunk that cannot be walked still counts.
        Some(None) | None => {
            following.chunk();
            None
        }
    }
}

/// The end of a stream that yielded `error`.
pub(super) fn failed<E: Display>(error: &E) -> End {
    let message =
        guarded(|| error.to_string()).unwrap_or_else(|| super::capture::CAPTURE_FAILED.to_owned());
    End::Failed(type_name_of(error).to_owned(), message)
}

/// Reads the raw bytes of a server-sent-event stream, as `reqwest`'s
/// `bytes_stream()` gives them: `Result<B, E>` where `B` is bytes
/// (`AsRef<[u8]>`). Each `data:` event is a JSON chunk; `[DONE]` and
/// other fields are skipped; events split across items are joined, and
/// one longer than [`MAX_SSE_EVENT`] bytes is skipped.
///
/// ```
/// use futures::{StreamExt, executor::block_on, stream};
/// use last9_genai::{ObserveStream, ObservedStream, Sse, StreamCall};
///
/// let event = b"data: {\"type\": \"content_block_delta\", \"delta\": {\"type\": \"text_delta\", \"text\": \"Hi\"}}\n\n";
/// let bytes = stream::iter([Ok::<_, std::io::Error>(&event[..10]), Ok(&event[10..])]);
/// let observed: ObservedStream<_, Sse> = bytes.observe_sse(StreamCall::new("messages"));
/// assert_eq!(block_on(observed.count()), 2);
/// ```
#[derive(Debug, Default)]
pub struct Sse {
    /// The lines of the stream.
    lines: Lines,
    /// The data lines of the event being received.
    data: Vec<u8>,
}

/// The lines of a stream of bytes, each kept up to [`MAX_SSE_EVENT`] bytes:
/// a longer one is skipped to its end.
#[derive(Debug, Default)]
struct Lines {
    /// The line being received.
    line: Vec<u8>,
    /// The line is too long: skipped up to its end.
    skipping: bool,
}

impl Lines {
    /// Takes `bytes`; `line_done` reads each line they end (in `self.line`,
    /// without its `\n`) that is within the bound. Stops at the first end
    /// `line_done` returns.
    fn take(
        &mut self,
        mut bytes: &[u8],
        mut line_done: impl FnMut(&[u8]) -> Option<End>,
    ) -> Option<End> {
        while !bytes.is_empty() {
            let (piece, ends_line) = match bytes.iter().position(|b| *b == b'\n') {
                Some(at) => (&bytes[..at], true),
                None => (bytes, false),
            };
            bytes = &bytes[(piece.len() + usize::from(ends_line)).min(bytes.len())..];
            if !self.skipping {
                if self.line.len() + piece.len() > MAX_SSE_EVENT {
                    self.skipping = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(piece);
                }
            }
            if ends_line {
                let skipped = std::mem::take(&mut self.skipping);
                let end = if skipped { None } else { line_done(&self.line) };
                self.line.clear();
                if end.is_some() {
                    return end;
                }
            }
        }
        None
    }
}

impl Sse {
    fn bytes(&mut self, bytes: &[u8], following: &mut StreamSoFar) -> Option<End> {
        let data = &mut self.data;
        self.lines
            .take(bytes, |line| Self::line_done(data, line, following))
    }

    /// A whole line: a field of the event, or the blank line that ends it.
    fn line_done(data: &mut Vec<u8>, line: &[u8], following: &mut StreamSoFar) -> Option<End> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Self::event_done(data, following);
        }
        if let Some(field) = line.strip_prefix(b"data:") {
            let field = field.strip_prefix(b" ").unwrap_or(field);
            if data.len() + field.len() + 1 > MAX_SSE_EVENT {
                data.clear();
            } else {
                if !data.is_empty() {
                    data.push(b'\n');
                }
                data.extend_from_slice(field);
            }
        }
        None
    }

    /// The event's data, read as one JSON chunk.
    fn event_done(data: &mut Vec<u8>, following: &mut StreamSoFar) -> Option<End> {
        if data.is_empty() || data == b"[DONE]" {
            data.clear();
            return None;
        }
        let parsed = serde_json::from_slice::<serde_json::Value>(data);
        data.clear();
        read_parsed(parsed, following)
    }
}

/// A chunk parsed from bytes; data that is no JSON still counts as a chunk.
fn read_parsed(
    parsed: serde_json::Result<serde_json::Value>,
    following: &mut StreamSoFar,
) -> Option<End> {
    match parsed {
        Ok(chunk) => following.read(&chunk),
        Err(_) => {
            following.chunk();
            None
        }
    }
}

impl<B: AsRef<[u8]>, E: Display> ReadChunks<Result<B, E>> for Sse {
    fn read_item(&mut self, item: &Result<B, E>, following: &mut StreamSoFar) -> Option<End> {
        match item {
            Ok(bytes) => self.bytes(bytes.as_ref(), following),
            Err(error) => Some(failed(error)),
        }
    }

    /// A last line with no end, and a last event with no blank line after
    /// it: each read as if its end had come. (A line too long to keep is
    /// empty here: it ends the event, as a blank line would.)
    fn read_rest(&mut self, following: &mut StreamSoFar) -> Option<End> {
        let line = std::mem::take(&mut self.lines.line);
        Self::line_done(&mut self.data, &line, following)
            .or_else(|| Self::event_done(&mut self.data, following))
    }
}

/// Reads the raw bytes of a newline-delimited JSON stream, as Ollama's
/// `/api/chat` and `/api/generate` send it and `reqwest`'s `bytes_stream()`
/// gives it: `Result<B, E>` where `B` is bytes (`AsRef<[u8]>`). Each line is
/// a JSON chunk; lines split across items are joined, blank lines skipped,
/// and one longer than [`MAX_SSE_EVENT`] bytes is skipped (a line cut
/// mid-object, or that is no JSON, still counts as a chunk).
///
/// ```
/// use futures::{StreamExt, executor::block_on, stream};
/// use last9_genai::{Ndjson, ObserveStream, ObservedStream, StreamCall};
///
/// let line = b"{\"model\":\"llama3.2\",\"created_at\":\"t\",\"message\":{\"content\":\"Hi\"},\"done\":false}\n";
/// let bytes = stream::iter([Ok::<_, std::io::Error>(&line[..10]), Ok(&line[10..])]);
/// let observed: ObservedStream<_, Ndjson> = bytes.observe_ndjson(StreamCall::new("chat"));
/// assert_eq!(block_on(observed.count()), 2);
/// ```
#[derive(Debug, Default)]
pub struct Ndjson {
    /// The lines of the stream.
    lines: Lines,
}

impl Ndjson {
    fn line_done(line: &[u8], following: &mut StreamSoFar) -> Option<End> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        read_parsed(serde_json::from_slice(line), following)
    }
}

impl<B: AsRef<[u8]>, E: Display> ReadChunks<Result<B, E>> for Ndjson {
    fn read_item(&mut self, item: &Result<B, E>, following: &mut StreamSoFar) -> Option<End> {
        match item {
            Ok(bytes) => self
                .lines
                .take(bytes.as_ref(), |line| Self::line_done(line, following)),
            Err(error) => Some(failed(error)),
        }
    }

    /// A last line with no end: read as if its end had come.
    fn read_rest(&mut self, following: &mut StreamSoFar) -> Option<End> {
        let line = std::mem::take(&mut self.lines.line);
        Self::line_done(&line, following)
    }
}

pin_project! {
    /// A stream of model response chunks whose span follows it to its end:
    /// made by `#[observe]` for a function that returns a stream, and by
    /// [`ObserveStream`]. Items pass through unchanged.
    ///
    /// ```
    /// use futures::{StreamExt, executor::block_on, stream};
    /// use last9_genai::{Chunks, ObserveStream, ObservedStream, StreamCall};
    ///
    /// let chunks = stream::iter([Ok::<_, std::io::Error>(serde_json::json!(
    ///     {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}
    /// ))]);
    /// let observed: ObservedStream<_, Chunks> = chunks.observe_chunks(StreamCall::new("chat"));
    /// assert_eq!(block_on(observed.count()), 1);
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct ObservedStream<S, R> {
        #[pin]
        inner: S,
        reader: R,
        // Made current on every poll.
        cx: Option<Context>,
        following: Option<StreamSoFar>,
    }

    impl<S, R> PinnedDrop for ObservedStream<S, R> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(following) = this.following.take() {
                following.end(End::Dropped);
            }
        }
    }
}

impl<S, R> std::fmt::Debug for ObservedStream<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservedStream")
            .field("following", &self.following.is_some())
            .finish_non_exhaustive()
    }
}

/// The context to make current on each step, and what follows the span
/// (nothing when it does not record); the span is marked as streamed.
fn follow(mut observation: Observation) -> (Option<Context>, Option<StreamSoFar>) {
    let cx = observation.body_context();
    let following = observation.reads_output().then(|| {
        if observation.is_recording()
            && let Some(cx) = observation.context()
        {
            cx.span()
                .set_attribute(KeyValue::new(attr::REQUEST_STREAM, true));
        }
        StreamSoFar::new(observation)
    });
    (cx, following)
}

impl<S, R> ObservedStream<S, R> {
    /// Follows `inner` with `observation`'s span: marked as a streamed
    /// call, current on every poll, ended with the stream. A span that does
    /// not record is not followed.
    pub(crate) fn new(observation: Observation, inner: S, reader: R) -> Self {
        let (cx, following) = follow(observation);
        Self {
            inner,
            reader,
            cx,
            following,
        }
    }
}

/// Runs one step of a followed stream or iterator (`next`) with the call's
/// context current; a panic inside ends the span with it, then goes on.
fn step<T>(
    cx: &Option<Context>,
    following: &mut Option<StreamSoFar>,
    next: impl FnOnce() -> T,
) -> T {
    let _guard = cx.clone().map(Context::attach);
    panics::on_panic(next, |message| {
        if let Some(following) = following.take() {
            let message = cut_bytes_owned(message, following.observation.limit());
            following.end(End::Failed(panics::PANIC.to_owned(), message));
        }
    })
}

/// Reads what a step gave (`Some(item)`, or `None` at the end) and ends
/// the span when the stream ended, failed, or carried an error.
fn read_step<Item, R: ReadChunks<Item>>(
    reader: &mut R,
    following: &mut Option<StreamSoFar>,
    item: Option<&Item>,
) {
    let Some(followed) = following else {
        return;
    };
    let end = match item {
        Some(item) => reader.read_item(item, followed),
        None => Some(reader.read_rest(followed).unwrap_or(End::Done)),
    };
    if let Some(end) = end
        && let Some(followed) = following.take()
    {
        followed.end(end);
    }
}

impl<S: Stream, R: ReadChunks<S::Item>> Stream for ObservedStream<S, R> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let inner = this.inner;
        let poll = step(this.cx, this.following, || inner.poll_next(task));
        if let Poll::Ready(item) = &poll {
            read_step(this.reader, this.following, item.as_ref());
        }
        poll
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// An iterator of model response chunks whose span follows it to its end,
/// as [`ObservedStream`] follows a stream: made by `#[observe]` for a
/// function that returns `impl Iterator`, and by
/// [`ObserveIterator::observe_chunks`]. Items pass through unchanged.
///
/// ```
/// use last9_genai::{ObserveIterator, ObservedIter, StreamCall};
///
/// let pieces = ["Hel", "lo"].into_iter().map(Ok::<_, std::io::Error>);
/// let observed = pieces.observe_chunks(StreamCall::new("chat"));
/// assert_eq!(observed.count(), 2);
/// ```
#[must_use = "iterators do nothing unless iterated"]
pub struct ObservedIter<I, R> {
    inner: I,
    reader: R,
    cx: Option<Context>,
    following: Option<StreamSoFar>,
}

impl<I, R> std::fmt::Debug for ObservedIter<I, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservedIter")
            .field("following", &self.following.is_some())
            .finish_non_exhaustive()
    }
}

impl<I, R> ObservedIter<I, R> {
    /// Follows `inner` as [`ObservedStream::new`] follows a stream.
    pub(crate) fn new(observation: Observation, inner: I, reader: R) -> Self {
        let (cx, following) = follow(observation);
        Self {
            inner,
            reader,
            cx,
            following,
        }
    }
}

impl<I: Iterator, R: ReadChunks<I::Item>> Iterator for ObservedIter<I, R> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let inner = &mut self.inner;
        let item = step(&self.cx, &mut self.following, || inner.next());
        read_step(&mut self.reader, &mut self.following, item.as_ref());
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<I, R> Drop for ObservedIter<I, R> {
    fn drop(&mut self) {
        if let Some(following) = self.following.take() {
            following.end(End::Dropped);
        }
    }
}

/// What a stream observed without the macro is: the span's name, and the
/// model and provider asked for.
///
/// ```
/// use last9_genai::StreamCall;
///
/// let call = StreamCall::new("chat").model("gpt-4o-mini").provider("openai");
/// # let _ = call;
/// ```
#[derive(Debug, Clone)]
pub struct StreamCall {
    name: &'static str,
    model: Option<String>,
    provider: Option<&'static str>,
    base_url_provider: Option<&'static str>,
}

impl StreamCall {
    /// A streamed model call whose span is named `name`.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            model: None,
            provider: None,
            base_url_provider: None,
        }
    }

    /// The model asked for (`gen_ai.request.model`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The provider (`gen_ai.provider.name`); else told by the
    /// [`base_url`](Self::base_url), else guessed from the model.
    pub fn provider(mut self, provider: &'static str) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The base URL of the client that made the call: the provider it
    /// points at names the span when none is given (see
    /// [`detect_provider_from_url`](crate::detect_provider_from_url)).
    ///
    /// ```
    /// use last9_genai::StreamCall;
    ///
    /// let call = StreamCall::new("chat")
    ///     .model("llama-3.3-70b-versatile")
    ///     .base_url("https://api.groq.com/openai/v1");
    /// # let _ = call;
    /// ```
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url_provider = crate::record::detect_provider_from_url(url);
        self
    }

    /// Starts the call's span, as a child of the current context.
    fn start(self) -> Observation {
        Observation::start(
            described(self.name, self.provider),
            self.model.as_deref(),
            self.base_url_provider,
        )
    }
}

/// At most this many descriptions of streams observed without the macro
/// are kept; past it, streams are named [`UNNAMED_STREAM`].
const MAX_DESCRIPTIONS: usize = 1024;
/// The name of a stream observed without the macro once
/// [`MAX_DESCRIPTIONS`] names were seen.
const UNNAMED_STREAM: &str = "stream";

/// The description of every stream observed without the macro past the
/// bound.
static OVERFLOW: Meta = meta(UNNAMED_STREAM, None);

/// The static description of a stream observed without the macro, made
/// once per name and provider, as the macro makes one per function: an
/// observation holds a `&'static` one, which keeps every observed call one
/// pointer lighter. The names are `&'static str`, so there are as many as
/// the program holds, and the count is bounded anyway.
fn described(name: &'static str, provider: Option<&'static str>) -> &'static Meta {
    type Key = (&'static str, Option<&'static str>);
    static DESCRIBED: LazyLock<Mutex<HashMap<Key, &'static Meta>>> =
        LazyLock::new(Default::default);
    let Ok(mut described) = DESCRIBED.lock() else {
        return &OVERFLOW;
    };
    if let Some(meta) = described.get(&(name, provider)) {
        return meta;
    }
    if described.len() >= MAX_DESCRIPTIONS {
        return &OVERFLOW;
    }
    let meta: &'static Meta = Box::leak(Box::new(meta(name, provider)));
    described.insert((name, provider), meta);
    meta
}

/// A streamed model call named `name`: no arguments to capture.
const fn meta(name: &'static str, provider: Option<&'static str>) -> Meta {
    Meta {
        name,
        kind: ObservationKind::Llm,
        tags: &[],
        metadata: &[],
        capture_input: false,
        capture_output: true,
        capture_limit: None,
        redact: true,
        model: None,
        provider,
        may_respond: true,
        prices: false,
        said: Said::new(),
    }
}

/// Follows a stream of model response chunks with a span, for code that
/// does not use `#[observe]`: typed chunks with
/// [`observe_chunks`](ObserveStream::observe_chunks), the raw bytes of
/// server-sent events with [`observe_sse`](ObserveStream::observe_sse), of
/// newline-delimited JSON with [`observe_ndjson`](ObserveStream::observe_ndjson),
/// of an AWS event stream with [`observe_eventstream`](ObserveStream::observe_eventstream).
/// The span starts now, as a child of the current context, and ends with
/// the stream (see [`ObservedStream`]).
///
/// ```
/// use futures::{StreamExt, executor::block_on, stream};
/// use last9_genai::{ObserveStream, StreamCall};
///
/// // As `reqwest::Response::bytes_stream()` gives them.
/// let sse = stream::iter([
///     Ok::<_, std::io::Error>(&b"data: {\"choices\": [{\"index\": 0, \"delta\": {\"content\": \"Hi\"}}]}\n\n"[..]),
///     Ok(&b"data: [DONE]\n\n"[..]),
/// ]);
/// let bytes: Vec<_> = block_on(sse.observe_sse(StreamCall::new("chat")).collect());
/// assert_eq!(bytes.len(), 2);
/// ```
pub trait ObserveStream: Stream + Sized {
    /// Follows a stream of typed chunks (see [`Chunks`]).
    fn observe_chunks(self, call: StreamCall) -> ObservedStream<Self, Chunks> {
        ObservedStream::new(call.start(), self, Chunks::default())
    }

    /// Follows the bytes of a server-sent-event stream (see [`Sse`]).
    fn observe_sse(self, call: StreamCall) -> ObservedStream<Self, Sse> {
        ObservedStream::new(call.start(), self, Sse::default())
    }

    /// Follows the bytes of a newline-delimited JSON stream, as Ollama
    /// sends its answers (see [`Ndjson`]).
    fn observe_ndjson(self, call: StreamCall) -> ObservedStream<Self, Ndjson> {
        ObservedStream::new(call.start(), self, Ndjson::default())
    }

    /// Follows the bytes of an AWS event stream, as Bedrock's
    /// ConverseStream sends its events (see [`EventStream`]).
    fn observe_eventstream(self, call: StreamCall) -> ObservedStream<Self, EventStream> {
        ObservedStream::new(call.start(), self, EventStream::default())
    }

    /// Follows the typed events of a Bedrock ConverseStream (see
    /// [`ConverseEvents`](crate::ConverseEvents)).
    #[cfg(feature = "aws-bedrock")]
    #[cfg_attr(docsrs, doc(cfg(feature = "aws-bedrock")))]
    fn observe_converse(
        self,
        call: StreamCall,
    ) -> ObservedStream<Self, super::bedrock::ConverseEvents> {
        ObservedStream::new(
            call.start(),
            self,
            super::bedrock::ConverseEvents::default(),
        )
    }
}

impl<S: Stream> ObserveStream for S {}

/// Follows an iterator of model response chunks with a span, as
/// [`ObserveStream`] follows a stream: for blocking clients.
///
/// ```
/// use last9_genai::{ObserveIterator, StreamCall};
///
/// let chunks = [serde_json::json!({"choices": [{"index": 0, "delta": {"content": "Hi"}}]})];
/// let read: Vec<_> = chunks
///     .into_iter()
///     .map(Ok::<_, std::io::Error>)
///     .observe_chunks(StreamCall::new("chat"))
///     .collect();
/// assert_eq!(read.len(), 1);
/// ```
pub trait ObserveIterator: Iterator + Sized {
    /// Follows an iterator of typed chunks (see [`Chunks`]).
    fn observe_chunks(self, call: StreamCall) -> ObservedIter<Self, Chunks> {
        ObservedIter::new(call.start(), self, Chunks::default())
    }
}

impl<I: Iterator> ObserveIterator for I {}

#[cfg(test)]
mod tests {
    use super::*;

    fn following() -> StreamSoFar {
        let mut following = StreamSoFar::new(StreamCall::new("sse").start());
        following.read = StreamRead::new(1000);
        following
    }

    fn delta(text: &str) -> String {
        format!(r#"{{"choices": [{{"index": 0, "delta": {{"content": "{text}"}}}}]}}"#)
    }

    /// Feeds `items` to an SSE reader; returns the chunks counted and the
    /// completion read.
    fn sse(items: &[&[u8]]) -> (u64, Option<String>) {
        let mut reader = Sse::default();
        let mut following = following();
        for item in items {
            let item: Result<&[u8], std::io::Error> = Ok(item);
            assert!(reader.read_item(&item, &mut following).is_none());
        }
        let rest = <Sse as ReadChunks<Result<&[u8], std::io::Error>>>::read_rest(
            &mut reader,
            &mut following,
        );
        assert!(rest.is_none());
        let chunks = following.chunks;
        (chunks, following.read.finish().completion)
    }

    /// Feeds `items` to an NDJSON reader; returns the chunks counted, the
    /// completion read and the tokens.
    fn ndjson(items: &[&[u8]]) -> (u64, Option<String>, Option<(u64, u64)>) {
        let mut reader = Ndjson::default();
        let mut following = following();
        for item in items {
            let item: Result<&[u8], std::io::Error> = Ok(item);
            assert!(reader.read_item(&item, &mut following).is_none());
        }
        let rest = <Ndjson as ReadChunks<Result<&[u8], std::io::Error>>>::read_rest(
            &mut reader,
            &mut following,
        );
        assert!(rest.is_none());
        let chunks = following.chunks;
        let info = following.read.finish();
        let tokens = info.usage.map(|u| (u.input_tokens, u.output_tokens));
        (chunks, info.completion, tokens)
    }

    fn ollama_line(content: &str, last: bool) -> String {
        let counts = if last {
            r#","done_reason":"stop","prompt_eval_count":26,"eval_count":7"#
        } else {
            ""
        };
        format!(
            r#"{{"model":"llama3.2","created_at":"t","message":{{"role":"assistant","content":"{content}"}},"done":{last}{counts}}}"#
        )
    }

    /// Ollama's lines, split anywhere across items, read as the objects
    /// they are; blank lines and `\r\n` endings pass; the last line needs
    /// no newline.
    #[test]
    fn ndjson_lines_split_anywhere_are_joined() {
        let whole = format!(
            "{}\r\n\n{}\n{}",
            ollama_line("Hel", false),
            ollama_line("lo", false),
            ollama_line("", true)
        );
        let expected = (3, Some("Hello".to_owned()), Some((26, 7)));
        for at in 0..whole.len() {
            let (a, b) = whole.as_bytes().split_at(at);
            assert_eq!(ndjson(&[a, b]), expected, "split at {at}");
        }
        let bytes: Vec<&[u8]> = whole.as_bytes().chunks(1).collect();
        assert_eq!(ndjson(&bytes), expected);
    }

    /// A line cut mid-object, and one that is no JSON, count as chunks and
    /// say nothing; a line past the bound is skipped and the next read; a
    /// stream cut before its last line has no tokens.
    #[test]
    fn ndjson_lines_cut_garbled_or_enormous() {
        let first = ollama_line("Hi", false);
        let cut = &ollama_line("", true)[..40];
        let lines = format!("{first}\nnot json\n{cut}");
        assert_eq!(
            ndjson(&[lines.as_bytes()]),
            (3, Some("Hi".to_owned()), None)
        );
        let huge = format!("\"{}\"\n", "x".repeat(MAX_SSE_EVENT));
        let last = ollama_line("ok", true);
        assert_eq!(
            ndjson(&[huge.as_bytes(), last.as_bytes()]),
            (1, Some("ok".to_owned()), Some((26, 7)))
        );
    }

    #[test]
    fn events_split_anywhere_are_joined() {
        let whole = format!(
            "event: x\r\ndata: {}\r\n\r\n: comment\n\ndata: {}\n\ndata: [DONE]\n\n",
            delta("Hel"),
            delta("lo")
        );
        // Every split of the bytes into two items reads the same.
        for at in 0..whole.len() {
            let (a, b) = whole.as_bytes().split_at(at);
            assert_eq!(sse(&[a, b]), (2, Some("Hello".to_owned())), "split at {at}");
        }
        // One byte per item.
        let bytes: Vec<&[u8]> = whole.as_bytes().chunks(1).collect();
        assert_eq!(sse(&bytes), (2, Some("Hello".to_owned())));
    }

    /// Data on several lines is one event, joined by newlines; the last
    /// event needs no blank line after it.
    #[test]
    fn multi_line_data_and_a_last_event_without_a_blank_line() {
        let event =
            "data: {\"choices\": [{\"index\": 0,\ndata: \"delta\": {\"content\": \"Hi\"}}]}";
        assert_eq!(sse(&[event.as_bytes()]), (1, Some("Hi".to_owned())));
    }

    /// An event longer than the bound is skipped, the next one read; data
    /// that is no JSON counts as a chunk and says nothing.
    #[test]
    fn an_enormous_event_is_skipped_and_garbage_is_counted() {
        let huge = format!("data: \"{}\"\n\n", "x".repeat(MAX_SSE_EVENT));
        let next = format!("data: {}\n\ndata: not json\n\n", delta("ok"));
        assert_eq!(
            sse(&[huge.as_bytes(), next.as_bytes()]),
            (2, Some("ok".to_owned()))
        );
        // Cut into pieces, the same.
        let pieces: Vec<&[u8]> = huge.as_bytes().chunks(1 << 16).collect();
        let mut items = pieces;
        items.push(next.as_bytes());
        assert_eq!(sse(&items), (2, Some("ok".to_owned())));
    }

    /// A line of exactly `MAX_SSE_EVENT` bytes is read; one byte more and
    /// it is skipped, whole or cut into pieces, and the line buffer never
    /// holds more than the bound.
    #[test]
    fn the_line_bound_is_exact() {
        let event = |line_len: usize| {
            let empty = format!("data: {}", delta(""));
            let text = "x".repeat(line_len - empty.len());
            let line = format!("data: {}", delta(&text));
            assert_eq!(line.len(), line_len);
            format!("{line}\n\n")
        };
        let at_bound = event(MAX_SSE_EVENT);
        let (chunks, completion) = sse(&[at_bound.as_bytes()]);
        assert_eq!(chunks, 1);
        assert!(completion.is_some_and(|c| c.starts_with("xxxx")));
        let (first, rest) = at_bound.as_bytes().split_at(MAX_SSE_EVENT / 2);
        assert_eq!(sse(&[first, rest]).0, 1);

        let past = event(MAX_SSE_EVENT + 1);
        assert_eq!(sse(&[past.as_bytes()]), (0, None));
        let (first, rest) = past.as_bytes().split_at(MAX_SSE_EVENT / 2);
        assert_eq!(sse(&[first, rest]), (0, None));

        // A line with no end: skipped as it comes, never held.
        let mut reader = Sse::default();
        let mut following = following();
        let piece = vec![b'x'; 1 << 20];
        for _ in 0..6 {
            let item: Result<&[u8], std::io::Error> = Ok(&piece);
            assert!(reader.read_item(&item, &mut following).is_none());
            assert!(reader.lines.line.len() <= MAX_SSE_EVENT);
        }
        assert!(reader.lines.skipping);
    }

    /// An event whose data lines together pass the bound is dropped, though
    /// each line is under it; at the bound it is read.
    #[test]
    fn the_data_bound_spans_lines() {
        // `{"choices": [{... "content": "x…"}}],` then `"model": "y…"}`:
        // JSON on two lines, `total` bytes of data with the newline.
        let event = |total: usize| {
            let first = format!(
                r#"{{"choices": [{{"index": 0, "delta": {{"content": "{}"}}}}],"#,
                "x".repeat(MAX_SSE_EVENT / 2)
            );
            let second_empty = r#""model": ""}"#;
            let model = "y".repeat(total - first.len() - 1 - second_empty.len());
            let second = format!(r#""model": "{model}"}}"#);
            assert_eq!(first.len() + 1 + second.len(), total);
            format!("data: {first}\ndata: {second}\n\n")
        };
        let next = format!("data: {}\n\n", delta("ok"));
        let at_bound = event(MAX_SSE_EVENT);
        let (chunks, completion) = sse(&[at_bound.as_bytes(), next.as_bytes()]);
        assert_eq!(chunks, 2);
        assert!(completion.is_some_and(|c| c.starts_with("xxxx")));

        let past = event(MAX_SSE_EVENT + 1);
        assert_eq!(
            sse(&[past.as_bytes(), next.as_bytes()]),
            (1, Some("ok".to_owned()))
        );
    }

    /// One description per name and provider, kept; past the bound, new
    /// names share one, and memory stays bounded.
    #[test]
    fn descriptions_are_made_once_and_bounded() {
        let a = described("desc.a", None);
        assert!(std::ptr::eq(a, described("desc.a", None)));
        assert!(!std::ptr::eq(a, described("desc.a", Some("openai"))));
        assert_eq!(described("desc.a", Some("openai")).provider, Some("openai"));
        let mut made = 0;
        let overflowed = (0..MAX_DESCRIPTIONS + 10).find(|i| {
            let name: &'static str = format!("desc.{i}").leak();
            made += 1;
            described(name, None).name == UNNAMED_STREAM
        });
        assert!(overflowed.is_some() && made <= MAX_DESCRIPTIONS);
        assert!(std::ptr::eq(described("desc.late", None), &OVERFLOW));
        assert!(std::ptr::eq(a, described("desc.a", None)));
    }

    /// An error item ends the stream with the error's type and message.
    #[test]
    fn an_error_item_ends_with_its_message() {
        let mut following = following();
        let item: Result<&[u8], std::io::Error> = Err(std::io::Error::other("reset by peer"));
        match Sse::default().read_item(&item, &mut following) {
            Some(End::Failed(kind, message)) => {
                assert_eq!(kind, "Error");
                assert_eq!(message, "reset by peer");
            }
            _ => panic!("not failed"),
        }
        let item: Result<serde_json::Value, String> = Err("bad chunk".to_owned());
        match Chunks::default().read_item(&item, &mut following) {
            Some(End::Failed(kind, message)) => {
                assert_eq!(kind, "String");
                assert_eq!(message, "bad chunk");
            }
            _ => panic!("not failed"),
        }
    }
}
