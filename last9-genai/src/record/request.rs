//! Reading the chat messages, system instructions and model of a model
//! request from its JSON: a list of messages (OpenAI, Anthropic, Gemini
//! `contents`, Bedrock, Ollama, Cohere), or a whole request (OpenAI chat
//! completions and Responses API, Anthropic messages, Gemini
//! `generateContent` in either casing, Bedrock Converse, Ollama's chat and
//! generate). The blocks only one format writes (its tool calls and
//! results) are read by that format's module in `record::wire`.

use serde_json::Value;

use super::messages::{Message, Part, role};
use super::response::ToolCallRequest;
use super::wire::{self, as_text, string};

key_list! {
    /// Every object key the readers below look at: a value walked for them
    /// needs nothing else (see `json::tree`). The test at the end of
    /// this file checks the list.
    REQUEST_KEYS, is_request_key,
    "messages",
    "model",
    "modelId",
    "prompt",
    "toolUse",
    "toolUseId",
    "toolResult",
    "json",
    "system",
    "instructions",
    "input",
    "contents",
    "systemInstruction",
    "system_instruction",
    "role",
    "content",
    "parts",
    "type",
    "text",
    "tool_calls",
    "tool_call_id",
    "tool_use_id",
    "id",
    "call_id",
    "function",
    "name",
    "arguments",
    "args",
    "functionCall",
    "function_call",
    "functionResponse",
    "function_response",
    "response",
    "output",
    "temperature",
    "top_p",
    "topP",
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "maxOutputTokens",
    "maxTokens",
    "num_predict",
    "frequency_penalty",
    "frequencyPenalty",
    "presence_penalty",
    "presencePenalty",
    "generationConfig",
    "generation_config",
    "inferenceConfig",
    "options",
}

/// Keys whose value is read whole: tool-call arguments and results.
/// (Anthropic's `input` is a tool call's arguments; the Responses API's,
/// its messages, kept whole within the walk's budget.)
pub(crate) const REQUEST_OPAQUE_KEYS: &[&str] =
    &["arguments", "args", "input", "response", "output"];

/// What a model request says: the model asked for, the system
/// instructions given apart from the messages, the messages, and the
/// parameters it sets (by the conventions' names: `temperature`, `top_p`,
/// `max_tokens`, `frequency_penalty`, `presence_penalty`).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct RequestInfo {
    pub(crate) model: Option<String>,
    pub(crate) system: Vec<Message>,
    pub(crate) messages: Vec<Message>,
    pub(crate) parameters: Vec<(&'static str, f64)>,
}

/// The parameters of a request object, each under the names the formats
/// give it, at the top or in the object a format keeps them in (Gemini's
/// `generationConfig`, Bedrock's `inferenceConfig`, Ollama's `options`).
fn parameters(object: &serde_json::Map<String, Value>) -> Vec<(&'static str, f64)> {
    const NAMES: [(&str, &[&str]); 5] = [
        ("temperature", &["temperature"]),
        ("top_p", &["top_p", "topP"]),
        (
            "max_tokens",
            &[
                "max_tokens",
                "max_completion_tokens",
                "max_output_tokens",
                "maxOutputTokens",
                "maxTokens",
                "num_predict",
            ],
        ),
        (
            "frequency_penalty",
            &["frequency_penalty", "frequencyPenalty"],
        ),
        ("presence_penalty", &["presence_penalty", "presencePenalty"]),
    ];
    let nested = [
        "generationConfig",
        "generation_config",
        "inferenceConfig",
        "options",
    ]
    .iter()
    .filter_map(|key| object.get(*key)?.as_object());
    let scopes: Vec<_> = std::iter::once(object).chain(nested).collect();
    NAMES
        .iter()
        .filter_map(|(name, keys)| {
            let number = scopes.iter().find_map(|scope| {
                keys.iter()
                    .find_map(|key| scope.get(*key)?.as_f64())
                    .filter(|n| n.is_finite())
            })?;
            Some((*name, number))
        })
        .collect()
}

/// Reads `value` as chat messages or a model request, or `None` when it is
/// neither.
pub(crate) fn read(value: &Value) -> Option<RequestInfo> {
    match value {
        Value::Array(items) => {
            let messages = messages(items)?;
            Some(RequestInfo {
                messages,
                ..RequestInfo::default()
            })
        }
        Value::Object(object) => {
            // Ollama's `/api/generate` asks with a `prompt`.
            let list = ["messages", "contents", "input", "prompt"]
                .iter()
                .find_map(|key| object.get(*key))?;
            let messages = match list {
                Value::String(text) => vec![text_message("user", text)],
                Value::Array(items) => messages(items)?,
                _ => return None,
            };
            let system = [
                "system",
                "instructions",
                "systemInstruction",
                "system_instruction",
            ]
            .iter()
            .filter_map(|key| object.get(*key))
            .filter_map(|value| {
                let parts = parts(value);
                (!parts.is_empty()).then_some(Message {
                    role: "system",
                    parts,
                    finish_reason: None,
                })
            })
            .collect();
            Some(RequestInfo {
                // Bedrock names the model `modelId`.
                model: object
                    .get("model")
                    .or_else(|| object.get("modelId"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                system,
                messages,
                parameters: parameters(object),
            })
        }
        _ => None,
    }
}

/// The messages of a list, or `None` unless every item is one. The last
/// item may be cut short (a walk that stopped at its budget, or at a value
/// nested too deep, leaves it without its role): it is then left out.
fn messages(items: &[Value]) -> Option<Vec<Message>> {
    let (last, rest) = items.split_last()?;
    let mut messages: Vec<Message> = rest.iter().map(message).collect::<Option<_>>()?;
    match message(last) {
        Some(last) => messages.push(last),
        None if messages.is_empty() => return None,
        None => {}
    }
    Some(messages)
}

fn text_message(role: &'static str, text: &str) -> Message {
    Message {
        role,
        parts: vec![Part::Text(text.to_owned())],
        finish_reason: None,
    }
}

/// One message: an object with a `role` (OpenAI, Anthropic, Gemini, the
/// Responses API's messages), or a Responses API tool item.
fn message(item: &Value) -> Option<Message> {
    let object = item.as_object()?;
    match object.get("type").and_then(Value::as_str) {
        Some("function_call") => {
            return Some(Message {
                role: "assistant",
                parts: vec![Part::ToolCall(ToolCallRequest {
                    id: string(item, "call_id").or_else(|| string(item, "id")),
                    name: string(item, "name").unwrap_or_default(),
                    arguments: as_text(item.get("arguments")),
                })],
                finish_reason: None,
            });
        }
        Some("function_call_output") => {
            return Some(Message {
                role: "tool",
                parts: vec![Part::ToolResult {
                    id: string(item, "call_id"),
                    response: as_text(item.get("output")),
                }],
                finish_reason: None,
            });
        }
        _ => {}
    }
    let role = role(object.get("role")?.as_str()?);
    let mut parts = object
        .get("content")
        .or_else(|| object.get("parts"))
        .map(parts)
        .unwrap_or_default();
    for call in object
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let function = call.get("function");
        parts.push(Part::ToolCall(ToolCallRequest {
            id: string(call, "id"),
            name: function.and_then(|f| string(f, "name")).unwrap_or_default(),
            arguments: as_text(function.and_then(|f| f.get("arguments"))),
        }));
    }
    if let Some(id) = string(item, "tool_call_id") {
        // OpenAI's tool message: its content is the result.
        let response = parts
            .iter()
            .filter_map(|part| match part {
                Part::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect::<String>();
        parts = vec![Part::ToolResult {
            id: Some(id),
            response,
        }];
    }
    Some(Message {
        role,
        parts,
        finish_reason: None,
    })
}

/// The parts of a message's content: a string, or a list of text, tool-use
/// and tool-result blocks (OpenAI, Anthropic, Gemini, Responses API), or
/// Gemini's `{parts: [...]}`.
fn parts(content: &Value) -> Vec<Part> {
    match content {
        Value::String(text) => vec![Part::Text(text.clone())],
        Value::Array(blocks) => blocks.iter().filter_map(part).collect(),
        Value::Object(object) => object.get("parts").map(parts).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// One block of a message's content: text, or what the format that knows
/// the block reads it as (see `wire::Format::request_part`).
fn part(block: &Value) -> Option<Part> {
    if let Value::String(text) = block {
        return Some(Part::Text(text.clone()));
    }
    wire::request_part(block).or_else(|| {
        block
            .get("text")
            .and_then(Value::as_str)
            .map(|text| Part::Text(text.to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn texts(info: &RequestInfo) -> Vec<(&str, Vec<Part>)> {
        info.messages
            .iter()
            .map(|m| (m.role, m.parts.clone()))
            .collect()
    }

    fn text(s: &str) -> Part {
        Part::Text(s.to_owned())
    }

    #[test]
    fn a_list_of_chat_messages() {
        let info = read(&json!([{"role": "system", "content": "be brief"},
                                {"role": "user", "content": [{"type": "text", "text": "hi"}]}]))
        .unwrap();
        assert_eq!(
            texts(&info),
            [
                ("system", vec![text("be brief")]),
                ("user", vec![text("hi")])
            ]
        );
        assert_eq!(info.model, None);
    }

    #[test]
    fn an_openai_request_with_a_tool_round_trip() {
        let info = read(&json!({"model": "gpt-4o", "temperature": 0.2, "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "18C"}]}))
        .unwrap();
        assert_eq!(info.model.as_deref(), Some("gpt-4o"));
        assert_eq!(
            texts(&info),
            [
                ("user", vec![text("weather?")]),
                (
                    "assistant",
                    vec![Part::ToolCall(ToolCallRequest {
                        id: Some("c1".into()),
                        name: "get_weather".into(),
                        arguments: "{\"city\":\"Paris\"}".into()
                    })]
                ),
                (
                    "tool",
                    vec![Part::ToolResult {
                        id: Some("c1".into()),
                        response: "18C".into()
                    }]
                ),
            ]
        );
    }

    #[test]
    fn an_anthropic_request_keeps_its_system_apart() {
        let info = read(
            &json!({"model": "claude-sonnet-4-5", "system": "be brief", "messages": [
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                          "content": [{"type": "text", "text": "18C"}]}]}]}),
        )
        .unwrap();
        assert_eq!(info.system[0].parts, [text("be brief")]);
        assert_eq!(
            info.messages[0].parts,
            [Part::ToolResult {
                id: Some("t1".into()),
                response: "18C".into()
            }]
        );
    }

    #[test]
    fn gemini_contents_in_both_casings() {
        for (contents, system) in [
            ("contents", "systemInstruction"),
            ("contents", "system_instruction"),
        ] {
            let info = read(
                &json!({contents: [{"role": "model", "parts": [{"text": "a"},
                    {"functionCall": {"name": "f", "args": {"q": 1}}}]}],
                system: {"parts": [{"text": "sys"}]}}),
            )
            .unwrap();
            assert_eq!(info.system[0].parts, [text("sys")]);
            assert_eq!(info.messages[0].role, "assistant");
            assert_eq!(
                info.messages[0].parts[1],
                Part::ToolCall(ToolCallRequest {
                    id: None,
                    name: "f".into(),
                    arguments: "{\"q\":1}".into()
                })
            );
        }
    }

    #[test]
    fn a_responses_api_request() {
        let info =
            read(&json!({"model": "gpt-4.1", "instructions": "be brief", "input": "hi"})).unwrap();
        assert_eq!(texts(&info), [("user", vec![text("hi")])]);
        assert_eq!(info.system[0].parts, [text("be brief")]);
        let info = read(
            &json!({"input": [{"type": "function_call_output", "call_id": "fc1", "output": "ok"}]}),
        )
        .unwrap();
        assert_eq!(info.messages[0].role, "tool");
    }

    /// The assistant's tool calls as a request replays them: Anthropic's
    /// `tool_use` blocks and the Responses API's `function_call` items.
    #[test]
    fn replayed_tool_calls() {
        let call = Part::ToolCall(ToolCallRequest {
            id: Some("t1".into()),
            name: "get_weather".into(),
            arguments: "{\"city\":\"Paris\"}".into(),
        });
        let anthropic = read(&json!({"messages": [{"role": "assistant", "content": [
            {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Paris"}}]}]}))
        .unwrap();
        assert_eq!(anthropic.messages[0].parts, std::slice::from_ref(&call));
        let responses = read(&json!({"input": [{"type": "function_call", "call_id": "t1",
            "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]}))
        .unwrap();
        assert_eq!(responses.messages[0].role, "assistant");
        assert_eq!(responses.messages[0].parts, [call]);
    }

    /// Regression: a list of ten thousand messages, walked up to the
    /// budget, ended in a message cut short (its `content` read, its `role`
    /// not), and the whole list was refused.
    #[test]
    fn a_list_cut_short_keeps_its_whole_messages() {
        let info = read(&json!([{"role": "user", "content": "a"},
                                {"role": "assistant", "content": "b"},
                                {"content": "cut before its role"}]))
        .unwrap();
        assert_eq!(
            texts(&info),
            [("user", vec![text("a")]), ("assistant", vec![text("b")])]
        );
        // Only the last may be cut: one in the middle is no list of messages.
        assert_eq!(
            read(&json!([{"role": "user", "content": "a"}, {"x": 1},
                                {"role": "user", "content": "b"}])),
            None
        );
    }

    #[test]
    fn anything_else_is_no_request() {
        for value in [
            json!("hi"),
            json!([1, 2]),
            json!([]),
            json!({"query": "x"}),
            json!([{"content": "no role"}]),
            json!({"messages": 3}),
        ] {
            assert_eq!(read(&value), None, "{value}");
        }
    }

    /// A Bedrock Converse request: `modelId`, a `system` list, text blocks,
    /// a replayed `toolUse` and its `toolResult` (text and JSON).
    #[test]
    fn a_bedrock_converse_request() {
        let info = read(&json!({"modelId": "amazon.nova-pro-v1:0",
        "system": [{"text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"text": "Weather in Paris?"}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1",
                "name": "get_weather", "input": {"city": "Paris"}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1",
                "content": [{"text": "18°C"}, {"json": {"sky": "clear"}}]}}]}
        ]}))
        .unwrap();
        assert_eq!(info.model.as_deref(), Some("amazon.nova-pro-v1:0"));
        assert_eq!(info.system[0].parts, [text("Be brief.")]);
        assert_eq!(
            texts(&info),
            [
                ("user", vec![text("Weather in Paris?")]),
                (
                    "assistant",
                    vec![Part::ToolCall(ToolCallRequest {
                        id: Some("t1".into()),
                        name: "get_weather".into(),
                        arguments: r#"{"city":"Paris"}"#.into(),
                    })]
                ),
                (
                    "user",
                    vec![Part::ToolResult {
                        id: Some("t1".into()),
                        response: r#"18°C{"sky":"clear"}"#.into(),
                    }]
                ),
            ]
        );
    }

    /// Ollama's `/api/generate` asks with a prompt and a system text.
    #[test]
    fn an_ollama_generate_request() {
        let info = read(
            &json!({"model": "llama3.2", "prompt": "Why is the sky blue?",
                                "system": "Answer in one line."}),
        )
        .unwrap();
        assert_eq!(info.model.as_deref(), Some("llama3.2"));
        assert_eq!(texts(&info), [("user", vec![text("Why is the sky blue?")])]);
        assert_eq!(info.system[0].parts, [text("Answer in one line.")]);
    }

    /// Every quoted name in the readers is a key in `REQUEST_KEYS` or one
    /// of the values they compare with.
    #[test]
    fn every_key_the_readers_use_is_listed() {
        let source = include_str!("request.rs");
        let values = [
            "user",
            "system",
            "assistant",
            "tool",
            "function_call",
            "function_call_output",
        ];
        crate::record::assert_keys_listed(
            source,
            "/// Reads `value` as chat messages",
            (REQUEST_KEYS, REQUEST_OPAQUE_KEYS),
            &values,
        );
    }
}
