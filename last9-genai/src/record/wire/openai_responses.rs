//! The OpenAI Responses API (`/v1/responses`), whole and streamed as
//! `response.*` events.
//!
//! Told by `"object": "response"`, or by an `output` list beside a usage
//! object that counts `input_tokens` (a Bedrock Converse body has an
//! `output` object, and an unknown body with both keys is no response).
//! How it counts: `input_tokens` includes
//! `input_tokens_details.cached_tokens`; `output_tokens` includes
//! `output_tokens_details.reasoning_tokens`.

use serde_json::{Map, Value};

use super::{Format, Usage, items, str_at};
use crate::cost::TokenUsage;
use crate::record::response::{self, MAX_LISTED, ResponseInfo, TextLimit, usage_of};
use crate::record::stream::StreamRead;

/// The format.
pub(crate) static FORMAT: Format = Format {
    name: "openai_responses",
    provider: "openai",
    marked: false,
    named_by_model: false,
    is_response,
    read_response,
    is_chunk,
    read_chunk: |read, chunk| {
        read_chunk(read, chunk);
        None
    },
    stream_usage: |usage| usage_of_responses(Some(usage)),
    provider_of_model: |_| None,
    request_part: |_| None,
    hosts: &[],
};

/// The keys the readers of this file look at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &[
    "object",
    "output",
    "usage",
    "input_tokens",
    "output_tokens",
    "input_tokens_details",
    "cached_tokens",
    "output_tokens_details",
    "reasoning_tokens",
    "type",
    "content",
    "text",
    "output_text",
    "call_id",
    "id",
    "name",
    "arguments",
    "model",
    "status",
];

/// The keys the event reader of this file looks at.
#[cfg(test)]
pub(crate) const STREAM_KEYS: &[&str] = &[
    "type",
    "delta",
    "item",
    "output_index",
    "call_id",
    "id",
    "name",
    "response",
    "model",
];

fn is_response(object: &Map<String, Value>) -> bool {
    object.get("object").and_then(Value::as_str) == Some("response")
        || (object.get("output").is_some_and(Value::is_array)
            && object
                .get("usage")
                .is_some_and(|u| u.get("input_tokens").is_some()))
}

fn is_chunk(object: &Map<String, Value>) -> bool {
    object
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind.starts_with("response."))
}

fn usage_of_responses(usage: Option<&Value>) -> Usage {
    usage_of(usage, |c| TokenUsage {
        input_tokens: c.get(&["input_tokens"]),
        output_tokens: c.get(&["output_tokens"]),
        cache_read_input_tokens: c.get(&["input_tokens_details", "cached_tokens"]),
        cache_creation_input_tokens: 0,
        reasoning_output_tokens: c.get(&["output_tokens_details", "reasoning_tokens"]),
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    let (usage, usage_invalid) = usage_of_responses(value.get("usage"));
    let of_type = |v: &Value, kind: &str| str_at(v, "type") == Some(kind);
    let completion = read
        .joined(
            items(value, "output")
                .filter(|item| of_type(item, "message"))
                .flat_map(|item| items(item, "content"))
                .filter(|part| of_type(part, "output_text"))
                .filter_map(|part| str_at(part, "text")),
            "",
        )
        .or_else(|| read.string(value, "output_text"));
    let tool_calls = items(value, "output")
        .filter(|item| of_type(item, "function_call"))
        .take(MAX_LISTED)
        .map(|call| {
            let id = call.get("call_id").filter(|id| id.is_string());
            read.tool_call(
                id.or_else(|| call.get("id")),
                call.get("name"),
                call.get("arguments"),
            )
        })
        .collect();
    ResponseInfo {
        provider: Some(FORMAT.provider),
        provider_marked: false,
        operation: None,
        model: read.string(value, "model"),
        id: read.string(value, "id"),
        finish_reasons: read.string(value, "status").into_iter().collect(),
        usage,
        usage_invalid,
        completion,
        tool_calls,
    }
}

fn read_chunk(read: &mut StreamRead, event: &Value) {
    let Some(kind) = str_at(event, "type") else {
        return;
    };
    match kind {
        "response.output_text.delta" => {
            if let Some(text) = str_at(event, "delta") {
                read.push_text(text);
            }
        }
        "response.output_item.added" => {
            let item = event.get("item");
            if item.and_then(|i| str_at(i, "type")) == Some("function_call") {
                let index = event.get("output_index").and_then(Value::as_u64);
                read.tool_call(
                    index.unwrap_or(0),
                    item.and_then(|i| str_at(i, "call_id").or_else(|| str_at(i, "id"))),
                    item.and_then(|i| str_at(i, "name")),
                    None,
                );
            }
        }
        "response.function_call_arguments.delta" => {
            let index = event.get("output_index").and_then(Value::as_u64);
            read.tool_call(index.unwrap_or(0), None, None, str_at(event, "delta"));
        }
        "response.created" | "response.in_progress" => {
            if let Some(response) = event.get("response") {
                read.identity(response, "id", "model");
            }
        }
        "response.completed" | "response.incomplete" | "response.failed" => {
            let limit = read.limit();
            read.complete(event.get("response").and_then(|r| response::read(r, limit)));
        }
        _ => {}
    }
}
