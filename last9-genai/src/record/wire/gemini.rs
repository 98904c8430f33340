//! Gemini `generateContent` and `streamGenerateContent`, in the REST API's
//! camelCase or the google-genai SDKs' snake_case, and `embedContent` /
//! `batchEmbedContents`.
//!
//! How it counts: `promptTokenCount` includes `cachedContentTokenCount`;
//! `candidatesTokenCount` leaves out `thoughtsTokenCount`, which is billed
//! as output, so the thoughts are added to the output. An embedding
//! response carries no count unless a `usageMetadata` comes with it: its
//! tokens are then absent, never 0.

use serde_json::{Map, Value};

use super::{Format, Host, Usage, as_text, either, items, starts_with_any, str_at, string};
use crate::cost::TokenUsage;
use crate::record::messages::Part;
use crate::record::response::{MAX_LISTED, ResponseInfo, TextLimit, usage_of};
use crate::record::stream::StreamRead;

/// The format.
pub(crate) static FORMAT: Format = Format {
    name: "gemini",
    provider: "gcp.gemini",
    marked: false,
    named_by_model: false,
    is_response,
    read_response,
    is_chunk: is_content,
    read_chunk: |read, chunk| {
        read_chunk(read, chunk);
        None
    },
    stream_usage: |usage| usage_of_metadata(Some(usage)),
    provider_of_model: |name| {
        starts_with_any(name, &["gemini", "text-embedding-0"]).then_some("gcp.gemini")
    },
    request_part,
    hosts: &[
        (Host::Is("generativelanguage.googleapis.com"), "gcp.gemini"),
        (Host::EndsWith("aiplatform.googleapis.com"), "gcp.vertex_ai"),
    ],
};

/// The keys the readers of this file look at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &[
    "candidates",
    "usageMetadata",
    "usage_metadata",
    "promptTokenCount",
    "prompt_token_count",
    "candidatesTokenCount",
    "candidates_token_count",
    "cachedContentTokenCount",
    "cached_content_token_count",
    "thoughtsTokenCount",
    "thoughts_token_count",
    "content",
    "parts",
    "modelVersion",
    "model_version",
    "model",
    "responseId",
    "response_id",
    "finishReason",
    "finish_reason",
    "thought",
    "text",
    "functionCall",
    "function_call",
    "id",
    "name",
    "args",
];

/// The keys the request reader of this file looks at.
#[cfg(test)]
pub(crate) const REQUEST_KEYS: &[&str] = &[
    "functionCall",
    "function_call",
    "functionResponse",
    "function_response",
    "id",
    "name",
    "args",
    "response",
];

/// The keys the chunk reader of this file looks at.
#[cfg(test)]
pub(crate) const STREAM_KEYS: &[&str] = &[
    "candidates",
    "usageMetadata",
    "usage_metadata",
    "responseId",
    "response_id",
    "modelVersion",
    "model_version",
    "finishReason",
    "finish_reason",
    "content",
    "parts",
    "functionCall",
    "function_call",
    "id",
    "name",
    "args",
    "thought",
    "text",
];

fn is_content(object: &Map<String, Value>) -> bool {
    object.contains_key("candidates")
        || object.contains_key("usageMetadata")
        || object.contains_key("usage_metadata")
}

fn is_response(object: &Map<String, Value>) -> bool {
    is_content(object) || is_embedding(object)
}

/// `{"embedding": {"values": […]}}`, or a batch's `{"embeddings": [{"values": …}]}`.
/// Read as JSON only: a typed response is walked without its vectors (no
/// count is lost: these carry none).
fn is_embedding(object: &Map<String, Value>) -> bool {
    let has_values = |e: &Value| e.get("values").is_some_and(Value::is_array);
    object.get("embedding").is_some_and(has_values)
        || object
            .get("embeddings")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
            .is_some_and(has_values)
}

/// The usage of a `usageMetadata` object, in either casing.
fn usage_of_metadata(usage: Option<&Value>) -> Usage {
    usage_of(usage, |c| {
        let mut count = |camel: &str, snake: &str| {
            let key = if c.has(camel) { camel } else { snake };
            c.get(&[key])
        };
        let thoughts = count("thoughtsTokenCount", "thoughts_token_count");
        TokenUsage {
            input_tokens: count("promptTokenCount", "prompt_token_count"),
            output_tokens: count("candidatesTokenCount", "candidates_token_count")
                .saturating_add(thoughts),
            cache_read_input_tokens: count("cachedContentTokenCount", "cached_content_token_count"),
            cache_creation_input_tokens: 0,
            reasoning_output_tokens: thoughts,
        }
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    let text_field = |object: &Value, camel: &str, snake: &str| {
        either(object, camel, snake)
            .and_then(Value::as_str)
            .map(|t| read.cut(t))
    };
    let (usage, usage_invalid) =
        usage_of_metadata(either(value, "usageMetadata", "usage_metadata"));
    let candidates = value.get("candidates").and_then(Value::as_array);
    let parts = || {
        candidates
            .and_then(|c| c.first())
            .and_then(|c| c.get("content"))
            .into_iter()
            .flat_map(|c| items(c, "parts"))
    };
    let embedding = value.as_object().is_some_and(is_embedding);
    ResponseInfo {
        provider: Some(FORMAT.provider),
        provider_marked: false,
        operation: embedding.then_some(crate::attributes::operation::EMBEDDINGS),
        model: text_field(value, "modelVersion", "model_version")
            .or_else(|| read.string(value, "model")),
        id: text_field(value, "responseId", "response_id"),
        finish_reasons: candidates
            .into_iter()
            .flatten()
            .filter_map(|c| text_field(c, "finishReason", "finish_reason"))
            .take(MAX_LISTED)
            .collect(),
        usage,
        usage_invalid,
        completion: read.joined(
            parts()
                .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
                .filter_map(|p| str_at(p, "text")),
            "",
        ),
        tool_calls: parts()
            .filter_map(|p| either(p, "functionCall", "function_call"))
            .take(MAX_LISTED)
            .map(|call| read.tool_call(call.get("id"), call.get("name"), call.get("args")))
            .collect(),
    }
}

fn read_chunk(read: &mut StreamRead, chunk: &Value) {
    read.identity_either(
        chunk,
        ("responseId", "response_id"),
        ("modelVersion", "model_version"),
    );
    // Each chunk carries the usage so far: the last one wins.
    if let Some(usage) = either(chunk, "usageMetadata", "usage_metadata").and_then(Value::as_object)
    {
        read.set_usage(usage.clone());
    }
    let candidates = chunk.get("candidates").and_then(Value::as_array);
    for candidate in candidates.into_iter().flatten() {
        if let Some(reason) =
            either(candidate, "finishReason", "finish_reason").and_then(Value::as_str)
        {
            read.finish_reason(reason);
        }
    }
    let parts = candidates
        .and_then(|c| c.first())
        .and_then(|c| c.get("content"))
        .into_iter()
        .flat_map(|c| items(c, "parts"));
    for part in parts {
        if let Some(call) = either(part, "functionCall", "function_call") {
            read.whole_tool_call(str_at(call, "id"), str_at(call, "name"), call.get("args"));
        } else if part.get("thought").and_then(Value::as_bool) != Some(true)
            && let Some(text) = str_at(part, "text")
        {
            read.push_text(text);
        }
    }
}

/// A `functionCall` part (replayed) or a `functionResponse` part (a tool's
/// result, named by its function when it has no id), in either casing.
fn request_part(block: &Value) -> Option<Part> {
    if let Some(call) = either(block, "functionCall", "function_call") {
        return Some(Part::ToolCall(crate::record::response::ToolCallRequest {
            id: string(call, "id"),
            name: string(call, "name").unwrap_or_default(),
            arguments: as_text(call.get("args")),
        }));
    }
    let result = either(block, "functionResponse", "function_response")?;
    Some(Part::ToolResult {
        id: string(result, "id").or_else(|| string(result, "name")),
        response: as_text(result.get("response")),
    })
}
