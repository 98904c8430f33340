//! Streamed model calls: the span follows the stream to its end, on every
//! path (read to the end, dropped early, an error inside the stream, a
//! timeout, a panic), reads usage, model, finish reasons and text from the
//! chunks, and keeps its scopes wherever the stream goes. Against the
//! scripted provider's real SSE wire formats (OpenAI chat completions with
//! and without `include_usage`, Anthropic messages), through async-openai's
//! `create_stream` and raw `reqwest` bytes.

#![allow(clippy::await_holding_lock)]

mod common;

use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, ChatCompletionResponseStream,
    ChatCompletionStreamOptions, CreateChatCompletionRequestArgs,
};
use examples::provider::ScriptedProvider;
use futures::{Stream, StreamExt};
use last9_genai::{
    Last9SpanProcessor, ObserveIterator, ObserveStream, ScopeExt, StreamCall, conversation,
    observe, workflow,
};
use opentelemetry::Value;
use opentelemetry::trace::{SpanId, Status};
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor, SpanData,
};

static EXPORTER: LazyLock<InMemorySpanExporter> = LazyLock::new(|| {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .pricing(examples::pricing())
                .wrap(SimpleSpanProcessor::new(exporter.clone())),
        )
        .build();
    last9_genai::set_tracer_provider(provider);
    exporter
});

fn exporter() -> (MutexGuard<'static, ()>, &'static InMemorySpanExporter) {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    EXPORTER.reset();
    (guard, &EXPORTER)
}

fn spans(name: &str) -> Vec<SpanData> {
    EXPORTER
        .get_finished_spans()
        .unwrap()
        .into_iter()
        .filter(|s| s.name == name)
        .collect()
}

fn one(name: &str) -> SpanData {
    let found = spans(name);
    assert_eq!(found.len(), 1, "spans named {name}");
    found.into_iter().next().unwrap()
}

fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

fn int(span: &SpanData, key: &str) -> Option<i64> {
    match attr(span, key)? {
        Value::I64(n) => Some(n),
        other => panic!("{key} is {other:?}"),
    }
}

fn float(span: &SpanData, key: &str) -> Option<f64> {
    match attr(span, key)? {
        Value::F64(n) => Some(n),
        other => panic!("{key} is {other:?}"),
    }
}

fn text(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

fn reasons(list: &[&'static str]) -> Option<Value> {
    let list: Vec<opentelemetry::StringValue> = list.iter().map(|r| (*r).into()).collect();
    Some(Value::Array(list.into()))
}

fn completion_event(span: &SpanData) -> Option<String> {
    span.events
        .iter()
        .find(|e| e.name == "gen_ai.content.completion")
        .and_then(|e| {
            e.attributes
                .iter()
                .find(|kv| kv.key.as_str() == "gen_ai.completion")
        })
        .map(|kv| kv.value.as_str().into_owned())
}

async fn client() -> Client<OpenAIConfig> {
    let provider = ScriptedProvider::start().await.unwrap();
    Client::with_config(
        OpenAIConfig::new()
            .with_api_key("scripted")
            .with_api_base(provider.openai_base()),
    )
}

/// What a newcomer writes first: `#[observe]` on the function that
/// returns `create_stream(..)`.
#[observe(name = "chat.stream")]
async fn chat_stream(
    client: &Client<OpenAIConfig>,
    question: &str,
    include_usage: bool,
) -> Result<ChatCompletionResponseStream, OpenAIError> {
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(question)
            .build()?
            .into()])
        .stream_options(ChatCompletionStreamOptions {
            include_usage: Some(include_usage),
            include_obfuscation: None,
        })
        .build()?;
    client.chat().create_stream(request).await
}

/// The scripted answer's text, read from the stream as a user would.
async fn read_all(mut stream: ChatCompletionResponseStream) -> String {
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        if let Some(piece) = chunk.choices.first().and_then(|c| c.delta.content.clone()) {
            text.push_str(&piece);
        }
    }
    text
}

const QUESTION: &str = "What is the capital of France?";
const ANSWER: &str = "The capital of France is Paris.";
/// The scripted provider's counts for QUESTION and ANSWER: a token per
/// four characters, 900 tokens of system prompt, 512 of them cached.
const INPUT_TOKENS: i64 = 8 + 900;
const OUTPUT_TOKENS: i64 = 8;

#[tokio::test]
async fn observe_on_create_stream_follows_the_stream_to_its_end() {
    common::python_layout();
    let (_guard, _) = exporter();
    let client = client().await;
    let stream = chat_stream(&client, QUESTION, true).await.unwrap();
    // The call returned; its stream is unread: the span is still open.
    assert!(spans("chat.stream").is_empty());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(read_all(stream).await, ANSWER);
    let span = one("chat.stream");
    assert_eq!(
        attr(&span, "gen_ai.request.stream"),
        Some(Value::Bool(true))
    );
    // The request is built inside: the model that answered says what was
    // asked for.
    assert_eq!(
        text(&span, "gen_ai.request.model").as_deref(),
        Some("gpt-4o-2024-08-06")
    );
    assert_eq!(
        text(&span, "gen_ai.response.model").as_deref(),
        Some("gpt-4o-2024-08-06")
    );
    assert_eq!(
        text(&span, "gen_ai.response.id").as_deref(),
        Some("chatcmpl-streamed")
    );
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        reasons(&["stop"])
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(INPUT_TOKENS));
    assert_eq!(
        int(&span, "gen_ai.usage.output_tokens"),
        Some(OUTPUT_TOKENS)
    );
    assert_eq!(
        int(&span, "gen_ai.usage.cache_read.input_tokens"),
        Some(512)
    );
    // gpt-4o: $2.50 per million input, $1.25 cached, $10 output.
    let expected = (396.0 * 2.5 + 512.0 * 1.25 + 8.0 * 10.0) / 1e6;
    let cost = float(&span, "gen_ai.usage.cost_usd").unwrap();
    assert!((cost - expected).abs() < 1e-12, "{cost} != {expected}");
    // Role chunk, six words, the finish chunk, the usage chunk.
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(9));
    let first = float(&span, "gen_ai.response.time_to_first_chunk").unwrap();
    let latency = float(&span, "latency_ms").unwrap() / 1000.0;
    assert!(first > 0.0 && first < latency, "{first} vs {latency}");
    // The span lasted as long as the stream: past the pause before reading.
    assert!(latency >= 0.020, "{latency}");
    assert_eq!(completion_event(&span).as_deref(), Some(ANSWER));
    assert_eq!(span.status, Status::Ok);
    assert_eq!(attr(&span, "gen_ai.l9.cancelled"), None);
}

/// Without `stream_options.include_usage` no usage arrives: the span says
/// nothing of tokens, never 0, and is not priced.
#[tokio::test]
async fn a_stream_without_usage_has_no_token_counts() {
    common::python_layout();
    let (_guard, _) = exporter();
    let (_subscriber, warnings) = common::capture_warnings();
    let client = client().await;
    let stream = chat_stream(&client, QUESTION, false).await.unwrap();
    assert_eq!(read_all(stream).await, ANSWER);
    let span = one("chat.stream");
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), None);
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), None);
    assert_eq!(float(&span, "gen_ai.usage.cost_usd"), None);
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(8));
    assert_eq!(completion_event(&span).as_deref(), Some(ANSWER));
    assert_eq!(span.status, Status::Ok);
    // Said once, with the option that fixes it.
    let stream = chat_stream(&client, QUESTION, false).await.unwrap();
    read_all(stream).await;
    let warnings = String::from_utf8(warnings.lock().unwrap().clone()).unwrap();
    assert_eq!(
        warnings.matches("ended without usage").count(),
        1,
        "{warnings}"
    );
    assert!(warnings.contains("\"include_usage\": true"), "{warnings}");
}

/// A caller that breaks out of the loop: the span ends when the stream is
/// dropped, cancelled, finish reason `error`, with the part that arrived
/// and no usage.
#[tokio::test]
async fn a_stream_dropped_early_ends_its_span_cancelled_with_what_arrived() {
    common::python_layout();
    let (_guard, _) = exporter();
    let client = client().await;
    let mut stream = chat_stream(&client, QUESTION, true).await.unwrap();
    for _ in 0..3 {
        stream.next().await.unwrap().unwrap();
    }
    assert!(spans("chat.stream").is_empty());
    drop(stream);
    let span = one("chat.stream");
    assert_eq!(attr(&span, "gen_ai.l9.cancelled"), Some(Value::Bool(true)));
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        reasons(&["error"])
    );
    assert_eq!(span.status, Status::Unset);
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(3));
    // The role chunk and two words.
    assert_eq!(completion_event(&span).as_deref(), Some("The capital"));
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), None);
}

/// An error event inside the stream ends the span with that error; the
/// items still reach the caller.
#[tokio::test]
async fn an_error_inside_the_stream_ends_the_span_with_it() {
    common::python_layout();
    let (_guard, _) = exporter();
    let client = client().await;
    let stream = chat_stream(&client, "[error] What is the capital of France?", true)
        .await
        .unwrap();
    let items: Vec<_> = stream.collect().await;
    // async-openai turns the error event into an `Err` item.
    assert!(items.last().unwrap().is_err());
    let span = one("chat.stream");
    assert!(
        matches!(span.status, Status::Error { .. }),
        "{:?}",
        span.status
    );
    assert!(text(&span, "error.type").is_some());
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(3));
    assert_eq!(
        span.events.iter().filter(|e| e.name == "exception").count(),
        1
    );
}

/// Anthropic's events read from raw `reqwest` bytes: usage from
/// `message_start` and `message_delta`; an `error` event ends the span
/// with the provider's error type.
#[tokio::test]
async fn raw_anthropic_sse_through_reqwest() {
    common::python_layout();
    let (_guard, _) = exporter();
    let provider = ScriptedProvider::start().await.unwrap();
    let http = reqwest::Client::new();
    let post = |question: &str| {
        http.post(format!("{}/v1/messages", provider.anthropic_base()))
            .json(
                &serde_json::json!({"model": "claude-sonnet-4-5", "max_tokens": 100,
                "stream": true, "messages": [{"role": "user", "content": question}]}),
            )
            .send()
    };
    let response = post(QUESTION).await.unwrap();
    let call = StreamCall::new("anthropic.stream").model("claude-sonnet-4-5");
    let bytes: Vec<_> = response.bytes_stream().observe_sse(call).collect().await;
    assert!(bytes.iter().all(Result::is_ok));
    let span = one("anthropic.stream");
    assert_eq!(
        text(&span, "gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    assert_eq!(
        text(&span, "gen_ai.response.id").as_deref(),
        Some("msg_streamed")
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(8 + 1200));
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(8));
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        reasons(&["end_turn"])
    );
    // message_start, block start, ping, six words, block stop, delta, stop.
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(12));
    assert_eq!(completion_event(&span).as_deref(), Some(ANSWER));
    // claude-sonnet-4-5: $3 per million input, $15 output.
    let cost = float(&span, "gen_ai.usage.cost_usd").unwrap();
    let expected = (1208.0 * 3.0 + 8.0 * 15.0) / 1e6;
    assert!((cost - expected).abs() < 1e-12, "{cost} != {expected}");

    EXPORTER.reset();
    let response = post("[error] hello").await.unwrap();
    let call = StreamCall::new("anthropic.stream");
    let _: Vec<_> = response.bytes_stream().observe_sse(call).collect().await;
    let span = one("anthropic.stream");
    assert_eq!(
        text(&span, "error.type").as_deref(),
        Some("overloaded_error")
    );
    assert_eq!(span.status, Status::error("Overloaded"));
}

/// A timeout drops the stream mid-way: the span ends, cancelled.
#[tokio::test]
async fn a_timeout_cancels_the_stream_and_ends_its_span() {
    common::python_layout();
    let (_guard, _) = exporter();
    let client = client().await;
    let read = async {
        let stream = chat_stream(&client, "[slow] What is the capital of France?", true)
            .await
            .unwrap();
        read_all(stream).await
    };
    assert!(
        tokio::time::timeout(Duration::from_millis(500), read)
            .await
            .is_err()
    );
    let span = one("chat.stream");
    assert_eq!(attr(&span, "gen_ai.l9.cancelled"), Some(Value::Bool(true)));
    let chunks = int(&span, "gen_ai.l9.stream.chunks").unwrap();
    assert!((1..9).contains(&chunks), "{chunks}");
}

/// A stream moved into a spawned task, read there on another thread,
/// still belongs to its conversation and workflow, and counts in the
/// workflow's totals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_read_in_another_task_keeps_its_scopes() {
    common::python_layout();
    let (_guard, _) = exporter();
    let client = client().await;
    let wf = workflow("streamed").start();
    let stream = async { chat_stream(&client, QUESTION, true).await.unwrap() }
        .with_scope((&wf, conversation("conv-moved")))
        .await;
    let text = tokio::spawn(read_all(stream)).await.unwrap();
    assert_eq!(text, ANSWER);
    assert_eq!(wf.llm_calls(), 1);
    assert!(wf.total_cost_usd() > 0.0);
    drop(wf);
    let span = one("chat.stream");
    assert_eq!(
        text_attr(&span, "gen_ai.conversation.id").as_deref(),
        Some("conv-moved")
    );
    let workflow_span = one("streamed");
    assert_eq!(span.parent_span_id, workflow_span.span_context.span_id());
    assert_eq!(int(&workflow_span, "workflow.llm_calls"), Some(1));
    assert_eq!(
        float(&workflow_span, "workflow.total_cost_usd"),
        float(&span, "gen_ai.usage.cost_usd")
    );
}

fn text_attr(span: &SpanData, key: &str) -> Option<String> {
    text(span, key)
}

/// A hundred streams at once, each in its own conversation: each span has
/// its own conversation and its own, whole, usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_streams_keep_apart() {
    common::python_layout();
    let (_guard, _) = exporter();
    let client = client().await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = client.clone();
        tasks.push(tokio::spawn(
            async move {
                let stream = chat_stream(&client, QUESTION, true).await.unwrap();
                read_all(stream).await
            }
            .with_scope(conversation(format!("conv-{i}"))),
        ));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), ANSWER);
    }
    let spans = spans("chat.stream");
    assert_eq!(spans.len(), 100);
    let mut conversations: Vec<String> = spans
        .iter()
        .map(|s| text(s, "gen_ai.conversation.id").unwrap())
        .collect();
    conversations.sort();
    conversations.dedup();
    assert_eq!(conversations.len(), 100);
    for span in &spans {
        assert_eq!(int(span, "gen_ai.usage.input_tokens"), Some(INPUT_TOKENS));
        assert_eq!(int(span, "gen_ai.usage.output_tokens"), Some(OUTPUT_TOKENS));
        assert_eq!(completion_event(span).as_deref(), Some(ANSWER));
    }
    let ids: std::collections::HashSet<SpanId> =
        spans.iter().map(|s| s.span_context.span_id()).collect();
    assert_eq!(ids.len(), 100);
}

/// `impl Stream` of text pieces: followed, the pieces are the completion.
#[observe(name = "pieces")]
fn pieces(words: Vec<&'static str>) -> impl Stream<Item = String> {
    futures::stream::iter(words.into_iter().map(str::to_owned))
}

#[tokio::test]
async fn an_impl_stream_of_text_is_followed() {
    common::python_layout();
    let (_guard, _) = exporter();
    let stream = pieces(vec!["Hel", "lo"]);
    assert!(spans("pieces").is_empty());
    let read: Vec<String> = stream.collect().await;
    assert_eq!(read, ["Hel", "lo"]);
    let span = one("pieces");
    assert_eq!(completion_event(&span).as_deref(), Some("Hello"));
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(2));
    assert_eq!(span.status, Status::Ok);
    // Read to its end, it was not cut off: no finish reason is made up.
    assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), None);
}

/// A stream that gives nothing has no output to write.
#[tokio::test]
async fn an_empty_stream_writes_no_output() {
    common::python_layout();
    let (_guard, _) = exporter();
    let read: Vec<String> = pieces(Vec::new()).collect().await;
    assert!(read.is_empty());
    let span = one("pieces");
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(0));
    assert_eq!(completion_event(&span), None);
    assert_eq!(attr(&span, "gen_ai.output.messages"), None);
    assert_eq!(span.status, Status::Ok);
}

/// A stream that panics while polled: the span ends with the panic, once.
#[observe(name = "panicky")]
fn panicky() -> impl Stream<Item = Result<serde_json::Value, std::io::Error>> {
    futures::stream::iter(0..3).map(|i| {
        assert!(i < 1, "chunk {i} is bad");
        Ok(serde_json::json!({"choices": [{"index": 0, "delta": {"content": "x"}}]}))
    })
}

#[tokio::test]
async fn a_panic_inside_the_stream_ends_the_span_with_it() {
    common::python_layout();
    let (_guard, _) = exporter();
    let caught = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(
        panicky().collect::<Vec<_>>(),
    ))
    .await;
    assert!(caught.is_err());
    let span = one("panicky");
    assert_eq!(span.status, Status::error("chunk 1 is bad"));
    assert_eq!(text(&span, "error.type").as_deref(), Some("panic"));
}

/// A concrete stream type cannot be wrapped: the call ends at return, as
/// any other, unmarked as a stream.
#[observe(name = "concrete")]
fn concrete() -> futures::stream::Iter<std::vec::IntoIter<u8>> {
    futures::stream::iter(vec![1, 2])
}

#[tokio::test]
async fn a_concrete_stream_type_ends_at_return() {
    common::python_layout();
    let (_guard, _) = exporter();
    let stream = concrete();
    let span = one("concrete");
    assert_eq!(attr(&span, "gen_ai.request.stream"), None);
    assert_eq!(stream.collect::<Vec<_>>().await, [1, 2]);
}

/// The followed stream and iterator keep their inner one's size hint, and
/// their `Debug` says whether they still follow a span: until the end.
#[tokio::test]
async fn a_followed_stream_keeps_its_size_hint_and_says_whether_it_follows() {
    common::python_layout();
    let (_guard, _) = exporter();
    let chunks = || ["a", "b", "c"].map(Ok::<_, std::io::Error>);
    let mut stream = futures::stream::iter(chunks()).observe_chunks(StreamCall::new("hinted"));
    assert_eq!(stream.size_hint(), (3, Some(3)));
    assert_eq!(
        format!("{stream:?}"),
        "ObservedStream { following: true, .. }"
    );
    assert!(stream.next().await.is_some());
    assert_eq!(stream.size_hint(), (2, Some(2)));
    while stream.next().await.is_some() {}
    assert_eq!(
        format!("{stream:?}"),
        "ObservedStream { following: false, .. }"
    );

    let mut iter = chunks()
        .into_iter()
        .observe_chunks(StreamCall::new("hinted"));
    assert_eq!(iter.size_hint(), (3, Some(3)));
    assert_eq!(format!("{iter:?}"), "ObservedIter { following: true, .. }");
    assert!(iter.next().is_some());
    assert_eq!(iter.size_hint(), (2, Some(2)));
    assert_eq!(iter.by_ref().count(), 2);
    assert_eq!(format!("{iter:?}"), "ObservedIter { following: false, .. }");
    assert_eq!(spans("hinted").len(), 2);
}

/// A blocking client's `impl Iterator` of chunks: followed to its end, as
/// a stream is; an iterator dropped early is cancelled.
#[observe(name = "blocking")]
fn blocking(words: &[&'static str]) -> impl Iterator<Item = Result<serde_json::Value, String>> {
    let chunks: Vec<_> = words
        .iter()
        .map(|w| Ok(serde_json::json!({"choices": [{"index": 0, "delta": {"content": w}}]})))
        .collect();
    chunks.into_iter()
}

#[tokio::test]
async fn an_impl_iterator_is_followed() {
    common::python_layout();
    let (_guard, _) = exporter();
    let iter = blocking(&["a", "b", "c"]);
    assert!(spans("blocking").is_empty());
    assert_eq!(iter.count(), 3);
    let span = one("blocking");
    assert_eq!(completion_event(&span).as_deref(), Some("abc"));
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(3));
    assert_eq!(span.status, Status::Ok);

    EXPORTER.reset();
    let mut iter = blocking(&["a", "b", "c"]);
    iter.next();
    drop(iter);
    let span = one("blocking");
    assert_eq!(attr(&span, "gen_ai.l9.cancelled"), Some(Value::Bool(true)));
    assert_eq!(completion_event(&span).as_deref(), Some("a"));
}

/// `Result<impl Stream>` from an `async fn` that returns a boxed stream:
/// followed once, its `Err` ends the span as any error does.
#[observe(name = "maybe_stream")]
async fn maybe_stream(
    fail: bool,
) -> Result<impl Stream<Item = Result<serde_json::Value, std::io::Error>>, std::io::Error> {
    if fail {
        return Err(std::io::Error::other("refused"));
    }
    Ok(futures::stream::iter([Ok(serde_json::json!({"choices": [
        {"index": 0, "delta": {"content": "x"}, "finish_reason": "stop"}]}))]))
}

#[tokio::test]
async fn result_of_impl_stream_is_followed_and_its_err_ends_the_span() {
    common::python_layout();
    let (_guard, _) = exporter();
    let stream = maybe_stream(false).await.unwrap();
    assert!(spans("maybe_stream").is_empty());
    assert_eq!(stream.count().await, 1);
    let span = one("maybe_stream");
    assert_eq!(completion_event(&span).as_deref(), Some("x"));
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        reasons(&["stop"])
    );

    EXPORTER.reset();
    assert!(maybe_stream(true).await.is_err());
    let span = one("maybe_stream");
    assert_eq!(span.status, Status::error("refused"));
    assert_eq!(attr(&span, "gen_ai.request.stream"), None);
}

/// Items that are `Result<_, String>` are also `Serialize`: the level that
/// reads them as chunks and errors comes first, so an `Err` item ends the
/// span with its error.
#[observe(name = "failing_iter")]
fn failing_iter() -> impl Iterator<Item = Result<serde_json::Value, String>> {
    [
        Ok(serde_json::json!("a")),
        Err("boom".to_owned()),
        Ok(serde_json::json!("b")),
    ]
    .into_iter()
}

#[tokio::test]
async fn an_err_item_ends_the_span_with_its_error() {
    common::python_layout();
    let (_guard, _) = exporter();
    let items: Vec<_> = failing_iter().collect();
    assert_eq!(items.len(), 3);
    let span = one("failing_iter");
    assert_eq!(span.status, Status::error("boom"));
    assert_eq!(text(&span, "error.type").as_deref(), Some("String"));
    assert_eq!(completion_event(&span).as_deref(), Some("a"));
}

fn tool_call_events(span: &SpanData) -> Vec<Vec<(String, Value)>> {
    span.events
        .iter()
        .filter(|e| e.name == "gen_ai.tool.call")
        .map(|e| {
            e.attributes
                .iter()
                .map(|kv| (kv.key.to_string(), kv.value.clone()))
                .collect()
        })
        .collect()
}

/// Tool-call deltas become the same `gen_ai.tool.call` events a whole
/// response gives.
#[tokio::test]
async fn tool_call_deltas_become_tool_call_events() {
    common::python_layout();
    let (_guard, _) = exporter();
    let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
        Ok::<_, std::io::Error>(serde_json::json!({"id": "c9", "model": "gpt-4o",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}))
    };
    let chunks = vec![
        chunk(
            serde_json::json!({"tool_calls": [{"index": 0, "id": "call_w", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"ci"}}]}),
            serde_json::Value::Null,
        ),
        chunk(
            serde_json::json!({"tool_calls": [{"index": 0,
            "function": {"arguments": "ty\":\"Paris\"}"}}]}),
            serde_json::Value::Null,
        ),
        chunk(serde_json::json!({}), serde_json::json!("tool_calls")),
    ];
    let _: Vec<_> = futures::stream::iter(chunks)
        .observe_chunks(StreamCall::new("tools.stream"))
        .collect()
        .await;
    let span = one("tools.stream");
    assert_eq!(
        text(&span, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(int(&span, "gen_ai.tool_calls.count"), Some(1));
    let events = tool_call_events(&span);
    assert_eq!(events.len(), 1);
    let get = |key: &str| {
        events[0]
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str().into_owned())
    };
    assert_eq!(get("tool_call.id").as_deref(), Some("call_w"));
    assert_eq!(
        get("tool_call.function.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(
        get("tool_call.function.arguments").as_deref(),
        Some("{\"city\":\"Paris\"}")
    );
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        reasons(&["tool_calls"])
    );
}

/// The text is kept within the capture limit and the cut is marked; a key
/// inside the streamed text is redacted.
#[observe(name = "long_stream", capture_limit = 12)]
fn long_stream() -> impl Stream<Item = String> {
    futures::stream::iter(
        [
            "Your key is ",
            "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
            " and more",
        ]
        .map(str::to_owned),
    )
}

#[observe(name = "secret_stream")]
fn secret_stream() -> impl Stream<Item = String> {
    futures::stream::iter(
        [
            "Your key is ",
            "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
            ".",
        ]
        .map(str::to_owned),
    )
}

#[tokio::test]
async fn streamed_text_is_cut_at_the_limit_and_redacted() {
    common::python_layout();
    let (_guard, _) = exporter();
    let _: Vec<String> = long_stream().collect().await;
    let span = one("long_stream");
    assert_eq!(
        completion_event(&span).as_deref(),
        Some("Your key is …[truncated]")
    );
    let _: Vec<String> = secret_stream().collect().await;
    let span = one("secret_stream");
    let completion = completion_event(&span).unwrap();
    assert!(!completion.contains("abcdefghij"), "{completion}");
    assert!(completion.starts_with("Your key is "), "{completion}");
    assert!(completion.ends_with('.'), "{completion}");
}

/// A chunk whose `Serialize` panics is counted and skipped; the stream and
/// the span go on.
struct Panicky;

impl serde::Serialize for Panicky {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        panic!("no serializing this")
    }
}

#[tokio::test]
async fn a_chunk_that_panics_when_read_is_skipped() {
    common::python_layout();
    let (_guard, _) = exporter();
    let items = vec![Ok::<_, std::io::Error>(Panicky), Ok(Panicky)];
    let read = futures::stream::iter(items)
        .observe_chunks(StreamCall::new("panicky.chunks"))
        .count()
        .await;
    assert_eq!(read, 2);
    let span = one("panicky.chunks");
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(2));
    assert_eq!(span.status, Status::Ok);
}

/// Plain pieces of text, read whole.
#[observe(name = "two_pieces")]
fn two_pieces() -> impl Iterator<Item = String> {
    ["a".to_owned(), "b".to_owned()].into_iter()
}

/// Every key once on a stream's span, however it ended. (Regression: a
/// stream that failed had its latency written twice, once with its output
/// and once with its error.)
#[tokio::test]
async fn a_stream_span_has_each_attribute_once_however_it_ended() {
    common::python_layout();
    let (_guard, _) = exporter();
    let _ = failing_iter().count();
    let failed = one("failing_iter");
    EXPORTER.reset();
    let mut iter = failing_iter();
    let _ = iter.next();
    drop(iter);
    let dropped = one("failing_iter");
    assert_eq!(
        attr(&dropped, "gen_ai.l9.cancelled"),
        Some(Value::Bool(true))
    );
    EXPORTER.reset();
    let _ = two_pieces().count();
    let done = one("two_pieces");
    for (how, span) in [("failed", &failed), ("dropped", &dropped), ("done", &done)] {
        let mut keys: Vec<&str> = span.attributes.iter().map(|kv| kv.key.as_str()).collect();
        assert!(keys.contains(&"latency_ms"), "{how}: {keys:?}");
        keys.sort_unstable();
        let all = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), all, "{how}: a key written twice");
    }
}
