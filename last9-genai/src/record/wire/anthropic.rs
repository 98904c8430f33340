//! Anthropic messages (`/v1/messages`), whole and streamed as `message_*`
//! and `content_block_*` events. Bedrock's `InvokeModel` and Vertex AI
//! return this shape too for Claude, so the shape alone names the
//! provider only when nothing else did.
//!
//! How it counts: `input_tokens` leaves out the tokens read from and
//! written to the prompt cache (`cache_read_input_tokens`,
//! `cache_creation_input_tokens`); the conventions' input count includes
//! them, so they are added.

use serde_json::{Map, Value};

use super::{Format, Host, Usage, as_text, items, starts_with, str_at, string};
use crate::cost::TokenUsage;
use crate::record::messages::Part;
use crate::record::response::{MAX_LISTED, ResponseInfo, TextLimit, usage_of};
use crate::record::stream::StreamRead;

/// The format.
pub(crate) static FORMAT: Format = Format {
    name: "anthropic",
    provider: "anthropic",
    marked: false,
    named_by_model: false,
    is_response,
    read_response,
    is_chunk,
    read_chunk: |read, chunk| {
        read_chunk(read, chunk);
        None
    },
    stream_usage: |usage| usage_of_messages(Some(usage)),
    provider_of_model: |name| starts_with(name, "claude").then_some("anthropic"),
    request_part,
    hosts: &[(Host::Is("api.anthropic.com"), "anthropic")],
};

/// The keys the readers of this file look at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &[
    "type",
    "stop_reason",
    "usage",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "content",
    "text",
    "id",
    "name",
    "input",
    "model",
];

/// The keys the request reader of this file looks at.
#[cfg(test)]
pub(crate) const REQUEST_KEYS: &[&str] = &[
    "type",
    "id",
    "name",
    "input",
    "tool_use_id",
    "content",
    "text",
];

/// The keys the event reader of this file looks at.
#[cfg(test)]
pub(crate) const STREAM_KEYS: &[&str] = &[
    "type",
    "message",
    "usage",
    "content_block",
    "index",
    "id",
    "name",
    "delta",
    "text",
    "partial_json",
    "stop_reason",
    "model",
];

fn is_response(object: &Map<String, Value>) -> bool {
    object.get("type").and_then(Value::as_str) == Some("message")
        || object.contains_key("stop_reason")
}

fn is_chunk(object: &Map<String, Value>) -> bool {
    object
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(is_event)
}

/// Whether an event type is one of a message stream's.
pub(crate) fn is_event(kind: &str) -> bool {
    kind.starts_with("message_") || kind.starts_with("content_block_")
}

/// The usage of a message (or of its stream's events, merged).
fn usage_of_messages(usage: Option<&Value>) -> Usage {
    usage_of(usage, |c| {
        let cache_read = c.get(&["cache_read_input_tokens"]);
        let cache_write = c.get(&["cache_creation_input_tokens"]);
        TokenUsage {
            input_tokens: c
                .get(&["input_tokens"])
                .saturating_add(cache_read)
                .saturating_add(cache_write),
            output_tokens: c.get(&["output_tokens"]),
            cache_read_input_tokens: cache_read,
            cache_creation_input_tokens: cache_write,
            reasoning_output_tokens: 0,
        }
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    let (usage, usage_invalid) = usage_of_messages(value.get("usage"));
    let of_type = |kind: &'static str| {
        items(value, "content").filter(move |b| str_at(b, "type") == Some(kind))
    };
    ResponseInfo {
        provider: Some(FORMAT.provider),
        provider_marked: false,
        operation: None,
        model: read.string(value, "model"),
        id: read.string(value, "id"),
        finish_reasons: read.string(value, "stop_reason").into_iter().collect(),
        usage,
        usage_invalid,
        completion: read.joined(of_type("text").filter_map(|b| str_at(b, "text")), " "),
        tool_calls: of_type("tool_use")
            .take(MAX_LISTED)
            .map(|b| read.tool_call(b.get("id"), b.get("name"), b.get("input")))
            .collect(),
    }
}

fn read_chunk(read: &mut StreamRead, event: &Value) {
    let Some(kind) = str_at(event, "type") else {
        return;
    };
    match kind {
        "message_start" => {
            if let Some(message) = event.get("message") {
                read.identity(message, "id", "model");
                read.merge_usage(message.get("usage"));
            }
        }
        "content_block_start" => {
            let block = event.get("content_block");
            if block.and_then(|b| str_at(b, "type")) == Some("tool_use") {
                let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
                read.tool_call(
                    index,
                    block.and_then(|b| str_at(b, "id")),
                    block.and_then(|b| str_at(b, "name")),
                    None,
                );
            }
        }
        "content_block_delta" => {
            let Some(delta) = event.get("delta") else {
                return;
            };
            match str_at(delta, "type") {
                Some("text_delta") => {
                    if let Some(text) = str_at(delta, "text") {
                        read.push_text(text);
                    }
                }
                Some("input_json_delta") => {
                    let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
                    read.tool_call(index, None, None, str_at(delta, "partial_json"));
                }
                _ => {}
            }
        }
        "message_delta" => {
            if let Some(reason) = event
                .get("delta")
                .and_then(|d| d.get("stop_reason"))
                .and_then(Value::as_str)
            {
                read.finish_reason(reason);
            }
            read.merge_usage(event.get("usage"));
        }
        _ => {}
    }
}

/// A `tool_use` block (a call the model asked for, replayed) or a
/// `tool_result` block (its result, as text).
fn request_part(block: &Value) -> Option<Part> {
    match str_at(block, "type")? {
        "tool_use" => Some(Part::ToolCall(crate::record::response::ToolCallRequest {
            id: string(block, "id"),
            name: string(block, "name").unwrap_or_default(),
            arguments: as_text(block.get("input")),
        })),
        "tool_result" => Some(Part::ToolResult {
            id: string(block, "tool_use_id"),
            response: match block.get("content") {
                Some(Value::Array(blocks)) => {
                    blocks.iter().filter_map(|b| str_at(b, "text")).collect()
                }
                other => as_text(other),
            },
        }),
        _ => None,
    }
}
