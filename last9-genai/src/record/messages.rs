//! Chat messages, read from a model request or response, and written as
//! the GenAI conventions' (v1.41) `gen_ai.input.messages` /
//! `gen_ai.output.messages` JSON, or as the Python SDK's prompt lines
//! (`role: text`).
//!
//! Every text is cut at the capture limit before it is written, so the JSON
//! stays valid whatever its size: the texts share the limit, and when they
//! cannot fit, the oldest messages are left out first.

use std::borrow::Cow;

use opentelemetry::KeyValue;
#[cfg(test)]
use serde_json::{Value, json};

use super::response::ToolCallRequest;
use crate::text::{cut_bytes, escapes, json_string};

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
        "stop"
        | "end_turn"
        | "stop_sequence"
        | "completed"
        | "complete"
        | "finish_reason_unspecified" => "stop".to_owned(),
        "length" | "max_tokens" | "incomplete" | "model_context_window_exceeded" => {
            "length".to_owned()
        }
        "tool_calls" | "tool_use" | "tool_call" | "function_call" => "tool_call".to_owned(),
        "content_filter"
        | "safety"
        | "recitation"
        | "refusal"
        | "blocklist"
        | "prohibited_content"
        | "spii"
        | "guardrail_intervened"
        | "content_filtered" => "content_filter".to_owned(),
        "error" | "failed" => "error".to_owned(),
        other => other.to_owned(),
    }
}

impl Message {
    /// The message's text parts, joined (borrowed when there is one).
    fn text(&self) -> Option<Cow<'_, str>> {
        let mut texts = self.parts.iter().filter_map(|part| match part {
            Part::Text(text) => Some(text.as_str()),
            Part::ToolResult { response, .. } => Some(response.as_str()),
            Part::ToolCall(_) => None,
        });
        let first = texts.next()?;
        Some(match texts.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut joined = [first, second].concat();
                texts.for_each(|text| joined.push_str(text));
                Cow::Owned(joined)
            }
        })
    }

    fn tool_calls(&self) -> impl Iterator<Item = &ToolCallRequest> {
        self.parts.iter().filter_map(|part| match part {
            Part::ToolCall(call) => Some(call),
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

    /// The message as a prompt line: `role: text`, then its tool calls.
    pub(crate) fn line(&self) -> String {
        format!("{}: {}", self.role, self.said())
    }

    /// What the message says: its text, then its tool calls as
    /// `[tool call name(arguments)]`.
    pub(crate) fn said(&self) -> String {
        let mut said = self.text().unwrap_or_default().into_owned();
        for call in self.tool_calls() {
            if !said.is_empty() {
                said.push(' ');
            }
            said.push_str(&format!("[tool call {}({})]", call.name, call.arguments));
        }
        said
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

    /// Writes the conventions' (v1.41) JSON of the message; an output
    /// message always carries a finish reason (`unknown` when the response
    /// gave none), as the schema asks.
    fn write_conventions(&self, output: bool, out: &mut String) {
        out.push_str("{\"role\":");
        push_json_str(out, self.role);
        out.push_str(",\"parts\":");
        self.write_parts(out);
        match &self.finish_reason {
            Some(reason) => {
                out.push_str(",\"finish_reason\":");
                push_json_str(out, &finish_reason(reason));
            }
            None if output => out.push_str(",\"finish_reason\":\"unknown\""),
            None => {}
        }
        out.push('}');
    }

    /// Writes the conventions' JSON array of the message's parts.
    fn write_parts(&self, out: &mut String) {
        out.push('[');
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            self.write_part(part, out);
        }
        out.push(']');
    }

    fn write_part(&self, part: &Part, out: &mut String) {
        let id = |id: &Option<String>, out: &mut String| {
            if let Some(id) = id {
                out.push_str(",\"id\":");
                push_json_str(out, id);
            }
        };
        match part {
            Part::Text(text) => {
                out.push_str("{\"type\":\"text\",\"content\":");
                push_json_str(out, text);
            }
            Part::ToolCall(call) => {
                out.push_str("{\"type\":\"tool_call\"");
                id(&call.id, out);
                out.push_str(",\"name\":");
                push_json_str(out, &call.name);
                out.push_str(",\"arguments\":");
                // JSON arguments as JSON, anything else as text.
                if serde_json::from_str::<serde::de::IgnoredAny>(&call.arguments).is_ok() {
                    out.push_str(call.arguments.trim());
                } else {
                    push_json_str(out, &call.arguments);
                }
            }
            Part::ToolResult { id: call, response } => {
                out.push_str("{\"type\":\"tool_call_response\"");
                id(call, out);
                out.push_str(",\"response\":");
                push_json_str(out, response);
            }
        }
        out.push('}');
    }

    /// More than the length of the message's JSON: its texts, each escape
    /// at its longest (`\u00XX`), and room for the keys and punctuation
    /// around each.
    fn written_len_bound(&self) -> usize {
        self.written_len_with(|t| t.len() + 5 * escapes(t) + 2)
    }

    /// About the length of the message's JSON when its texts need no
    /// escapes: the capacity to write it into, found without reading them.
    fn written_len_hint(&self) -> usize {
        self.written_len_with(|t| t.len() + 2)
    }

    /// The room the message takes, each text counted as `text` says.
    fn written_len_with(&self, text: impl Fn(&str) -> usize) -> usize {
        let parts: usize = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(t) => text(t) + 48,
                Part::ToolCall(call) => {
                    call.id.as_deref().map_or(0, &text)
                        + text(&call.name)
                        + text(&call.arguments)
                        + 96
                }
                Part::ToolResult { id, response } => {
                    id.as_deref().map_or(0, &text) + text(response) + 64
                }
            })
            .sum();
        parts + self.finish_reason.as_deref().map_or(0, &text) + 96
    }

    /// The length of the message's JSON (as an output message, the longer).
    fn written_len(&self, scratch: &mut String) -> usize {
        scratch.clear();
        self.write_conventions(true, scratch);
        scratch.len()
    }
}

/// Writes `text` as a JSON string.
fn push_json_str(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    json_string(text, |piece| {
        out.push_str(piece);
        true
    });
}

/// Texts shorter than this are never cut further to make room.
const MIN_SHARE: usize = 64;

/// `messages` fitted within `limit` bytes of JSON: as they are when they
/// fit; else every text cut to an even share of the limit; else, the oldest
/// messages left out too (the last one is always kept).
pub(crate) fn fitted(messages: &[Message], limit: usize) -> Cow<'_, [Message]> {
    // Each message and a comma; the array's brackets are the one byte more
    // than its commas.
    // Most messages fit by far: a bound on their size, cheaper than
    // writing them, says so.
    if messages
        .iter()
        .map(|m| m.written_len_bound() + 1)
        .sum::<usize>()
        < limit
    {
        return Cow::Borrowed(messages);
    }
    let mut scratch = String::new();
    let mut size = |m: &Message| m.written_len(&mut scratch) + 1;
    // (Brackets and commas: one byte more than the sizes; so, below.)
    if messages.iter().map(&mut size).sum::<usize>() < limit {
        return Cow::Borrowed(messages);
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
    let mut cut = cut;
    cut.drain(..cut.len() - kept);
    Cow::Owned(cut)
}

/// A JSON array of `messages`, each written by `write`, into a text sized
/// once.
fn array(messages: &[Message], write: impl Fn(&Message, &mut String)) -> String {
    let size = messages
        .iter()
        .map(|m| m.written_len_hint() + 1)
        .sum::<usize>();
    let mut out = String::with_capacity(size + 1);
    out.push('[');
    for (i, message) in messages.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(message, &mut out);
    }
    out.push(']');
    out
}

/// The input messages and system instructions as the conventions write
/// them: `gen_ai.input.messages` and `gen_ai.system_instructions`.
pub(crate) fn conventions_input(system: &[Message], messages: &[Message]) -> Vec<KeyValue> {
    let mut attributes = Vec::with_capacity(2);
    if system.iter().any(|m| !m.parts.is_empty()) {
        let mut parts = String::from("[");
        for part in system
            .iter()
            .flat_map(|m| m.parts.iter().map(move |p| (m, p)))
        {
            if parts.len() > 1 {
                parts.push(',');
            }
            part.0.write_part(part.1, &mut parts);
        }
        parts.push(']');
        attributes.push(KeyValue::new(crate::attributes::SYSTEM_INSTRUCTIONS, parts));
    }
    attributes.push(KeyValue::new(
        crate::attributes::INPUT_MESSAGES,
        array(messages, |m, out| m.write_conventions(false, out)),
    ));
    attributes
}

/// The output messages as the conventions write them.
pub(crate) fn conventions_output(messages: &[Message]) -> KeyValue {
    KeyValue::new(
        crate::attributes::OUTPUT_MESSAGES,
        array(messages, |m, out| m.write_conventions(true, out)),
    )
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
        // Cohere's and Bedrock's.
        assert_eq!(finish_reason("COMPLETE"), "stop");
        assert_eq!(finish_reason("TOOL_CALL"), "tool_call");
        assert_eq!(finish_reason("guardrail_intervened"), "content_filter");
        assert_eq!(finish_reason("content_filtered"), "content_filter");
        assert_eq!(finish_reason("model_context_window_exceeded"), "length");
    }

    #[test]
    fn an_assistant_turn_with_a_tool_call() {
        let message = Message {
            role: "assistant",
            parts: vec![Part::ToolCall(ToolCallRequest {
                id: Some("call_1".into()),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris"}"#.into(),
            })],
            finish_reason: Some("tool_calls".into()),
        };
        let mut written = String::new();
        message.write_conventions(true, &mut written);
        assert_eq!(
            serde_json::from_str::<Value>(&written).unwrap(),
            json!({"role": "assistant", "finish_reason": "tool_call", "parts": [
                {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]})
        );
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
        let input = conventions_input(&[], &[message]);
        assert_eq!(
            serde_json::from_str::<Value>(&input[0].value.as_str()).unwrap(),
            json!([{"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "call_1", "response": "18C"}]}])
        );
    }

    #[test]
    fn fitting_keeps_the_json_valid_and_within_the_limit() {
        let messages: Vec<Message> = (0..50)
            .map(|i| text("user", &format!("{i}:{}", "é".repeat(500))))
            .collect();
        let fitted = fitted(&messages, 4096);
        let array = conventions_output(&fitted).value.as_str().into_owned();
        assert!(array.len() <= 4096, "{}", array.len());
        let parsed: Vec<Value> = serde_json::from_str(&array).unwrap();
        // The newest messages are kept, each cut on a character boundary
        // and marked.
        let last = parsed.last().unwrap()["parts"][0]["content"]
            .as_str()
            .unwrap();
        assert!(last.starts_with("49:é"), "{last}");
        assert!(last.ends_with(crate::text::TRUNCATION_MARKER));
        assert!(parsed.len() < 50 && !parsed.is_empty());
    }

    /// The JSON of `messages`, as written (as output messages, the longer).
    fn written(messages: &[Message]) -> usize {
        array(messages, |m, out| m.write_conventions(true, out)).len()
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
        assert_eq!(*fitted(&messages, exact - 1), messages[1..]);
        let two = written(&messages[1..]);
        assert_eq!(*fitted(&messages, two), messages[1..]);
        assert_eq!(*fitted(&messages, two - 1), messages[2..]);
        // The last one is kept, whatever the limit.
        assert_eq!(*fitted(&messages, 1), messages[2..]);
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
        assert_eq!(*kept, [text("user", &expected)]);
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

    /// Hostile text (quotes, backslashes, control characters, any script)
    /// stays valid JSON and reads back as it was.
    #[test]
    fn any_text_is_written_as_valid_json() {
        let hostile = "a \"quoted\" \\ back\nslash\r\t\u{1}\u{1f} é 漢字 🚀 </script>";
        let message = Message {
            role: "user",
            parts: vec![
                Part::Text(hostile.to_owned()),
                Part::ToolCall(ToolCallRequest {
                    id: Some(hostile.to_owned()),
                    name: hostile.to_owned(),
                    arguments: hostile.to_owned(),
                }),
            ],
            finish_reason: Some(hostile.to_owned()),
        };
        assert!(message.line().contains(hostile));
        let mut conventions = String::new();
        message.write_conventions(true, &mut conventions);
        let conventions: Value = serde_json::from_str(&conventions).unwrap();
        assert_eq!(conventions["parts"][0]["content"], hostile);
        assert_eq!(conventions["parts"][1]["arguments"], hostile);
        assert_eq!(conventions["parts"][1]["id"], hostile);
    }

    /// The cheap bound is a bound: never under what is written.
    #[test]
    fn the_size_bound_is_never_under_the_written_size() {
        let hostile = "\"\\\u{1}\n";
        let messages = [
            text("user", ""),
            text("system", &"é".repeat(300)),
            text("user", &hostile.repeat(50)),
            Message {
                role: "assistant",
                parts: vec![
                    Part::ToolCall(ToolCallRequest {
                        id: Some(hostile.into()),
                        name: hostile.into(),
                        arguments: r#"{"a": [1, 2]}"#.into(),
                    }),
                    Part::ToolResult {
                        id: None,
                        response: hostile.repeat(9),
                    },
                    Part::Text(String::new()),
                ],
                finish_reason: Some(hostile.into()),
            },
        ];
        let mut scratch = String::new();
        for message in &messages {
            assert!(
                message.written_len_bound() >= message.written_len(&mut scratch),
                "{message:?}"
            );
        }
    }

    #[test]
    fn messages_that_fit_are_kept_whole() {
        let messages = vec![text("system", "be brief"), text("user", "hi")];
        assert_eq!(fitted(&messages, 4096), messages);
    }
}
