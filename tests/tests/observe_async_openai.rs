//! Typed `async-openai` responses (feature `async-openai`) read without any
//! code from the user, through `Result` as the client returns them.

#![allow(clippy::await_holding_lock)]

mod common;

use async_openai::types::chat::CreateChatCompletionResponse;
use common::{attr, float, int, string};
use last9_genai::observe;
use opentelemetry::{Array, Value};

fn completion() -> CreateChatCompletionResponse {
    serde_json::from_value(serde_json::json!({
        "id": "chatcmpl-typed", "object": "chat.completion", "created": 1, "model": "gpt-4o-2024-08-06",
        "choices": [{ "index": 0, "finish_reason": "tool_calls", "logprobs": null,
            "message": { "role": "assistant", "content": "Checking the weather.",
                "tool_calls": [{ "id": "call_1", "type": "function",
                    "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\"}" } }] } }],
        "usage": { "prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
                   "prompt_tokens_details": { "cached_tokens": 200 },
                   "completion_tokens_details": { "reasoning_tokens": 100 } }
    }))
    .unwrap()
}

#[derive(Debug)]
struct OpenAIError;

impl std::fmt::Display for OpenAIError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("openai failed")
    }
}

#[observe]
async fn chat(prompt: &str) -> Result<CreateChatCompletionResponse, OpenAIError> {
    let _ = prompt;
    Ok(completion())
}

#[tokio::test]
async fn a_typed_chat_completion_is_read_field_by_field() {
    common::python_layout();
    let (_turn, h) = common::observed();
    let response = chat("weather in Paris?").await.unwrap();
    assert_eq!(response.id, "chatcmpl-typed");
    let s = h.span("chat");
    assert_eq!(
        string(&s, "gen_ai.provider.name").as_deref(),
        Some("openai")
    );
    assert_eq!(
        string(&s, "gen_ai.response.model").as_deref(),
        Some("gpt-4o-2024-08-06")
    );
    assert_eq!(
        string(&s, "gen_ai.response.id").as_deref(),
        Some("chatcmpl-typed")
    );
    assert_eq!(
        attr(&s, "gen_ai.response.finish_reasons"),
        Some(Value::Array(Array::String(vec!["tool_calls".into()])))
    );
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(1000));
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(500));
    assert_eq!(int(&s, "gen_ai.usage.cache_read.input_tokens"), Some(200));
    assert_eq!(int(&s, "gen_ai.usage.reasoning.output_tokens"), Some(100));
    assert_eq!(int(&s, "gen_ai.tool_calls.count"), Some(1));
    // priced by the span processor (gpt-4o at 2.50 / 10.0, no cache price)
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.0075));
    let completion = s
        .events
        .iter()
        .find(|e| e.name == "gen_ai.content.completion")
        .unwrap();
    assert_eq!(
        completion.attributes[0].value,
        Value::from("Checking the weather.")
    );
}

#[observe(capture_limit = 64)]
async fn chat_long(prompt: &str) -> Result<CreateChatCompletionResponse, OpenAIError> {
    let _ = prompt;
    let mut response = completion();
    let message = &mut response.choices[0].message;
    message.content = Some("é".repeat(1 << 20));
    if let Some(calls) = &mut message.tool_calls
        && let async_openai::types::chat::ChatCompletionMessageToolCalls::Function(call) =
            &mut calls[0]
    {
        call.function.arguments = "x".repeat(1 << 20);
    }
    Ok(response)
}

/// Regression: a typed response's tool arguments went onto the span whole
/// (a megabyte of arguments, a megabyte in the tool-call event); they are
/// cut at the capture limit as the text is.
#[tokio::test]
async fn a_typed_response_is_cut_at_the_capture_limit() {
    common::python_layout();
    let (_turn, h) = common::observed();
    chat_long("long?").await.unwrap();
    let s = h.span("chat_long");
    let marker = last9_genai::TRUNCATION_MARKER;
    let event = s
        .events
        .iter()
        .find(|e| e.name == "gen_ai.tool.call")
        .unwrap();
    let arguments = event
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "tool_call.function.arguments")
        .map(|kv| kv.value.to_string());
    assert_eq!(arguments, Some(format!("{}{marker}", "x".repeat(64))));
    assert_eq!(
        common::completion(&s),
        Some(format!("{}{marker}", "é".repeat(32)))
    );
}

fn responses_api() -> async_openai::types::responses::Response {
    serde_json::from_value(serde_json::json!({
        "id": "resp_typed", "object": "response", "created_at": 1, "model": "o3", "status": "completed",
        "output": [
            { "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
              "content": [{ "type": "output_text", "text": "42", "annotations": [] }] }
        ],
        "usage": { "input_tokens": 100, "output_tokens": 500, "total_tokens": 600,
                   "output_tokens_details": { "reasoning_tokens": 400 },
                   "input_tokens_details": { "cached_tokens": 0 } }
    }))
    .unwrap()
}

#[observe]
async fn respond_typed(
    prompt: &str,
) -> Result<async_openai::types::responses::Response, OpenAIError> {
    let _ = prompt;
    Ok(responses_api())
}

/// The Responses API's typed response is read through its JSON form: its
/// id, model, usage with reasoning tokens, and its text as the completion.
#[tokio::test]
async fn a_typed_responses_api_response_is_read() {
    common::python_layout();
    let (_turn, h) = common::observed();
    respond_typed("the answer?").await.unwrap();
    let s = h.span("respond_typed");
    assert_eq!(
        string(&s, "gen_ai.response.id").as_deref(),
        Some("resp_typed")
    );
    assert_eq!(string(&s, "gen_ai.response.model").as_deref(), Some("o3"));
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(100));
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(500));
    assert_eq!(int(&s, "gen_ai.usage.reasoning.output_tokens"), Some(400));
    assert_eq!(common::completion(&s).as_deref(), Some("42"));
}
