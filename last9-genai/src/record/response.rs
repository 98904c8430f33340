//! Reading model, usage, finish reasons, completion text and tool calls from
//! the JSON of a model response: OpenAI chat completions and Responses API,
//! Anthropic messages, Gemini `generateContent`. `Result` (`{"Ok": …}`) and
//! `Option` are looked through.

use serde_json::Value;

use crate::cost::TokenUsage;

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolCallRequest {
    /// The call id, when the provider gives one.
    pub id: Option<String>,
    /// The tool's name.
    pub name: String,
    /// The arguments, as JSON text.
    pub arguments: String,
}

/// What a model response says about itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseInfo {
    /// `gen_ai.provider.name`, from the response's shape.
    pub provider: Option<&'static str>,
    /// The model that answered.
    pub model: Option<String>,
    /// The response id.
    pub id: Option<String>,
    /// Why generation stopped.
    pub finish_reasons: Vec<String>,
    /// Token usage, in the OpenTelemetry convention (input includes cached
    /// tokens, output includes reasoning tokens).
    pub usage: Option<TokenUsage>,
    /// The answer's text.
    pub completion: Option<String>,
    /// Tool calls asked for.
    pub tool_calls: Vec<ToolCallRequest>,
}

/// Reads `value` as a model response, or `None` when it is not one.
pub(crate) fn read(value: &Value) -> Option<ResponseInfo> {
    let value = look_through(value)?;
    let object = value.as_object()?;
    if object.contains_key("choices") {
        Some(openai_chat(value))
    } else if object.get("object").and_then(Value::as_str) == Some("response")
        || (object.contains_key("output") && object.contains_key("usage"))
    {
        Some(openai_responses(value))
    } else if object.get("type").and_then(Value::as_str) == Some("message")
        || object.contains_key("stop_reason")
    {
        Some(anthropic(value))
    } else if object.contains_key("candidates") || object.contains_key("usageMetadata") {
        Some(gemini(value))
    } else {
        None
    }
}

/// `{"Ok": v}` → `v`; `{"Err": …}` and `null` → nothing.
fn look_through(value: &Value) -> Option<&Value> {
    match value {
        Value::Null => None,
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            Some((key, inner)) if key == "Ok" || key == "Some" => look_through(inner),
            Some((key, _)) if key == "Err" => None,
            _ => Some(value),
        },
        _ => Some(value),
    }
}

fn string(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn count(value: Option<&Value>, path: &[&str]) -> Option<u64> {
    path.iter()
        .try_fold(value?, |v, key| v.get(key))
        .and_then(Value::as_u64)
}

fn arguments_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn joined(texts: impl Iterator<Item = String>, separator: &str) -> Option<String> {
    let texts: Vec<String> = texts.collect();
    (!texts.is_empty()).then(|| texts.join(separator))
}

fn openai_chat(value: &Value) -> ResponseInfo {
    let choices = value.get("choices").and_then(Value::as_array);
    let first = choices.and_then(|c| c.first());
    let message = first.and_then(|c| c.get("message"));
    let usage = value.get("usage");
    let tool_calls = message
        .and_then(|m| m.get("tool_calls"))
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .map(|call| ToolCallRequest {
                    id: string(call, "id"),
                    name: call
                        .get("function")
                        .and_then(|f| string(f, "name"))
                        .unwrap_or_default(),
                    arguments: arguments_text(
                        call.get("function").and_then(|f| f.get("arguments")),
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    ResponseInfo {
        provider: Some("openai"),
        model: string(value, "model"),
        id: string(value, "id"),
        finish_reasons: choices
            .into_iter()
            .flatten()
            .filter_map(|c| string(c, "finish_reason"))
            .collect(),
        usage: usage.map(|_| TokenUsage {
            input_tokens: count(usage, &["prompt_tokens"]).unwrap_or(0),
            output_tokens: count(usage, &["completion_tokens"]).unwrap_or(0),
            cache_read_input_tokens: count(usage, &["prompt_tokens_details", "cached_tokens"])
                .unwrap_or(0),
            cache_creation_input_tokens: 0,
            reasoning_output_tokens: count(
                usage,
                &["completion_tokens_details", "reasoning_tokens"],
            )
            .unwrap_or(0),
        }),
        completion: message.and_then(|m| string(m, "content")),
        tool_calls,
    }
}

fn openai_responses(value: &Value) -> ResponseInfo {
    let usage = value.get("usage");
    let output = value.get("output").and_then(Value::as_array);
    let items = || output.into_iter().flatten();
    let completion = joined(
        items()
            .filter(|item| item.get("type").and_then(Value::as_str) == Some("message"))
            .filter_map(|item| item.get("content").and_then(Value::as_array))
            .flatten()
            .filter(|part| part.get("type").and_then(Value::as_str) == Some("output_text"))
            .filter_map(|part| string(part, "text")),
        "",
    )
    .or_else(|| string(value, "output_text"));
    let tool_calls = items()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("function_call"))
        .map(|call| ToolCallRequest {
            id: string(call, "call_id").or_else(|| string(call, "id")),
            name: string(call, "name").unwrap_or_default(),
            arguments: arguments_text(call.get("arguments")),
        })
        .collect();
    ResponseInfo {
        provider: Some("openai"),
        model: string(value, "model"),
        id: string(value, "id"),
        finish_reasons: string(value, "status").into_iter().collect(),
        usage: usage.map(|_| TokenUsage {
            input_tokens: count(usage, &["input_tokens"]).unwrap_or(0),
            output_tokens: count(usage, &["output_tokens"]).unwrap_or(0),
            cache_read_input_tokens: count(usage, &["input_tokens_details", "cached_tokens"])
                .unwrap_or(0),
            cache_creation_input_tokens: 0,
            reasoning_output_tokens: count(usage, &["output_tokens_details", "reasoning_tokens"])
                .unwrap_or(0),
        }),
        completion,
        tool_calls,
    }
}

fn anthropic(value: &Value) -> ResponseInfo {
    let usage = value.get("usage");
    let blocks = value.get("content").and_then(Value::as_array);
    let of_type = |kind: &'static str| {
        blocks
            .into_iter()
            .flatten()
            .filter(move |b| b.get("type").and_then(Value::as_str) == Some(kind))
    };
    let cache_read = count(usage, &["cache_read_input_tokens"]).unwrap_or(0);
    let cache_write = count(usage, &["cache_creation_input_tokens"]).unwrap_or(0);
    ResponseInfo {
        provider: Some("anthropic"),
        model: string(value, "model"),
        id: string(value, "id"),
        finish_reasons: string(value, "stop_reason").into_iter().collect(),
        // Anthropic's input_tokens excludes the cache; the convention includes it.
        usage: usage.map(|_| TokenUsage {
            input_tokens: count(usage, &["input_tokens"])
                .unwrap_or(0)
                .saturating_add(cache_read)
                .saturating_add(cache_write),
            output_tokens: count(usage, &["output_tokens"]).unwrap_or(0),
            cache_read_input_tokens: cache_read,
            cache_creation_input_tokens: cache_write,
            reasoning_output_tokens: 0,
        }),
        completion: joined(of_type("text").filter_map(|b| string(b, "text")), " "),
        tool_calls: of_type("tool_use")
            .map(|b| ToolCallRequest {
                id: string(b, "id"),
                name: string(b, "name").unwrap_or_default(),
                arguments: arguments_text(b.get("input")),
            })
            .collect(),
    }
}

fn gemini(value: &Value) -> ResponseInfo {
    let usage = value.get("usageMetadata");
    let candidates = value.get("candidates").and_then(Value::as_array);
    let parts = candidates
        .and_then(|c| c.first())
        .and_then(|c| c.get("content"))
        .and_then(|c| c.get("parts"))
        .and_then(Value::as_array);
    let parts = || parts.into_iter().flatten();
    let thoughts = count(usage, &["thoughtsTokenCount"]).unwrap_or(0);
    ResponseInfo {
        provider: Some("gcp.gemini"),
        model: string(value, "modelVersion").or_else(|| string(value, "model")),
        id: string(value, "responseId"),
        finish_reasons: candidates
            .into_iter()
            .flatten()
            .filter_map(|c| string(c, "finishReason"))
            .collect(),
        // candidatesTokenCount excludes thoughts; the convention's output includes them.
        usage: usage.map(|_| TokenUsage {
            input_tokens: count(usage, &["promptTokenCount"]).unwrap_or(0),
            output_tokens: count(usage, &["candidatesTokenCount"])
                .unwrap_or(0)
                .saturating_add(thoughts),
            cache_read_input_tokens: count(usage, &["cachedContentTokenCount"]).unwrap_or(0),
            cache_creation_input_tokens: 0,
            reasoning_output_tokens: thoughts,
        }),
        completion: joined(
            parts()
                .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
                .filter_map(|p| string(p, "text")),
            "",
        ),
        tool_calls: parts()
            .filter_map(|p| p.get("functionCall"))
            .map(|call| ToolCallRequest {
                id: string(call, "id"),
                name: string(call, "name").unwrap_or_default(),
                arguments: arguments_text(call.get("args")),
            })
            .collect(),
    }
}
