//! Cohere's v2 API: `/v2/chat`, whole and streamed (`message-start`,
//! `content-delta`, `tool-call-start`, …, `message-end` events), and
//! `/v2/embed`.
//!
//! How it counts: `usage.billed_units` is what Cohere bills, `usage.tokens`
//! what the model saw (the prompt template included). The billed units are
//! read when present, so that the cost is what the bill says; the model's
//! counts otherwise. An embedding's `meta.billed_units.input_tokens` is its
//! input. Responses name no model: it comes from the call.

use serde_json::{Map, Value};

use super::{Format, Host, Usage, items, starts_with_any, str_at};
use crate::attributes::operation;
use crate::cost::TokenUsage;
use crate::record::response::{ResponseInfo, TextLimit, usage_of};
use crate::record::stream::{ChunkError, StreamRead};

/// The format.
pub(crate) static FORMAT: Format = Format {
    name: "cohere",
    provider: "cohere",
    marked: true,
    named_by_model: false,
    is_response,
    read_response,
    is_chunk,
    read_chunk,
    stream_usage: |usage| usage_of_units(Some(usage)),
    provider_of_model: |name| {
        starts_with_any(name, &["command", "embed-", "c4ai-"]).then_some("cohere")
    },
    request_part: |_| None,
    hosts: &[
        (Host::Is("api.cohere.com"), "cohere"),
        (Host::Is("api.cohere.ai"), "cohere"),
    ],
};

/// The keys the readers of this file look at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &[
    "finish_reason",
    "message",
    "usage",
    "billed_units",
    "tokens",
    "input_tokens",
    "output_tokens",
    "response_type",
    "meta",
    "content",
    "type",
    "text",
    "tool_calls",
    "function",
    "id",
    "name",
    "arguments",
];

/// The keys the event reader of this file looks at.
#[cfg(test)]
pub(crate) const STREAM_KEYS: &[&str] = &[
    "type",
    "id",
    "model",
    "index",
    "delta",
    "message",
    "content",
    "text",
    "tool_calls",
    "function",
    "name",
    "arguments",
    "finish_reason",
    "usage",
];

/// The types of a chat stream's events.
const EVENTS: &[&str] = &[
    "message-start",
    "content-start",
    "content-delta",
    "content-end",
    "tool-plan-delta",
    "tool-call-start",
    "tool-call-delta",
    "tool-call-end",
    "citation-start",
    "citation-end",
    "message-end",
];

fn has_units(usage: &Value) -> bool {
    usage.get("billed_units").is_some() || usage.get("tokens").is_some()
}

fn is_response(object: &Map<String, Value>) -> bool {
    let chat = object.get("finish_reason").is_some_and(Value::is_string)
        && object.get("message").is_some_and(Value::is_object);
    chat || object.get("usage").is_some_and(has_units) || is_embed(object)
}

/// `/v2/embed`: `response_type` `embeddings_by_type` (or `_floats`).
fn is_embed(object: &Map<String, Value>) -> bool {
    object
        .get("response_type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("embeddings"))
}

fn is_chunk(object: &Map<String, Value>) -> bool {
    object
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|kind| EVENTS.contains(&kind))
}

/// The usage of a chat's `usage`: billed units, else the model's counts.
fn usage_of_units(usage: Option<&Value>) -> Usage {
    let counts = usage.map(|u| {
        u.get("billed_units")
            .or_else(|| u.get("tokens"))
            .unwrap_or(u)
    });
    usage_of(counts, |c| {
        TokenUsage::new(c.get(&["input_tokens"]), c.get(&["output_tokens"]))
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    if value.as_object().is_some_and(is_embed) {
        let billed = value.get("meta").and_then(|m| m.get("billed_units"));
        let (usage, usage_invalid) =
            usage_of(billed, |c| TokenUsage::new(c.get(&["input_tokens"]), 0));
        return ResponseInfo {
            provider: Some(FORMAT.provider),
            provider_marked: true,
            operation: Some(operation::EMBEDDINGS),
            id: read.string(value, "id"),
            usage,
            usage_invalid,
            ..ResponseInfo::default()
        };
    }
    let (usage, usage_invalid) = usage_of_units(value.get("usage"));
    let message = value.get("message");
    let content = || message.into_iter().flat_map(|m| items(m, "content"));
    ResponseInfo {
        provider: Some(FORMAT.provider),
        provider_marked: true,
        operation: None,
        model: None,
        id: read.string(value, "id"),
        finish_reasons: read.string(value, "finish_reason").into_iter().collect(),
        usage,
        usage_invalid,
        completion: read.joined(
            content()
                .filter(|c| str_at(c, "type") == Some("text"))
                .filter_map(|c| str_at(c, "text")),
            "",
        ),
        tool_calls: super::function_calls(read, message),
    }
}

fn read_chunk(read: &mut StreamRead, event: &Value) -> Option<ChunkError> {
    let kind = str_at(event, "type")?;
    let delta = event.get("delta");
    let message = delta.and_then(|d| d.get("message"));
    let index = || event.get("index").and_then(Value::as_u64).unwrap_or(0);
    match kind {
        "message-start" => read.identity(event, "id", "model"),
        "content-delta" => {
            let text = message
                .and_then(|m| m.get("content"))
                .and_then(|c| str_at(c, "text"));
            if let Some(text) = text {
                read.push_text(text);
            }
        }
        "tool-call-start" | "tool-call-delta" => {
            let call = message.and_then(|m| m.get("tool_calls"));
            let function = call.and_then(|c| c.get("function"));
            read.tool_call(
                index(),
                call.and_then(|c| str_at(c, "id")),
                function.and_then(|f| str_at(f, "name")),
                function.and_then(|f| str_at(f, "arguments")),
            );
        }
        "message-end" => {
            if let Some(reason) = delta.and_then(|d| str_at(d, "finish_reason")) {
                read.finish_reason(reason);
            }
            if let Some(usage) = delta
                .and_then(|d| d.get("usage"))
                .and_then(Value::as_object)
            {
                read.set_usage(usage.clone());
            }
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::response::read;
    use crate::record::stream::StreamRead;

    /// A chat answer is told by its finish reason beside its message, or by
    /// either usage; an embedding by its response type. Half a marker is
    /// none.
    #[test]
    fn responses_are_told_by_any_of_their_markers() {
        let provider = |value: Value| read(&value, 100).and_then(|info| info.provider);
        for body in [
            json!({"finish_reason": "COMPLETE", "message": {}}),
            json!({"usage": {"billed_units": {}}}),
            json!({"usage": {"tokens": {}}}),
            json!({"response_type": "embeddings_by_type"}),
        ] {
            assert_eq!(provider(body.clone()), Some("cohere"), "{body}");
        }
        for body in [json!({"finish_reason": "COMPLETE"}), json!({"message": {}})] {
            assert_eq!(provider(body.clone()), None, "{body}");
        }
    }

    /// Text blocks alone are the completion; the id is kept; an embedding's
    /// billed count, with its id, marked as Cohere's.
    #[test]
    fn chat_and_embed_read_whole() {
        let chat = json!({"id": "c-1", "finish_reason": "COMPLETE", "message": {"content": [
            {"type": "thinking", "text": "hmm"}, {"type": "text", "text": "Hi"}]},
            "usage": {"billed_units": {"input_tokens": 5, "output_tokens": 2},
                      "tokens": {"input_tokens": 70, "output_tokens": 2}}});
        let info = read(&chat, 100).unwrap();
        assert_eq!(info.completion.as_deref(), Some("Hi"));
        assert_eq!(info.id.as_deref(), Some("c-1"));
        assert_eq!(info.usage, Some(TokenUsage::new(5, 2)));
        let embed = json!({"id": "e-1", "response_type": "embeddings_by_type",
                           "meta": {"billed_units": {"input_tokens": 2}}});
        let info = read(&embed, 100).unwrap();
        assert_eq!(
            (info.provider, info.provider_marked, info.id.as_deref()),
            (Some("cohere"), true, Some("e-1"))
        );
        assert_eq!(info.usage, Some(TokenUsage::new(2, 0)));
        let bad = json!({"response_type": "embeddings_floats",
                         "meta": {"billed_units": {"input_tokens": "two"}}});
        let info = read(&bad, 100).unwrap();
        assert_eq!((info.usage, info.usage_invalid), (None, true));
    }

    /// A stream's id comes from its `message-start` event.
    #[test]
    fn the_stream_id_is_the_message_starts() {
        let mut stream = StreamRead::new(100);
        stream.read(&json!({"type": "message-start", "id": "s-1",
                            "delta": {"message": {"role": "assistant"}}}));
        stream.read(&json!({"type": "content-delta", "index": 0,
                            "delta": {"message": {"content": {"text": "Hi"}}}}));
        let info = stream.finish();
        assert_eq!(
            (info.id.as_deref(), info.completion.as_deref()),
            (Some("s-1"), Some("Hi"))
        );
    }
}
