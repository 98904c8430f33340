//! The common chunks of a stream read straight from their walk: no tree,
//! no allocation once the scratch buffer has grown.
//!
//! Most chunks of a stream carry a piece of text and little else: OpenAI's
//! chat chunks (`choices[].delta.content`, `finish_reason`), Anthropic's
//! `content_block_delta` text deltas and `ping`s, the Responses API's
//! `response.output_text.delta`. [`read_fast`] reads those as the walk
//! passes; any other chunk (usage, tool calls, errors, Gemini, the first
//! and last events) stops the walk, and the caller reads it through the
//! tree (`super::tree::stream_tree`) and the stream reader's JSON path,
//! which a test holds to the same results.

use std::ops::Range;

use serde::Serialize;

use super::{Leaf, Sink, Stop, walk};
use crate::record::stream::StreamRead;
use crate::record::wire::is_stream_key;

/// At most this many choices of a chunk are read here; more go the slow way.
const MAX_CHOICES: usize = 4;
/// At most this deep: root, `choices`, a choice, its `delta`.
const MAX_FRAMES: usize = 4;

/// What the chunks' scratch holds between chunks: text, reused.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    buffer: String,
}

#[derive(Debug, Clone, Copy, Default)]
struct Choice {
    index: Option<u64>,
    text: Option<(usize, usize)>,
    finish: Option<(usize, usize)>,
}

/// Where the container being walked sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Root,
    Choices,
    Choice,
    /// A choice's `delta`.
    Delta,
    /// Anthropic's root `delta`.
    RootDelta,
}

/// What the value after the key just given is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    Id,
    Model,
    Type,
    RootIndex,
    Choices,
    /// Root `delta`: Anthropic's object, or the Responses API's text.
    RootDelta,
    /// May be null only.
    NullOnly,
    ChoiceIndex,
    ChoiceDelta,
    Finish,
    Content,
    DeltaType,
    DeltaText,
}

struct ChunkScanner<'s> {
    buffer: &'s mut String,
    frames: [Frame; MAX_FRAMES],
    depth: usize,
    field: Field,
    id: Option<(usize, usize)>,
    model: Option<(usize, usize)>,
    kind: Option<(usize, usize)>,
    delta_kind: Option<(usize, usize)>,
    delta_text: Option<(usize, usize)>,
    saw_choices: bool,
    choices: [Choice; MAX_CHOICES],
    count: usize,
}

/// Stops the walk: the chunk goes the slow way.
const SLOW: Result<(), Stop> = Err(Stop::Full);

impl ChunkScanner<'_> {
    fn frame(&self) -> Option<Frame> {
        self.depth.checked_sub(1).map(|d| self.frames[d])
    }

    fn keep(&mut self, text: &str) -> (usize, usize) {
        let start = self.buffer.len();
        self.buffer.push_str(text);
        (start, self.buffer.len())
    }

    fn text(&self, range: Option<(usize, usize)>) -> Option<&str> {
        range.map(|(start, end)| &self.buffer[Range { start, end }])
    }

    fn choice(&mut self) -> &mut Choice {
        &mut self.choices[self.count - 1]
    }

    fn enter(&mut self, frame: Frame) -> Result<(), Stop> {
        if self.depth == MAX_FRAMES {
            return SLOW;
        }
        self.frames[self.depth] = frame;
        self.depth += 1;
        Ok(())
    }
}

impl Sink for ChunkScanner<'_> {
    fn leaf(&mut self, leaf: Leaf<'_>) -> Result<(), Stop> {
        let field = std::mem::replace(&mut self.field, Field::None);
        match (field, leaf) {
            (_, Leaf::Null) if field != Field::None => Ok(()),
            (Field::Id, Leaf::Str(s)) => {
                self.id = Some(self.keep(s));
                Ok(())
            }
            (Field::Model, Leaf::Str(s)) => {
                self.model = Some(self.keep(s));
                Ok(())
            }
            (Field::Type, Leaf::Str(s)) => {
                self.kind = Some(self.keep(s));
                Ok(())
            }
            (Field::RootIndex, Leaf::U64(_) | Leaf::I64(_)) => Ok(()),
            (Field::RootDelta, Leaf::Str(s)) | (Field::DeltaText, Leaf::Str(s)) => {
                self.delta_text = Some(self.keep(s));
                Ok(())
            }
            (Field::DeltaType, Leaf::Str(s)) => {
                self.delta_kind = Some(self.keep(s));
                Ok(())
            }
            (Field::ChoiceIndex, Leaf::U64(n)) => {
                self.choice().index = Some(n);
                Ok(())
            }
            (Field::Content, Leaf::Str(s)) => {
                let range = self.keep(s);
                self.choice().text = Some(range);
                Ok(())
            }
            (Field::Finish, Leaf::Str(s)) => {
                let range = self.keep(s);
                self.choice().finish = Some(range);
                Ok(())
            }
            // A root that is no object, or a value of a type the JSON path
            // reads otherwise.
            _ => SLOW,
        }
    }

    fn begin_array(&mut self) -> Result<(), Stop> {
        match std::mem::replace(&mut self.field, Field::None) {
            Field::Choices => {
                self.saw_choices = true;
                self.enter(Frame::Choices)
            }
            _ => SLOW,
        }
    }

    fn end_array(&mut self) -> Result<(), Stop> {
        self.depth -= 1;
        Ok(())
    }

    fn begin_object(&mut self) -> Result<(), Stop> {
        let field = std::mem::replace(&mut self.field, Field::None);
        match (self.frame(), field) {
            (None, _) => self.enter(Frame::Root),
            (Some(Frame::Choices), _) if self.count < MAX_CHOICES => {
                self.choices[self.count] = Choice::default();
                self.count += 1;
                self.enter(Frame::Choice)
            }
            (_, Field::ChoiceDelta) => self.enter(Frame::Delta),
            (_, Field::RootDelta) => self.enter(Frame::RootDelta),
            _ => SLOW,
        }
    }

    fn key(&mut self, key: &str) -> Result<bool, Stop> {
        // By frame, then by key: each inner match is a jump on the key's
        // length and bytes.
        let field = match self.frame() {
            Some(Frame::Root) => match key {
                "id" => Field::Id,
                "model" => Field::Model,
                "type" => Field::Type,
                "index" | "output_index" => Field::RootIndex,
                "choices" => Field::Choices,
                "delta" => Field::RootDelta,
                "usage" | "error" => Field::NullOnly,
                _ => Field::None,
            },
            Some(Frame::Choice) => match key {
                "index" => Field::ChoiceIndex,
                "delta" => Field::ChoiceDelta,
                "finish_reason" => Field::Finish,
                _ => Field::None,
            },
            Some(Frame::Delta) => match key {
                "content" => Field::Content,
                "tool_calls" => Field::NullOnly,
                _ => Field::None,
            },
            Some(Frame::RootDelta) => match key {
                "type" => Field::DeltaType,
                "text" => Field::DeltaText,
                _ => Field::None,
            },
            Some(Frame::Choices) | None => Field::None,
        };
        if field == Field::None {
            // Whatever else the JSON path reads goes that way.
            return if is_stream_key(key) {
                Err(Stop::Full)
            } else {
                Ok(false)
            };
        }
        self.field = field;
        Ok(true)
    }

    fn end_object(&mut self) -> Result<(), Stop> {
        self.depth -= 1;
        Ok(())
    }
}

/// Reads `chunk` into `read` when it is one of the common chunks; `false`
/// when it is another, and nothing was read.
pub(crate) fn read_fast<C: Serialize + ?Sized>(
    chunk: &C,
    scratch: &mut Scratch,
    read: &mut StreamRead,
) -> bool {
    scratch.buffer.clear();
    let mut fast = ChunkScanner {
        buffer: &mut scratch.buffer,
        frames: [Frame::Root; MAX_FRAMES],
        depth: 0,
        field: Field::None,
        id: None,
        model: None,
        kind: None,
        delta_kind: None,
        delta_text: None,
        saw_choices: false,
        choices: [Choice::default(); MAX_CHOICES],
        count: 0,
    };
    if walk(chunk, &mut fast).is_err() || fast.depth != 0 {
        return false;
    }
    match fast.text(fast.kind) {
        None if fast.saw_choices => {
            read.openai_chunk(fast.text(fast.id), fast.text(fast.model), None);
            for choice in &fast.choices[..fast.count] {
                read.openai_choice(
                    choice.index.unwrap_or(0),
                    fast.text(choice.text),
                    fast.text(choice.finish),
                );
            }
            true
        }
        // No type and no choices: the JSON path reads nothing either.
        None => true,
        Some("content_block_delta") => match fast.text(fast.delta_kind) {
            Some("text_delta") => {
                read.anthropic_text(fast.text(fast.delta_text).unwrap_or(""));
                true
            }
            _ => false,
        },
        Some("response.output_text.delta") if fast.delta_kind.is_none() => {
            read.responses_text(fast.text(fast.delta_text).unwrap_or(""));
            true
        }
        // Events that say nothing but their type, whatever else they hold.
        Some(kind @ ("ping" | "content_block_stop" | "message_stop")) => {
            read.anthropic_event(kind);
            true
        }
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::json::tree::stream_tree;

    /// Chunks of every kind the reader knows, and malformed ones.
    fn corpus() -> Vec<Value> {
        let delta = |d: Value, finish: Value| {
            json!({"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o",
                   "choices": [{"index": 0, "delta": d, "finish_reason": finish}], "usage": null})
        };
        vec![
            delta(json!({"role": "assistant", "content": ""}), Value::Null),
            delta(
                json!({"content": "Hel", "refusal": null, "tool_calls": null}),
                Value::Null,
            ),
            delta(json!({"content": "lo"}), Value::Null),
            json!({"id": "c1", "model": "gpt-4o", "choices": [
                {"index": 1, "delta": {"content": "other"}, "finish_reason": null},
                {"index": 0, "delta": {"content": " there"}, "finish_reason": null}]}),
            delta(
                json!({"tool_calls": [{"index": 0, "id": "call_1",
                "function": {"name": "f", "arguments": "{}"}}]}),
                Value::Null,
            ),
            delta(json!({}), json!("stop")),
            json!({"id": "c1", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}),
            json!({"type": "message_start", "message": {"id": "m1", "model": "claude",
                "usage": {"input_tokens": 4}}}),
            json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}),
            json!({"type": "ping"}),
            json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": "Bon"}}),
            json!({"type": "content_block_delta", "index": 1,
                "delta": {"type": "input_json_delta", "partial_json": "{\"a\""}}),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 9}}),
            json!({"type": "message_stop"}),
            json!({"type": "response.output_text.delta", "output_index": 0, "delta": "jour"}),
            json!({"type": "response.completed", "response": {"object": "response",
                "status": "completed", "output": [], "usage": {"input_tokens": 1}}}),
            json!({"candidates": [{"content": {"parts": [{"text": "g"}]}}],
                "usageMetadata": {"promptTokenCount": 2}}),
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "x"}}),
            json!({"error": null, "choices": []}),
            json!({"Ok": {"choices": [{"index": 0, "delta": {"content": "ok"}}]}}),
            json!("a text piece"),
            json!(null),
            json!([1, 2]),
            json!({}),
            json!({"id": 7, "choices": [{"index": "0", "delta": {"content": {"x": 1}}}]}),
            json!({"choices": [{"index": 0, "delta": {"content": "a"}}, {"index": 1},
                {"index": 2}, {"index": 3}, {"index": 4, "finish_reason": "stop"}]}),
            json!({"choices": [1, 2]}),
            json!({"type": "content_block_delta", "delta": "not an object"}),
            json!({"type": "response.output_text.delta", "delta": {"type": "text_delta"}}),
        ]
    }

    /// What the stream reader makes of `chunks`, read as typed chunks are
    /// (the fast path, else the tree), and through its JSON path only.
    fn both_ways(chunks: &[Value]) -> (StreamRead, StreamRead) {
        let mut scratch = Scratch::default();
        let (mut fast, mut json) = (StreamRead::new(64), StreamRead::new(64));
        for chunk in chunks {
            if !read_fast(chunk, &mut scratch, &mut fast)
                && let Some(tree) = stream_tree(chunk, 64)
            {
                fast.read(&tree);
            }
            json.read(chunk);
        }
        (fast, json)
    }

    fn same(fast: StreamRead, json: StreamRead, what: &str) {
        assert_eq!(fast.has_usage(), json.has_usage(), "{what}");
        assert_eq!(fast.is_openai_chat(), json.is_openai_chat(), "{what}");
        assert_eq!(fast.finish(), json.finish(), "{what}");
    }

    /// Each chunk alone, every pair in order, and the whole corpus read the
    /// same both ways.
    #[test]
    fn the_fast_path_reads_as_the_json_path() {
        let corpus = corpus();
        for chunk in &corpus {
            let (fast, json) = both_ways(std::slice::from_ref(chunk));
            same(fast, json, &chunk.to_string());
        }
        for pair in corpus.windows(2) {
            let (fast, json) = both_ways(pair);
            same(fast, json, &format!("{pair:?}"));
        }
        let (fast, json) = both_ways(&corpus);
        same(fast, json, "all");
    }

    /// The chunks that make up most of a stream take the fast path, in
    /// serde's field order and in `serde_json::Value`'s.
    #[test]
    fn common_chunks_take_the_fast_path() {
        let corpus = corpus();
        let mut scratch = Scratch::default();
        let mut read = StreamRead::new(64);
        for i in [0, 1, 2, 3, 5, 9, 10, 12, 14, 15, 19, 24] {
            assert!(
                read_fast(&corpus[i], &mut scratch, &mut read),
                "{}",
                corpus[i]
            );
        }
        for i in [
            4, 6, 7, 8, 11, 13, 16, 17, 18, 20, 21, 22, 23, 25, 26, 27, 28, 29,
        ] {
            assert!(
                !read_fast(&corpus[i], &mut scratch, &mut read),
                "{}",
                corpus[i]
            );
        }
    }
}
