//! Chat messages, read from a model request or response, and written two
//! ways: as the GenAI conventions' (v1.41) `gen_ai.input.messages` /
//! `gen_ai.output.messages` JSON, and as the Python SDK's `gen_ai.prompt` /
//! `gen_ai.completion` JSON arrays with their indexed attributes, which the
//! Last9 LLM dashboard reads.
//!
//! Every text is cut at the capture limit before it is written, so the JSON
//! stays valid whatever its size: the texts share the limit, and when they
//! cannot fit, the oldest messages are left out first.

use opentelemetry::KeyValue;
use serde_json::{Map, Value, json};

use super::response::ToolCallRequest;
use crate::text::{cut_bytes, saturating_i64};

/// One part of a message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// Text.
    Text(String),
    /// A tool call the model asked for.
    ToolCall(ToolCallRequest),
    /// A tool's result sent back to the model.
    ToolResult {
        /// The call it answers.
        id: Option<String>,
        /// The result, as text.
        response: String,
    },
}

/// A chat message: its role in the conventions' terms (`system`, `user`,
/// `assistant`, `tool`) and its parts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Message {
    pub(crate) role: &'static str,
    pub(crate) parts: Vec<Part>,
    /// Why generation stopped, as the provider says it (output only).
    pub(crate) finish_reason: Option<String>,
}

/// The conventions' role of a provider's role name.
pub(crate) fn role(name: &str) -> &'static str {
    match name {
        "system" | "developer" => "system",
        "assistant" | "model" => "assistant",
        "tool" | "function" => "tool",
        _ => "user",
    }
}

/// The conventions' finish reason (`stop`, `length`, `content_filter`,
/// `tool_call`, `error`) of a provider's.
pub(crate) fn finish_reason(reason: &str) -> String {
    match reason.to_ascii_lowercase().as_str() {
        "stop" | "end_turn" | "stop_sequence" | "completed" | "finish_reason_unspecified" => {
            "stop".to_owned()
        }
        "length" | "max_tokens" | "incomplete" => "length".to_owned(),
        "tool_calls" | "tool_use" | "function_call" => "tool_call".to_owned(),
        "content_filter" | "safety" | "recitation" | "refusal" | "blocklist"
        | "prohibited_content" | "spii" => "content_filter".to_owned(),
        "error" | "failed" => "error".to_owned(),
        other => other.to_owned(),
    }
}

impl Message {
    /// The message's text parts, joined.
    fn text(&self) -> Option<String> {
        let texts: Vec<&str> = self
            .parts
            .iter()
            .filter_map(|part| match part {
                Part::Text(text) => Some(text.as_str()),
                Part::ToolResult { response, .. } => Some(response.as_str()),
                Part::ToolCall(_) => None,
            })
            .collect();
        (!texts.is_empty()).then(|| texts.concat())
    }

    fn tool_calls(&self) -> impl Iterator<Item = &ToolCallRequest> {
        self.parts.iter().filter_map(|part| match part {
            Part::ToolCall(call) => Some(call),
            _ => None,
        })
    }

    fn tool_call_id(&self) -> Option<&str> {
        self.parts.iter().find_map(|part| match part {
            Part::ToolResult { id, .. } => id.as_deref(),
            _ => None,
        })
    }

    /// The message with `clean` applied to every text: its text parts, tool
    /// calls' arguments and tool results.
    pub(crate) fn map_texts(&mut self, clean: &mut impl FnMut(String) -> String) {
        for part in &mut self.parts {
            let text = match part {
                Part::Text(text) => text,
                Part::ToolCall(call) => &mut call.arguments,
                Part::ToolResult { response, .. } => response,
            };
            *text = clean(std::mem::take(text));
        }
    }

    /// The message as a prompt line: `role: text`.
    pub(crate) fn line(&self) -> String {
        let mut line = format!("{}: ", self.role);
        line.push_str(&self.text().unwrap_or_default());
        for call in self.tool_calls() {
            line.push_str(&format!(" [tool call {}({})]", call.name, call.arguments));
        }
        line
    }

    /// The message with every text cut at `share` bytes.
    fn cut(&self, share: usize) -> Self {
        let cut = |text: &str| cut_bytes(text, share).into_owned();
        let parts = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => Part::Text(cut(text)),
                Part::ToolCall(call) => Part::ToolCall(ToolCallRequest {
                    id: call.id.clone(),
                    name: cut(&call.name),
                    arguments: cut(&call.arguments),
                }),
                Part::ToolResult { id, response } => Part::ToolResult {
                    id: id.clone(),
                    response: cut(response),
                },
            })
            .collect();
        Self {
            role: self.role,
            parts,
            finish_reason: self.finish_reason.clone(),
        }
    }

    /// The conventions' (v1.41) JSON of the message; an output message
    /// always carries a finish reason (`unknown` when the response gave
    /// none), as the schema asks.
    fn conventions(&self, output: bool) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => json!({"type": "text", "content": text}),
                Part::ToolCall(call) => {
                    let mut part = json!({"type": "tool_call", "name": call.name,
                        "arguments": arguments_value(&call.arguments)});
                    if let Some(id) = &call.id {
                        part["id"] = Value::from(id.as_str());
                    }
                    part
                }
                Part::ToolResult { id, response } => {
                    let mut part = json!({"type": "tool_call_response", "response": response});
                    if let Some(id) = id {
                        part["id"] = Value::from(id.as_str());
                    }
                    part
                }
            })
            .collect();
        let mut message = json!({"role": self.role, "parts": parts});
        match &self.finish_reason {
            Some(reason) => message["finish_reason"] = Value::from(finish_reason(reason)),
            None if output => message["finish_reason"] = Value::from("unknown"),
            None => {}
        }
        message
    }

    /// The Python SDK's JSON of the message: `role`, `content`,
    /// `tool_calls` (OpenAI's shape), `tool_call_id`, and for a completion
    /// `finish_reason` and `index`.
    fn python(&self, index: Option<usize>) -> Value {
        let mut entry = Map::new();
        entry.insert("role".into(), Value::from(self.role));
        if let Some(text) = self.text() {
            entry.insert("content".into(), Value::from(text));
        }
        let calls: Vec<Value> = self.tool_calls().map(python_tool_call).collect();
        if !calls.is_empty() {
            entry.insert("tool_calls".into(), Value::Array(calls));
        }
        if let Some(id) = self.tool_call_id() {
            entry.insert("tool_call_id".into(), Value::from(id));
        }
        if let Some(reason) = &self.finish_reason {
            entry.insert("finish_reason".into(), Value::from(reason.as_str()));
        }
        if let Some(index) = index {
            entry.insert("index".into(), Value::from(index));
        }
        Value::Object(entry)
    }
}

fn python_tool_call(call: &ToolCallRequest) -> Value {
    let mut value = json!({"type": "function",
        "function": {"name": call.name, "arguments": call.arguments}});
    if let Some(id) = &call.id {
        value["id"] = Value::from(id.as_str());
    }
    value
}

/// Tool-call arguments as JSON when they are JSON text, else as text.
fn arguments_value(arguments: &str) -> Value {
    serde_json::from_str(arguments).unwrap_or_else(|_| Value::from(arguments))
}

/// Texts shorter than this are never cut further to make room.
const MIN_SHARE: usize = 64;

/// `messages` fitted within `limit` bytes of JSON: as they are when they
/// fit; else every text cut to an even share of the limit; else, the oldest
/// messages left out too (the last one is always kept).
pub(crate) fn fitted(messages: &[Message], limit: usize) -> Vec<Message> {
    // The larger of the two shapes, and a comma; the array's brackets are
    // the one byte more than its commas.
    let size = |m: &Message| -> usize {
        let python = m.python(Some(0)).to_string().len();
        python.max(m.conventions(true).to_string().len()) + 1
    };
    // (Brackets and commas: one byte more than the sizes; so, below.)
    if messages.iter().map(size).sum::<usize>() < limit {
        return messages.to_vec();
    }
    let texts = messages.iter().map(|m| m.parts.len()).sum::<usize>().max(1);
    let share = (limit / texts).max(MIN_SHARE);
    let cut: Vec<Message> = messages.iter().map(|m| m.cut(share)).collect();
    let mut kept = 0;
    let mut total = 1;
    for message in cut.iter().rev() {
        let len = size(message);
        if kept > 0 && total + len > limit {
            break;
        }
        total += len;
        kept += 1;
    }
    cut[cut.len() - kept..].to_vec()
}

/// The input messages and system instructions as the conventions write
/// them: `gen_ai.input.messages` and `gen_ai.system_instructions`.
pub(crate) fn conventions_input(system: &[Message], messages: &[Message]) -> Vec<KeyValue> {
    let mut attributes = Vec::with_capacity(2);
    let parts: Vec<Value> = system
        .iter()
        .flat_map(|m| {
            m.conventions(false)["parts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    if !parts.is_empty() {
        attributes.push(KeyValue::new(
            crate::attributes::SYSTEM_INSTRUCTIONS,
            Value::Array(parts).to_string(),
        ));
    }
    attributes.push(KeyValue::new(
        crate::attributes::INPUT_MESSAGES,
        Value::Array(messages.iter().map(|m| m.conventions(false)).collect()).to_string(),
    ));
    attributes
}

/// The output messages as the conventions write them.
pub(crate) fn conventions_output(messages: &[Message]) -> KeyValue {
    KeyValue::new(
        crate::attributes::OUTPUT_MESSAGES,
        Value::Array(messages.iter().map(|m| m.conventions(true)).collect()).to_string(),
    )
}

/// The Python SDK's JSON array of `messages` (completions carry their
/// index), and its indexed attributes under `prefix` (`gen_ai.prompt` or
/// `gen_ai.completion`).
pub(crate) fn python(
    prefix: &str,
    messages: &[Message],
    completion: bool,
) -> (String, Vec<KeyValue>) {
    let mut indexed = Vec::new();
    let entries: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, message)| {
            let entry = message.python(completion.then_some(i));
            let key = |name: &str| format!("{prefix}.{i}.{name}");
            for (name, value) in entry.as_object().into_iter().flatten() {
                let value = match (name.as_str(), value) {
                    ("tool_call_id", Value::String(id)) => {
                        indexed.push(KeyValue::new(key("tool_call.id"), id.clone()));
                        continue;
                    }
                    (_, Value::String(text)) => opentelemetry::Value::from(text.clone()),
                    (_, Value::Number(n)) => {
                        opentelemetry::Value::I64(saturating_i64(n.as_u64().unwrap_or(0)))
                    }
                    (_, other) => opentelemetry::Value::from(other.to_string()),
                };
                indexed.push(KeyValue::new(key(name), value));
            }
            entry
        })
        .collect();
    (Value::Array(entries).to_string(), indexed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(role: &'static str, text: &str) -> Message {
        Message {
            role,
            parts: vec![Part::Text(text.to_owned())],
            finish_reason: None,
        }
    }

    #[test]
    fn roles_and_finish_reasons_in_the_conventions_terms() {
        assert_eq!(role("developer"), "system");
        assert_eq!(role("model"), "assistant");
        assert_eq!(role("function"), "tool");
        assert_eq!(role("human"), "user");
        assert_eq!(finish_reason("end_turn"), "stop");
        assert_eq!(finish_reason("MAX_TOKENS"), "length");
        assert_eq!(finish_reason("tool_calls"), "tool_call");
        assert_eq!(finish_reason("SAFETY"), "content_filter");
        assert_eq!(finish_reason("odd"), "odd");
    }

    #[test]
    fn both_shapes_of_an_assistant_turn_with_a_tool_call() {
        let message = Message {
            role: "assistant",
            parts: vec![Part::ToolCall(ToolCallRequest {
                id: Some("call_1".into()),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris"}"#.into(),
            })],
            finish_reason: Some("tool_calls".into()),
        };
        assert_eq!(
            message.conventions(true),
            json!({"role": "assistant", "finish_reason": "tool_call", "parts": [
                {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]})
        );
        let (array, indexed) = python("gen_ai.completion", &[message], true);
        assert_eq!(
            serde_json::from_str::<Value>(&array).unwrap(),
            json!([{"role": "assistant", "finish_reason": "tool_calls", "index": 0, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}])
        );
        let mut keys: Vec<&str> = indexed.iter().map(|kv| kv.key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "gen_ai.completion.0.finish_reason",
                "gen_ai.completion.0.index",
                "gen_ai.completion.0.role",
                "gen_ai.completion.0.tool_calls"
            ]
        );
        let index = indexed
            .iter()
            .find(|kv| kv.key.as_str() == "gen_ai.completion.0.index");
        assert_eq!(index.unwrap().value, opentelemetry::Value::I64(0));
    }

    #[test]
    fn a_tool_result_carries_its_call_id() {
        let message = Message {
            role: "tool",
            parts: vec![Part::ToolResult {
                id: Some("call_1".into()),
                response: "18C".into(),
            }],
            finish_reason: None,
        };
        let (array, indexed) = python("gen_ai.prompt", &[message], false);
        assert_eq!(
            serde_json::from_str::<Value>(&array).unwrap(),
            json!([{"role": "tool", "content": "18C", "tool_call_id": "call_1"}])
        );
        assert!(
            indexed
                .iter()
                .any(|kv| kv.key.as_str() == "gen_ai.prompt.0.tool_call.id"
                    && kv.value == opentelemetry::Value::from("call_1"))
        );
    }

    #[test]
    fn fitting_keeps_the_json_valid_and_within_the_limit() {
        let messages: Vec<Message> = (0..50)
            .map(|i| text("user", &format!("{i}:{}", "é".repeat(500))))
            .collect();
        let fitted = fitted(&messages, 4096);
        let (array, _) = python("gen_ai.prompt", &fitted, false);
        assert!(array.len() <= 4096, "{}", array.len());
        let parsed: Vec<Value> = serde_json::from_str(&array).unwrap();
        // The newest messages are kept, each cut on a character boundary
        // and marked.
        let last = parsed.last().unwrap()["content"].as_str().unwrap();
        assert!(last.starts_with("49:é"), "{last}");
        assert!(last.ends_with(crate::text::TRUNCATION_MARKER));
        assert!(parsed.len() < 50 && !parsed.is_empty());
    }

    /// The JSON of `messages` in its larger shape, as written.
    fn written(messages: &[Message]) -> usize {
        let (python, _) = python("gen_ai.prompt", messages, false);
        let conventions = Value::Array(messages.iter().map(|m| m.conventions(true)).collect());
        python.len().max(conventions.to_string().len())
    }

    /// Messages that fit to the byte are kept whole; one byte less, and the
    /// oldest goes.
    #[test]
    fn fitting_is_exact_to_the_byte() {
        let messages: Vec<Message> = (0..3)
            .map(|i| text("user", &format!("short {i}")))
            .collect();
        let exact = written(&messages);
        assert_eq!(fitted(&messages, exact), messages);
        assert_eq!(fitted(&messages, exact - 1), messages[1..]);
        let two = written(&messages[1..]);
        assert_eq!(fitted(&messages, two), messages[1..]);
        assert_eq!(fitted(&messages, two - 1), messages[2..]);
        // The last one is kept, whatever the limit.
        assert_eq!(fitted(&messages, 1), messages[2..]);
    }

    /// Texts too long to fit share the limit evenly: each is cut to the
    /// limit over the number of texts (never under 64 bytes).
    #[test]
    fn long_texts_share_the_limit() {
        let messages: Vec<Message> = (0..4).map(|_| text("user", &"a".repeat(1000))).collect();
        let kept = fitted(&messages, 1000);
        let expected = format!("{}{}", "a".repeat(250), crate::text::TRUNCATION_MARKER);
        assert_eq!(kept.last().unwrap().parts, [Part::Text(expected)]);
        assert_eq!(kept.len(), 2);
        assert!(written(&kept) <= 1000);
        let kept = fitted(&messages, 100);
        let expected = format!("{}{}", "a".repeat(64), crate::text::TRUNCATION_MARKER);
        assert_eq!(kept, [text("user", &expected)]);
    }

    #[test]
    fn a_prompt_line_says_role_text_and_tool_calls() {
        let message = Message {
            role: "assistant",
            parts: vec![
                Part::Text("checking".into()),
                Part::ToolCall(ToolCallRequest {
                    id: None,
                    name: "f".into(),
                    arguments: "{}".into(),
                }),
            ],
            finish_reason: None,
        };
        assert_eq!(message.line(), "assistant: checking [tool call f({})]");
    }

    #[test]
    fn map_texts_reaches_every_text() {
        let mut message = Message {
            role: "assistant",
            parts: vec![
                Part::Text("a".into()),
                Part::ToolCall(ToolCallRequest {
                    id: None,
                    name: "f".into(),
                    arguments: "b".into(),
                }),
                Part::ToolResult {
                    id: None,
                    response: "c".into(),
                },
            ],
            finish_reason: None,
        };
        message.map_texts(&mut |t| t.to_uppercase());
        assert_eq!(message.text().as_deref(), Some("AC"));
        assert_eq!(message.tool_calls().next().unwrap().arguments, "B");
    }

    #[test]
    fn input_output_and_system_instructions_as_the_conventions_write_them() {
        let value =
            |kv: &KeyValue| -> Value { serde_json::from_str(&kv.value.to_string()).unwrap() };
        let input = conventions_input(&[text("system", "be brief")], &[text("user", "hi")]);
        assert_eq!(input[0].key.as_str(), "gen_ai.system_instructions");
        assert_eq!(
            value(&input[0]),
            json!([{"type": "text", "content": "be brief"}])
        );
        assert_eq!(input[1].key.as_str(), "gen_ai.input.messages");
        assert_eq!(
            value(&input[1]),
            json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}])
        );
        // No system instructions, no attribute for them.
        let input = conventions_input(&[], &[text("user", "hi")]);
        assert_eq!(input.len(), 1);
        let output = conventions_output(&[text("assistant", "ok")]);
        assert_eq!(output.key.as_str(), "gen_ai.output.messages");
        assert_eq!(
            value(&output),
            json!([{"role": "assistant", "finish_reason": "unknown",
                    "parts": [{"type": "text", "content": "ok"}]}])
        );
    }

    #[test]
    fn messages_that_fit_are_kept_whole() {
        let messages = vec![text("system", "be brief"), text("user", "hi")];
        assert_eq!(fitted(&messages, 4096), messages);
    }
}
