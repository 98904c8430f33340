//! AWS Bedrock: the Converse API, whole and streamed (ConverseStream), and
//! the Titan text embeddings of `InvokeModel`.
//!
//! A Converse response names no model (the request's `modelId` does), so
//! its model comes from the call. Bedrock model ids (`amazon.nova-pro-v1:0`,
//! `anthropic.claude-…-v2:0`, with a cross-region prefix `us.`, `eu.`,
//! `apac.`, `global.`) name the provider `aws.bedrock` whatever the vendor.
//!
//! How it counts: `inputTokens` leaves out the tokens read from and written
//! to the prompt cache (`cacheReadInputTokens`, `cacheWriteInputTokens`),
//! and `totalTokens` is the sum of all four; the conventions' input count
//! includes the cache, so the cache tokens are added. A body whose total is
//! input plus output alone already counts them in its input, and is read
//! so. A stream's usage comes in its last event, `metadata`.

use serde_json::{Map, Value};

use super::{Format, Host, Usage, as_text, items, starts_with, starts_with_any, str_at, string};
use crate::attributes::operation;
use crate::cost::TokenUsage;
use crate::pricing::BEDROCK_REGION_PREFIXES;
use crate::record::messages::Part;
use crate::record::response::{MAX_LISTED, ResponseInfo, TextLimit, usage_of};
use crate::record::stream::{ChunkError, StreamRead};

/// The format.
pub(crate) static FORMAT: Format = Format {
    name: "bedrock",
    provider: "aws.bedrock",
    marked: true,
    named_by_model: false,
    is_response,
    read_response,
    is_chunk,
    read_chunk,
    stream_usage: |usage| usage_of_converse(Some(usage)),
    provider_of_model,
    request_part,
    hosts: &[(
        Host::Between("bedrock-runtime", ".amazonaws.com"),
        "aws.bedrock",
    )],
};

/// The keys the readers of this file look at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &[
    "stopReason",
    "usage",
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "cacheReadInputTokens",
    "cacheWriteInputTokens",
    "output",
    "message",
    "content",
    "text",
    "toolUse",
    "toolUseId",
    "name",
    "input",
    "inputTextTokenCount",
];

/// The keys the request reader of this file looks at.
#[cfg(test)]
pub(crate) const REQUEST_KEYS: &[&str] = &[
    "toolUse",
    "toolUseId",
    "name",
    "input",
    "toolResult",
    "content",
    "text",
    "json",
];

/// The keys the event reader of this file looks at.
#[cfg(test)]
pub(crate) const STREAM_KEYS: &[&str] = &[
    "messageStart",
    "contentBlockStart",
    "contentBlockDelta",
    "contentBlockStop",
    "messageStop",
    "metadata",
    "start",
    "toolUse",
    "toolUseId",
    "name",
    "delta",
    "text",
    "input",
    "contentBlockIndex",
    "stopReason",
    "usage",
    "message",
    "internalServerException",
    "modelStreamErrorException",
    "validationException",
    "throttlingException",
    "serviceUnavailableException",
];

/// The model vendors of Bedrock model ids.
const VENDORS: &[&str] = &[
    "amazon.",
    "anthropic.",
    "meta.",
    "cohere.",
    "mistral.",
    "ai21.",
    "deepseek.",
    "openai.",
    "qwen.",
    "writer.",
    "twelvelabs.",
    "stability.",
];

/// A Bedrock model id without its cross-region prefix.
fn without_region(model: &str) -> &str {
    BEDROCK_REGION_PREFIXES
        .iter()
        .find(|prefix| starts_with(model, prefix))
        .map(|prefix| &model[prefix.len()..])
        .filter(|rest| starts_with_any(rest, VENDORS))
        .unwrap_or(model)
}

fn provider_of_model(name: &str) -> Option<&'static str> {
    starts_with_any(without_region(name), VENDORS).then_some("aws.bedrock")
}

/// The events of a ConverseStream, each an object of one key.
const EVENTS: &[&str] = &[
    "messageStart",
    "contentBlockStart",
    "contentBlockDelta",
    "contentBlockStop",
    "messageStop",
    "metadata",
];

fn is_response(object: &Map<String, Value>) -> bool {
    object.contains_key("stopReason")
        || object
            .get("output")
            .is_some_and(|o| o.get("message").is_some())
        || object
            .get("usage")
            .is_some_and(|u| u.get("inputTokens").is_some())
        || object.contains_key("inputTextTokenCount")
}

fn is_chunk(object: &Map<String, Value>) -> bool {
    object.len() == 1
        && object
            .keys()
            .next()
            .is_some_and(|key| EVENTS.contains(&key.as_str()) || key.ends_with("Exception"))
}

/// The counts of a Converse usage, as its fields name them (the JSON's and
/// `aws-sdk-bedrockruntime`'s alike).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ConverseCounts {
    pub(crate) input: u64,
    pub(crate) output: u64,
    pub(crate) total: Option<u64>,
    pub(crate) cache_read: u64,
    pub(crate) cache_write: u64,
}

impl ConverseCounts {
    /// The usage in the conventions' terms: the cache added to the input,
    /// unless the total shows the input counts it already.
    pub(crate) fn usage(self) -> TokenUsage {
        let cache = self.cache_read.saturating_add(self.cache_write);
        // (With no cache, either reading gives the same input.)
        let cache_in_input = self.total == Some(self.input.saturating_add(self.output));
        TokenUsage {
            input_tokens: if cache_in_input {
                self.input
            } else {
                self.input.saturating_add(cache)
            },
            output_tokens: self.output,
            cache_read_input_tokens: self.cache_read,
            cache_creation_input_tokens: self.cache_write,
            reasoning_output_tokens: 0,
        }
    }
}

/// The usage of a Converse response or of a stream's `metadata` event.
fn usage_of_converse(usage: Option<&Value>) -> Usage {
    usage_of(usage, |c| {
        ConverseCounts {
            input: c.get(&["inputTokens"]),
            output: c.get(&["outputTokens"]),
            total: c.find(&["totalTokens"]),
            cache_read: c.get(&["cacheReadInputTokens"]),
            cache_write: c.get(&["cacheWriteInputTokens"]),
        }
        .usage()
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    if value.get("inputTextTokenCount").is_some() {
        // Titan text embeddings.
        let (usage, usage_invalid) = usage_of(Some(value), |c| {
            TokenUsage::new(c.get(&["inputTextTokenCount"]), 0)
        });
        return ResponseInfo {
            provider: Some(FORMAT.provider),
            provider_marked: true,
            operation: Some(operation::EMBEDDINGS),
            usage,
            usage_invalid,
            ..ResponseInfo::default()
        };
    }
    let (usage, usage_invalid) = usage_of_converse(value.get("usage"));
    let blocks = || {
        value
            .get("output")
            .and_then(|o| o.get("message"))
            .into_iter()
            .flat_map(|m| items(m, "content"))
    };
    ResponseInfo {
        provider: Some(FORMAT.provider),
        provider_marked: true,
        operation: None,
        model: None,
        id: None,
        finish_reasons: read.string(value, "stopReason").into_iter().collect(),
        usage,
        usage_invalid,
        completion: read.joined(blocks().filter_map(|b| str_at(b, "text")), ""),
        tool_calls: blocks()
            .filter_map(|b| b.get("toolUse"))
            .take(MAX_LISTED)
            .map(|t| read.tool_call(t.get("toolUseId"), t.get("name"), t.get("input")))
            .collect(),
    }
}

fn read_chunk(read: &mut StreamRead, event: &Value) -> Option<ChunkError> {
    let (kind, body) = event.as_object()?.iter().next()?;
    let index = || {
        body.get("contentBlockIndex")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    match kind.as_str() {
        "contentBlockStart" => {
            if let Some(tool) = body.get("start").and_then(|s| s.get("toolUse")) {
                read.tool_call(
                    index(),
                    str_at(tool, "toolUseId"),
                    str_at(tool, "name"),
                    None,
                );
            }
        }
        "contentBlockDelta" => {
            let delta = body.get("delta")?;
            if let Some(text) = str_at(delta, "text") {
                read.push_text(text);
            } else if let Some(input) = delta.get("toolUse").and_then(|t| str_at(t, "input")) {
                read.tool_call(index(), None, None, Some(input));
            }
        }
        "messageStop" => {
            if let Some(reason) = str_at(body, "stopReason") {
                read.finish_reason(reason);
            }
        }
        "metadata" => {
            if let Some(usage) = body.get("usage").and_then(Value::as_object) {
                read.set_usage(usage.clone());
            }
        }
        // The errors ConverseStream sends as events (all are listed keys).
        exception if exception.ends_with("Exception") => {
            return Some(ChunkError {
                kind: exception.to_owned(),
                message: str_at(body, "message").unwrap_or(exception).to_owned(),
            });
        }
        _ => {}
    }
    None
}

/// A `toolUse` block (a call replayed) or a `toolResult` block (its result:
/// text blocks, or JSON written as text).
fn request_part(block: &Value) -> Option<Part> {
    if let Some(call) = block.get("toolUse") {
        return Some(Part::ToolCall(crate::record::response::ToolCallRequest {
            id: string(call, "toolUseId"),
            name: string(call, "name").unwrap_or_default(),
            arguments: as_text(call.get("input")),
        }));
    }
    let result = block.get("toolResult")?;
    let response = items(result, "content")
        .map(|b| str_at(b, "text").map_or_else(|| as_text(b.get("json")), str::to_owned))
        .collect();
    Some(Part::ToolResult {
        id: string(result, "toolUseId"),
        response,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::response::read;

    /// A Converse response is told by any one of its markers; a Titan
    /// embedding by its count alone.
    #[test]
    fn responses_are_told_by_any_of_their_markers() {
        let provider = |value: Value| read(&value, 100).and_then(|info| info.provider);
        for body in [
            json!({"stopReason": "end_turn"}),
            json!({"output": {"message": {}}}),
            json!({"usage": {"inputTokens": 1}}),
            json!({"inputTextTokenCount": 7}),
        ] {
            assert_eq!(provider(body.clone()), Some("aws.bedrock"), "{body}");
        }
        assert_eq!(provider(json!({"output": {"text": "x"}})), None);
    }

    /// The input counts the cache unless the total shows it already does.
    #[test]
    fn the_total_tells_whether_the_input_counts_the_cache() {
        let counts = |input, total| ConverseCounts {
            input,
            output: 85,
            total,
            cache_read: 1500,
            cache_write: 300,
        };
        assert_eq!(counts(12, Some(1897)).usage().input_tokens, 1812);
        assert_eq!(counts(12, None).usage().input_tokens, 1812);
        assert_eq!(counts(1812, Some(1897)).usage().input_tokens, 1812);
    }

    /// A Titan embedding: the provider, its mark, the operation, the count;
    /// an impossible count marked.
    #[test]
    fn titan_embeddings() {
        let info = read(&json!({"embedding": [0.1], "inputTextTokenCount": 7}), 100).unwrap();
        assert_eq!(
            (info.provider, info.provider_marked, info.operation),
            (Some("aws.bedrock"), true, Some("embeddings"))
        );
        assert_eq!(info.usage, Some(TokenUsage::new(7, 0)));
        let info = read(&json!({"inputTextTokenCount": -7}), 100).unwrap();
        assert_eq!((info.usage, info.usage_invalid), (None, true));
    }
}
