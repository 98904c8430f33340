//! The messages the crate writes (`gen_ai.input.messages`,
//! `gen_ai.output.messages`, `gen_ai.system_instructions`) are valid by the
//! GenAI conventions' own JSON schemas: those of v1.41, the version written
//! by default, and those of the conventions' own repository now
//! (`tests/fixtures/semconv/README.md` says where each came from). Every
//! shape the readers know goes through: chat, tool calls and their results,
//! system instructions apart, a prompt-only call, an output that is no
//! response, and hostile text, cut messages, unknown finish reasons.

mod common;

use last9_genai::observe;
use serde_json::{Value, json};

const VERSIONS: [&str; 2] = ["v1.41.0", "genai-dev-fe5608e"];

fn schema(version: &str, name: &str) -> Value {
    let path = format!(
        "{}/fixtures/semconv/{version}/gen-ai-{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Checks every message attribute of `span` against both versions'
/// schemas; returns how many were checked.
fn assert_valid(span: &opentelemetry_sdk::trace::SpanData) -> usize {
    let mut checked = 0;
    for (key, name) in [
        ("gen_ai.input.messages", "input-messages"),
        ("gen_ai.output.messages", "output-messages"),
        ("gen_ai.system_instructions", "system-instructions"),
    ] {
        let Some(text) = common::string(span, key) else {
            continue;
        };
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: {key} is not JSON ({e}): {text}", span.name));
        for version in VERSIONS {
            if let Err(error) = jsonschema::validate(&schema(version, name), &value) {
                panic!(
                    "{}: {key} is not valid by the {version} schema: {error}\n{text}",
                    span.name
                );
            }
        }
        checked += 1;
    }
    checked
}

fn openai(message: Value, finish: Value) -> Value {
    json!({"id": "chatcmpl-1", "model": "gpt-4o",
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5}})
}

#[observe]
fn chat(messages: Value, response: Value) -> Value {
    let _ = messages;
    response
}

#[observe]
fn request(request: Value, response: Value) -> Value {
    let _ = request;
    response
}

#[observe]
fn ask(prompt: &str) -> Value {
    let _ = prompt;
    openai(
        json!({"role": "assistant", "content": "Paris."}),
        json!("stop"),
    )
}

#[observe]
fn plain(prompt: &str) -> String {
    format!("echo {prompt}")
}

#[observe(capture_limit = 300)]
fn cut_chat(messages: Value) -> Value {
    let _ = messages;
    openai(
        json!({"role": "assistant", "content": "ü".repeat(2000)}),
        json!("length"),
    )
}

const HOSTILE: &str =
    "a \"quoted\" \\ back\nslash\r\t\u{1}\u{1f} é 漢字 🚀 </script> {\"json\": 1}";

#[test]
fn every_shape_written_is_valid_by_the_conventions_schemas() {
    let (_turn, h) = common::observed();
    // A conversation with a system message, a tool call and its result.
    chat(
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": HOSTILE},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        ]),
        openai(
            json!({"role": "assistant", "content": HOSTILE, "tool_calls": [
                {"id": "call_2", "type": "function",
                 "function": {"name": "time", "arguments": "not json {"}}]}),
            json!("tool_calls"),
        ),
    );
    // (A system message among the messages stays one of them.)
    assert_eq!(assert_valid(&h.span("chat")), 2);

    // Anthropic: system apart, a tool use, a reason the schema does not name.
    h.exporter.reset();
    request(
        json!({"model": "claude-sonnet-4-5", "system": "Answer in French.",
               "messages": [{"role": "user", "content": [{"type": "text", "text": "Weather?"}]}]}),
        json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
               "stop_reason": "pause_turn",
               "content": [{"type": "text", "text": "Je regarde."},
                           {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}}],
               "usage": {"input_tokens": 20, "output_tokens": 8}}),
    );
    let span = h.span("request");
    assert_eq!(assert_valid(&span), 3);
    let output: Value =
        serde_json::from_str(&common::string(&span, "gen_ai.output.messages").unwrap()).unwrap();
    // The schema's reasons are open: a provider's own word passes as it is.
    assert_eq!(output[0]["finish_reason"], "pause_turn");

    // Gemini, with no finish reason at all.
    h.exporter.reset();
    request(
        json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
               "systemInstruction": {"parts": [{"text": "Be kind."}]}}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello!"}]}}],
               "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2},
               "modelVersion": "gemini-2.5-flash"}),
    );
    assert_eq!(assert_valid(&h.span("request")), 3);

    // A prompt-only model call: the prompt is its user message.
    h.exporter.reset();
    ask(HOSTILE);
    assert_eq!(assert_valid(&h.span("ask")), 2);

    // An output that is no model response: one text part.
    h.exporter.reset();
    plain("hello");
    assert_eq!(assert_valid(&h.span("plain")), 1);

    // Many long messages, cut to the limit.
    h.exporter.reset();
    let long: Value = (0..50)
        .map(|i| json!({"role": "user", "content": format!("{i}:{}", "é".repeat(400))}))
        .collect();
    cut_chat(long);
    let span = h.span("cut_chat");
    assert_eq!(assert_valid(&span), 2);
    assert!(
        common::string(&span, "gen_ai.input.messages")
            .unwrap()
            .len()
            <= 300
    );
}

/// The schemas are what the tests think they are: a message missing what
/// the schema requires is refused.
#[test]
fn the_schemas_refuse_what_they_should() {
    for version in VERSIONS {
        let output = schema(version, "output-messages");
        let valid = json!([{"role": "assistant", "parts": [{"type": "text", "content": "ok"}],
                            "finish_reason": "stop"}]);
        assert!(jsonschema::is_valid(&output, &valid), "{version}");
        for invalid in [
            json!([{"role": "assistant", "parts": [{"type": "text", "content": "ok"}]}]),
            json!([{"parts": [{"type": "text", "content": "ok"}], "finish_reason": "stop"}]),
            json!([{"role": "assistant", "parts": [{"content": "ok"}], "finish_reason": "stop"}]),
            json!([{"role": "assistant", "parts": "ok", "finish_reason": "stop"}]),
        ] {
            assert!(
                !jsonschema::is_valid(&output, &invalid),
                "{version}: {invalid}"
            );
        }
    }
}
