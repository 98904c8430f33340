//! OpenAI chat completions (`/v1/chat/completions`), whole and streamed, and
//! the servers that speak them: Azure OpenAI, Groq, xAI, DeepSeek, Mistral,
//! vLLM, LiteLLM, ….
//!
//! The shape is shared, so the provider is told by a marker only one
//! server sends (Groq's `x_groq`, Azure's `prompt_filter_results`), else by
//! the model's name (`grok…`, `deepseek…`, `mistral…`), else it is
//! `openai`.
//!
//! How they count: `prompt_tokens` includes the cached tokens, which
//! OpenAI, xAI and Azure give as `prompt_tokens_details.cached_tokens` and
//! DeepSeek as `prompt_cache_hit_tokens` (its `prompt_tokens` is hits plus
//! misses). `completion_tokens` includes the reasoning tokens at OpenAI; at
//! xAI it leaves them out, which `total_tokens` shows (prompt + completion
//! + reasoning): the reasoning tokens are then added to the output, as they
//!   are billed.

use serde_json::{Map, Value};

use super::{Format, Host, Usage, items, starts_with, starts_with_any, str_at};
use crate::cost::TokenUsage;
use crate::record::response::{MAX_LISTED, ResponseInfo, TextLimit, usage_of};
use crate::record::stream::StreamRead;

/// The format.
pub(crate) static FORMAT: Format = Format {
    name: "openai_chat",
    provider: "openai",
    marked: false,
    named_by_model: true,
    is_response: is_chat,
    read_response,
    is_chunk: is_chat,
    read_chunk: |read, chunk| {
        read_chunk(read, chunk);
        None
    },
    stream_usage: |usage| usage_of_chat(Some(usage)),
    provider_of_model,
    request_part: |_| None,
    hosts: &[
        (Host::Is("api.openai.com"), "openai"),
        (Host::EndsWith(".openai.azure.com"), "azure.ai.openai"),
        (
            Host::EndsWith(".services.ai.azure.com"),
            "azure.ai.inference",
        ),
        (Host::EndsWith(".models.ai.azure.com"), "azure.ai.inference"),
        (Host::Is("api.groq.com"), "groq"),
        (Host::Is("api.x.ai"), "x_ai"),
        (Host::Is("api.deepseek.com"), "deepseek"),
        (Host::Is("api.mistral.ai"), "mistral_ai"),
        (Host::Is("api.perplexity.ai"), "perplexity"),
    ],
};

/// The keys the readers of this file look at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &[
    "id",
    "model",
    "choices",
    "message",
    "content",
    "tool_calls",
    "function",
    "name",
    "arguments",
    "finish_reason",
    "usage",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "prompt_tokens_details",
    "cached_tokens",
    "completion_tokens_details",
    "reasoning_tokens",
    "prompt_cache_hit_tokens",
    "x_groq",
    "prompt_filter_results",
];

/// The keys the chunk reader of this file looks at.
#[cfg(test)]
pub(crate) const STREAM_KEYS: &[&str] = &[
    "id",
    "model",
    "usage",
    "choices",
    "index",
    "finish_reason",
    "delta",
    "content",
    "tool_calls",
    "function",
    "name",
    "arguments",
    "x_groq",
];

fn is_chat(object: &Map<String, Value>) -> bool {
    object.contains_key("choices")
}

/// The provider of the family a model name tells.
fn provider_of_model(name: &str) -> Option<&'static str> {
    if starts_with_any(name, &["gpt", "o1", "o3", "o4", "chatgpt", "ft:gpt"]) {
        Some("openai")
    } else if starts_with(name, "grok") {
        Some("x_ai")
    } else if starts_with(name, "deepseek") {
        Some("deepseek")
    } else if starts_with_any(
        name,
        &[
            "mistral",
            "mixtral",
            "codestral",
            "ministral",
            "magistral",
            "pixtral",
            "devstral",
            "open-mistral",
        ],
    ) {
        Some("mistral_ai")
    } else {
        None
    }
}

/// The provider a body tells by a marker only it sends: Groq's `x_groq`,
/// Azure's `prompt_filter_results`. One pass over the top-level keys, no
/// look-up per marker.
fn marker(value: &Value) -> Option<&'static str> {
    value
        .as_object()?
        .keys()
        .find_map(|key| match key.as_str() {
            "x_groq" => Some("groq"),
            "prompt_filter_results" => Some("azure.ai.openai"),
            _ => None,
        })
}

/// The counts a chat completion's usage gives, as its fields name them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ChatCounts {
    pub(crate) prompt: u64,
    pub(crate) completion: u64,
    pub(crate) total: Option<u64>,
    pub(crate) cached: u64,
    pub(crate) reasoning: u64,
}

impl ChatCounts {
    /// The usage in the conventions' terms. xAI leaves reasoning out of
    /// `completion_tokens`, which its total shows: it is added back.
    pub(crate) fn usage(self) -> TokenUsage {
        let apart = self.reasoning > 0
            && self.total
                == Some(
                    self.prompt
                        .saturating_add(self.completion)
                        .saturating_add(self.reasoning),
                );
        TokenUsage {
            input_tokens: self.prompt,
            output_tokens: if apart {
                self.completion.saturating_add(self.reasoning)
            } else {
                self.completion
            },
            cache_read_input_tokens: self.cached,
            cache_creation_input_tokens: 0,
            reasoning_output_tokens: self.reasoning,
        }
    }
}

/// The usage of a chat completion (or of its stream's usage chunk).
pub(crate) fn usage_of_chat(usage: Option<&Value>) -> Usage {
    usage_of(usage, |c| {
        let reasoning = c.get(&["completion_tokens_details", "reasoning_tokens"]);
        ChatCounts {
            prompt: c.get(&["prompt_tokens"]),
            completion: c.get(&["completion_tokens"]),
            // Needed only to tell where the reasoning was counted.
            total: if reasoning > 0 {
                c.find(&["total_tokens"])
            } else {
                None
            },
            // DeepSeek names its cache hits apart.
            cached: c
                .find(&["prompt_tokens_details", "cached_tokens"])
                .or_else(|| c.find(&["prompt_cache_hit_tokens"]))
                .unwrap_or(0),
            reasoning,
        }
        .usage()
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    let choices = value.get("choices").and_then(Value::as_array);
    let message = choices
        .and_then(|c| c.first())
        .and_then(|c| c.get("message"));
    let (usage, usage_invalid) = usage_of_chat(value.get("usage"));
    let tool_calls = super::function_calls(read, message);
    let model = read.string(value, "model");
    let marked = marker(value);
    ResponseInfo {
        provider: marked
            .or_else(|| model.as_deref().and_then(super::provider_of_model))
            .or(Some(FORMAT.provider)),
        provider_marked: marked.is_some(),
        operation: None,
        model,
        id: read.string(value, "id"),
        finish_reasons: choices
            .into_iter()
            .flatten()
            .filter_map(|c| read.string(c, "finish_reason"))
            .take(MAX_LISTED)
            .collect(),
        usage,
        usage_invalid,
        completion: message.and_then(|m| read.string(m, "content")),
        tool_calls,
    }
}

fn read_chunk(read: &mut StreamRead, chunk: &Value) {
    read.identity(chunk, "id", "model");
    if let Some(groq) = chunk.get("x_groq") {
        read.mark_provider("groq");
        // Groq gives a stream's usage inside `x_groq` of its last chunk.
        if let Some(usage) = groq.get("usage").and_then(Value::as_object) {
            read.set_usage(usage.clone());
        }
    }
    if let Some(usage) = chunk.get("usage").and_then(Value::as_object) {
        read.set_usage(usage.clone());
    }
    for choice in items(chunk, "choices") {
        if let Some(reason) = str_at(choice, "finish_reason") {
            read.finish_reason(reason);
        }
        // The first choice is the completion, as for a whole response.
        if choice.get("index").and_then(Value::as_u64).unwrap_or(0) != 0 {
            continue;
        }
        let Some(delta) = choice.get("delta") else {
            continue;
        };
        if let Some(text) = str_at(delta, "content") {
            read.push_text(text);
        }
        for call in items(delta, "tool_calls") {
            let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
            let function = call.get("function");
            read.tool_call(
                index,
                str_at(call, "id"),
                function.and_then(|f| str_at(f, "name")),
                function.and_then(|f| str_at(f, "arguments")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::response::read;

    fn usage(value: Value) -> Usage {
        usage_of_chat(Some(&value))
    }

    /// xAI's `completion_tokens` leaves the reasoning out, as its total
    /// shows: they are added to the output. OpenAI's includes them.
    #[test]
    fn reasoning_left_out_of_the_completion_is_added_back() {
        let xai = usage(json!({"prompt_tokens": 30, "completion_tokens": 10,
            "total_tokens": 340, "completion_tokens_details": {"reasoning_tokens": 300},
            "prompt_tokens_details": {"cached_tokens": 6}}));
        let expected = TokenUsage::new(30, 310)
            .with_cache_read(6)
            .with_reasoning(300);
        assert_eq!(xai, (Some(expected), false));
        let openai = usage(json!({"prompt_tokens": 30, "completion_tokens": 310,
            "total_tokens": 340, "completion_tokens_details": {"reasoning_tokens": 300}}));
        assert_eq!(openai, (Some(expected.with_cache_read(0)), false));
        // Without a total, the completion is taken to include them; one
        // smaller than its reasoning is impossible.
        let short = usage(json!({"prompt_tokens": 30, "completion_tokens": 10,
            "completion_tokens_details": {"reasoning_tokens": 300}}));
        assert_eq!(short, (None, true));
    }

    /// DeepSeek's cache hits are the cached part of its prompt.
    #[test]
    fn deepseek_cache_hits_are_cache_reads() {
        let deepseek = usage(json!({"prompt_tokens": 100, "completion_tokens": 5,
            "prompt_cache_hit_tokens": 64, "prompt_cache_miss_tokens": 36}));
        assert_eq!(
            deepseek,
            (Some(TokenUsage::new(100, 5).with_cache_read(64)), false)
        );
    }

    /// The provider: a marker only one server sends, else the model's name,
    /// else `openai`.
    #[test]
    fn the_provider_is_told_by_a_marker_then_the_model() {
        let provider = |value: Value| {
            let info = read(&value, 100).unwrap();
            (info.provider, info.provider_marked)
        };
        assert_eq!(
            provider(json!({"choices": [], "model": "llama-3.3-70b-versatile",
                "x_groq": {"id": "req_1"}})),
            (Some("groq"), true)
        );
        assert_eq!(
            provider(json!({"choices": [], "model": "gpt-4o", "prompt_filter_results": []})),
            (Some("azure.ai.openai"), true)
        );
        assert_eq!(
            provider(json!({"choices": [], "model": "deepseek-chat",
                            "usage": {"prompt_cache_hit_tokens": 0}})),
            (Some("deepseek"), false)
        );
        assert_eq!(
            provider(json!({"choices": [], "model": "grok-4"})),
            (Some("x_ai"), false)
        );
        assert_eq!(
            provider(json!({"choices": [], "model": "mistral-small-latest"})),
            (Some("mistral_ai"), false)
        );
        assert_eq!(
            provider(json!({"choices": [], "model": "llama3.1"})),
            (Some("openai"), false)
        );
    }
}
