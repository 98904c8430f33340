//! Ollama's native API: `/api/chat`, `/api/generate` and `/api/embed`.
//! Streamed, chat and generate send newline-delimited JSON objects of the
//! same shape (`done: false` until the last), read one object at a time
//! (`observe_ndjson` turns the raw bytes into them).
//!
//! How it counts: `prompt_eval_count` is the prompt's tokens and
//! `eval_count` the answer's, both in the last object only. Ollama leaves
//! `prompt_eval_count` out when the whole prompt came from its cache: the
//! input is then 0. There is no response id.

use serde_json::{Map, Value};

use super::{Format, Host, Usage, items, str_at};
use crate::attributes::operation;
use crate::cost::TokenUsage;
use crate::record::response::{ResponseInfo, TextLimit, usage_of};
use crate::record::stream::{ChunkError, StreamRead};

/// The format.
pub(crate) static FORMAT: Format = Format {
    name: "ollama",
    provider: "ollama",
    marked: true,
    named_by_model: false,
    is_response,
    read_response,
    is_chunk: is_generation,
    read_chunk,
    stream_usage: |usage| usage_of_counts(usage),
    provider_of_model: |_| None,
    request_part: |_| None,
    hosts: &[
        (Host::Port(11434), "ollama"),
        (Host::Is("ollama.com"), "ollama"),
    ],
};

/// The keys the readers of this file look at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &[
    "done",
    "created_at",
    "total_duration",
    "prompt_eval_count",
    "eval_count",
    "model",
    "message",
    "content",
    "response",
    "tool_calls",
    "function",
    "id",
    "name",
    "arguments",
    "done_reason",
];

/// The keys the chunk reader of this file looks at.
#[cfg(test)]
pub(crate) const STREAM_KEYS: &[&str] = &[
    "done",
    "created_at",
    "model",
    "message",
    "content",
    "response",
    "tool_calls",
    "function",
    "id",
    "name",
    "arguments",
    "done_reason",
    "prompt_eval_count",
    "eval_count",
];

/// A chat or generate object, whole or one of a stream: `done` as a bool,
/// beside `created_at`.
fn is_generation(object: &Map<String, Value>) -> bool {
    object.get("done").is_some_and(Value::is_boolean) && object.contains_key("created_at")
}

/// An `/api/embed` answer: a prompt count beside Ollama's timings, and no
/// `done`. The vectors are never looked at, so that a typed response is
/// walked without them.
fn is_embed(object: &Map<String, Value>) -> bool {
    object.contains_key("prompt_eval_count")
        && object.contains_key("total_duration")
        && !object.contains_key("done")
}

fn is_response(object: &Map<String, Value>) -> bool {
    is_generation(object) || is_embed(object)
}

/// The usage of an object holding the counts (the last of a stream, or a
/// whole answer); none when it holds neither.
fn usage_of_counts(value: &Value) -> Usage {
    if value.get("prompt_eval_count").is_none() && value.get("eval_count").is_none() {
        return (None, false);
    }
    usage_of(Some(value), |c| {
        TokenUsage::new(c.get(&["prompt_eval_count"]), c.get(&["eval_count"]))
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    let (usage, usage_invalid) = usage_of_counts(value);
    let message = value.get("message");
    let operation = if value.as_object().is_some_and(is_embed) {
        Some(operation::EMBEDDINGS)
    } else if value.get("response").is_some() {
        Some(operation::TEXT_COMPLETION)
    } else {
        None
    };
    ResponseInfo {
        provider: Some(FORMAT.provider),
        provider_marked: true,
        operation,
        model: read.string(value, "model"),
        id: None,
        finish_reasons: read.string(value, "done_reason").into_iter().collect(),
        usage,
        usage_invalid,
        completion: message
            .and_then(|m| read.string(m, "content"))
            .or_else(|| read.string(value, "response"))
            .filter(|text| !text.is_empty()),
        tool_calls: super::function_calls(read, message),
    }
}

fn read_chunk(read: &mut StreamRead, chunk: &Value) -> Option<ChunkError> {
    read.identity(chunk, "id", "model");
    let message = chunk.get("message");
    if let Some(text) = message
        .and_then(|m| str_at(m, "content"))
        .or_else(|| str_at(chunk, "response"))
    {
        read.push_text(text);
    }
    for call in message.into_iter().flat_map(|m| items(m, "tool_calls")) {
        // Each call comes whole, in one object.
        let function = call.get("function");
        read.whole_tool_call(
            str_at(call, "id"),
            function.and_then(|f| str_at(f, "name")),
            function.and_then(|f| f.get("arguments")),
        );
    }
    if let Some(reason) = str_at(chunk, "done_reason") {
        read.finish_reason(reason);
    }
    if chunk.get("prompt_eval_count").is_some() || chunk.get("eval_count").is_some() {
        let counts = ["prompt_eval_count", "eval_count"]
            .into_iter()
            .filter_map(|key| Some((key.to_owned(), chunk.get(key)?.clone())))
            .collect();
        read.set_usage(counts);
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::response::read;
    use crate::record::stream::StreamRead;

    /// `done` alone or `created_at` alone is no Ollama answer; both are.
    #[test]
    fn an_answer_needs_both_markers() {
        let provider = |value: Value| read(&value, 100).and_then(|info| info.provider);
        assert_eq!(
            provider(json!({"done": true, "created_at": "t"})),
            Some("ollama")
        );
        assert_eq!(provider(json!({"done": true})), None);
        assert_eq!(provider(json!({"created_at": "t"})), None);
    }

    /// An answer that only calls a tool has no completion, not an empty one.
    #[test]
    fn a_tool_call_alone_has_no_completion() {
        let body = json!({"model": "llama3.2", "created_at": "t", "done": true,
            "message": {"role": "assistant", "content": "",
                        "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}});
        let info = read(&body, 100).unwrap();
        assert_eq!(info.completion, None);
        assert_eq!(info.tool_calls[0].arguments, r#"{"a":1}"#);
    }

    /// A last chunk whose prompt came from Ollama's cache carries the
    /// output count alone: usage, with no input.
    #[test]
    fn a_last_chunk_with_the_output_count_alone() {
        let mut stream = StreamRead::new(100);
        stream.read(
            &json!({"model": "llama3.2", "created_at": "t", "done": true,
                            "done_reason": "stop", "eval_count": 7}),
        );
        assert_eq!(stream.finish().usage, Some(TokenUsage::new(0, 7)));
    }
}
