//! Model, usage, cost and tool calls from return values of every provider
//! shape, and recorded from inside the body.

#![allow(clippy::await_holding_lock)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{attr, float, int, string};
use last9_genai::{
    ModelPricing, PricingTable, TokenUsage, observe, record_attributes, record_usage,
};
use opentelemetry::{Array, KeyValue, Value};
use serde_json::{Value as Json, json};

fn pricing() -> PricingTable {
    PricingTable::new([
        (
            "gpt-4o",
            ModelPricing::new(2.50, 10.0).with_cache_read(1.25),
        ),
        ("o3", ModelPricing::new(2.0, 8.0).with_reasoning(8.0)),
        (
            "claude-sonnet-4-5",
            ModelPricing::new(3.0, 15.0)
                .with_cache_read(0.3)
                .with_cache_write(3.75),
        ),
        ("gemini-2.0-flash", ModelPricing::new(0.1, 0.4)),
    ])
    .unwrap()
}

#[observe(pricing = pricing())]
fn respond(shape: Json) -> Result<Json, String> {
    Ok(shape)
}

fn reasons(values: &[&str]) -> Option<Value> {
    Some(Value::Array(Array::String(
        values.iter().map(|s| (*s).to_owned().into()).collect(),
    )))
}

#[test]
fn openai_chat_completion_with_cache_reasoning_and_tool_calls() {
    common::python_layout();
    let (_turn, h) = common::observed();
    respond(json!({
        "id": "chatcmpl-9", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
        "choices": [{ "index": 0, "finish_reason": "tool_calls", "message": { "role": "assistant", "content": null,
            "tool_calls": [
                { "id": "call_1", "type": "function", "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\"}" } },
                { "id": "call_2", "type": "function", "function": { "name": "get_time", "arguments": "{}" } }
            ] } }],
        "usage": { "prompt_tokens": 2000, "completion_tokens": 100,
                   "prompt_tokens_details": { "cached_tokens": 1000 }, "completion_tokens_details": { "reasoning_tokens": 0 } }
    }))
    .unwrap();
    let s = h.span("respond");
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
        Some("chatcmpl-9")
    );
    assert_eq!(
        attr(&s, "gen_ai.response.finish_reasons"),
        reasons(&["tool_calls"])
    );
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(2000));
    assert_eq!(int(&s, "gen_ai.usage.cache_read.input_tokens"), Some(1000));
    assert_eq!(attr(&s, "gen_ai.usage.reasoning.output_tokens"), None);
    // 1000 × 2.50 + 1000 × 1.25 = 3750 µ$; 100 × 10 = 1000 µ$
    assert_eq!(float(&s, "gen_ai.usage.cost_input_usd"), Some(0.00375));
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.00475));
    assert_eq!(int(&s, "gen_ai.tool_calls.count"), Some(2));
    let calls: Vec<_> = s
        .events
        .iter()
        .filter(|e| e.name == "gen_ai.tool.call")
        .collect();
    assert_eq!(calls.len(), 2);
    let get = |i: usize, k: &str| {
        calls[i]
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == k)
            .map(|kv| kv.value.to_string())
    };
    assert_eq!(
        get(0, "tool_call.function.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(get(0, "tool_call.id").as_deref(), Some("call_1"));
    assert_eq!(
        get(0, "tool_call.function.arguments").as_deref(),
        Some(r#"{"city":"Paris"}"#)
    );
}

#[test]
fn openai_responses_api_with_reasoning() {
    common::python_layout();
    let (_turn, h) = common::observed();
    respond(json!({
        "id": "resp_1", "object": "response", "model": "o3", "status": "completed",
        "output": [
            { "type": "reasoning", "summary": [] },
            { "type": "message", "role": "assistant", "content": [{ "type": "output_text", "text": "42" }] }
        ],
        "usage": { "input_tokens": 100, "output_tokens": 500, "output_tokens_details": { "reasoning_tokens": 400 },
                   "input_tokens_details": { "cached_tokens": 0 } }
    }))
    .unwrap();
    let s = h.span("respond");
    assert_eq!(string(&s, "gen_ai.response.id").as_deref(), Some("resp_1"));
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(500));
    assert_eq!(int(&s, "gen_ai.usage.reasoning.output_tokens"), Some(400));
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.0042)); // 200 + 800 + 3200 µ$
    let completion = s
        .events
        .iter()
        .find(|e| e.name == "gen_ai.content.completion")
        .unwrap();
    assert_eq!(completion.attributes[0].value, Value::from("42"));
}

#[test]
fn anthropic_message_with_cache_reads_and_writes_and_tool_use() {
    common::python_layout();
    let (_turn, h) = common::observed();
    respond(json!({
        "id": "msg_7", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            { "type": "text", "text": "Let me check." },
            { "type": "tool_use", "id": "toolu_1", "name": "search", "input": { "q": "rust" } },
            { "type": "text", "text": "Done." }
        ],
        "stop_reason": "tool_use",
        "usage": { "input_tokens": 100, "output_tokens": 50, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200 }
    }))
    .unwrap();
    let s = h.span("respond");
    assert_eq!(
        string(&s, "gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    // the convention's input includes the cache
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(1300));
    assert_eq!(int(&s, "gen_ai.usage.cache_read.input_tokens"), Some(1000));
    assert_eq!(
        int(&s, "gen_ai.usage.cache_creation.input_tokens"),
        Some(200)
    );
    // 100 × 3 + 1000 × 0.3 + 200 × 3.75 = 1350 µ$; 50 × 15 = 750 µ$
    assert_eq!(float(&s, "gen_ai.usage.cost_input_usd"), Some(0.00135));
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.0021));
    assert_eq!(int(&s, "gen_ai.tool_calls.count"), Some(1));
    let completion = s
        .events
        .iter()
        .find(|e| e.name == "gen_ai.content.completion")
        .unwrap();
    assert_eq!(
        completion.attributes[0].value,
        Value::from("Let me check. Done.")
    );
}

/// Gemini's `generateContent` response, in the REST API's camelCase and in
/// the google-genai SDKs' snake_case: read and priced alike.
#[test]
fn gemini_generate_content() {
    common::python_layout();
    let camel = json!({
        "candidates": [{ "content": { "role": "model", "parts": [{ "text": "Bonjour" }, { "functionCall": { "name": "translate", "args": { "to": "fr" } } }] },
                         "finishReason": "STOP" }],
        "usageMetadata": { "promptTokenCount": 1000, "candidatesTokenCount": 200, "totalTokenCount": 1200 },
        "modelVersion": "gemini-2.0-flash", "responseId": "gem-1"
    });
    let snake = json!({
        "candidates": [{ "content": { "role": "model", "parts": [{ "text": "Bonjour" }, { "function_call": { "name": "translate", "args": { "to": "fr" } } }] },
                         "finish_reason": "STOP" }],
        "usage_metadata": { "prompt_token_count": 1000, "candidates_token_count": 200, "total_token_count": 1200 },
        "model_version": "gemini-2.0-flash", "response_id": "gem-1"
    });
    for response in [camel, snake] {
        let (_turn, h) = common::observed();
        respond(response).unwrap();
        let s = h.span("respond");
        assert_eq!(
            string(&s, "gen_ai.provider.name").as_deref(),
            Some("gcp.gemini")
        );
        assert_eq!(string(&s, "gen_ai.response.id").as_deref(), Some("gem-1"));
        assert_eq!(
            string(&s, "gen_ai.response.model").as_deref(),
            Some("gemini-2.0-flash")
        );
        assert_eq!(
            attr(&s, "gen_ai.response.finish_reasons"),
            reasons(&["STOP"])
        );
        assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(1000));
        assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(200));
        assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.00018));
        assert_eq!(int(&s, "gen_ai.tool_calls.count"), Some(1));
        assert_eq!(string(&s, "gen_ai.tool.name").as_deref(), Some("translate"));
    }
}

#[derive(serde::Serialize)]
struct Usage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

#[derive(serde::Serialize)]
struct Choice {
    message: Msg,
    finish_reason: &'static str,
}

#[derive(serde::Serialize)]
struct Msg {
    content: String,
}

/// A typed response, as client crates such as async-openai define them.
#[derive(serde::Serialize)]
struct ChatCompletion {
    id: String,
    model: String,
    choices: Vec<Choice>,
    usage: Usage,
}

#[observe]
async fn typed_client(prompt: &str) -> Option<ChatCompletion> {
    Some(ChatCompletion {
        id: "chatcmpl-typed".into(),
        model: "gpt-4o".into(),
        choices: vec![Choice {
            message: Msg {
                content: format!("re: {prompt}"),
            },
            finish_reason: "stop",
        }],
        usage: Usage {
            prompt_tokens: 1000,
            completion_tokens: 500,
        },
    })
}

#[tokio::test]
async fn typed_responses_through_option_priced_by_the_processor() {
    common::python_layout();
    let (_turn, h) = common::observed();
    typed_client("hi").await.unwrap();
    let s = h.span("typed_client");
    assert_eq!(
        string(&s, "gen_ai.response.id").as_deref(),
        Some("chatcmpl-typed")
    );
    // no `pricing` on the function: the span processor prices it
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.0075));
    let completion = s
        .events
        .iter()
        .find(|e| e.name == "gen_ai.content.completion")
        .unwrap();
    assert_eq!(completion.attributes[0].value, Value::from("re: hi"));
}

static BUILT: AtomicUsize = AtomicUsize::new(0);

fn counted_pricing() -> PricingTable {
    BUILT.fetch_add(1, Ordering::SeqCst);
    pricing()
}

#[observe(pricing = counted_pricing())]
fn summarize(text: &str) -> String {
    record_usage("gpt-4o", TokenUsage::new(1000, 500));
    record_attributes([KeyValue::new("summary.words", 3)]);
    format!("summary of {} bytes", text.len())
}

#[test]
fn usage_recorded_in_the_body_is_priced_and_pricing_is_built_once() {
    common::python_layout();
    let (_turn, h) = common::observed();
    for _ in 0..3 {
        summarize("long text");
    }
    assert_eq!(BUILT.load(Ordering::SeqCst), 1);
    let spans = h.spans();
    assert_eq!(spans.len(), 3);
    let s = &spans[0];
    assert_eq!(
        string(s, "gen_ai.response.model").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(int(s, "gen_ai.usage.input_tokens"), Some(1000));
    assert_eq!(float(s, "gen_ai.usage.cost_usd"), Some(0.0075));
    assert_eq!(int(s, "summary.words"), Some(3));
}

#[observe(pricing = pricing())]
fn not_a_response(n: u32) -> Json {
    json!({ "answer": n })
}

#[test]
fn output_that_is_not_a_response_is_json_and_unpriced() {
    common::python_layout();
    let (_turn, h) = common::observed();
    not_a_response(4);
    let s = h.span("not_a_response");
    assert_eq!(attr(&s, "gen_ai.usage.cost_usd"), None);
    assert_eq!(attr(&s, "gen_ai.response.model"), None);
    let completion = s
        .events
        .iter()
        .find(|e| e.name == "gen_ai.content.completion")
        .unwrap();
    assert_eq!(
        completion.attributes[0].value,
        Value::from(r#"{"answer":4}"#)
    );
}

/// Regression: negative, fractional, string, null and overflowing token
/// counts became 0 tokens, and the call was priced at $0.
#[test]
fn impossible_token_counts_leave_the_call_unpriced_and_marked() {
    common::python_layout();
    let (_turn, h) = common::observed();
    for (i, bad) in [
        json!(-5),
        json!(10.5),
        json!("10"),
        json!(null),
        json!(true),
        json!(1e30),
        json!(2_000_000_000_000u64),
    ]
    .into_iter()
    .enumerate()
    {
        h.exporter.reset();
        let response = json!({"model": "gpt-4o", "choices": [],
                              "usage": {"prompt_tokens": bad, "completion_tokens": 5}});
        respond(response).unwrap();
        let s = h.span("respond");
        assert_eq!(
            attr(&s, "gen_ai.l9.usage_invalid"),
            Some(Value::Bool(true)),
            "case {i}"
        );
        assert_eq!(int(&s, "gen_ai.usage.input_tokens"), None, "case {i}");
        assert_eq!(int(&s, "gen_ai.usage.output_tokens"), None, "case {i}");
        assert_eq!(float(&s, "gen_ai.usage.cost_usd"), None, "case {i}");
        assert_eq!(
            string(&s, "gen_ai.response.model").as_deref(),
            Some("gpt-4o")
        );
    }
    // A count at the bound is still priced.
    h.exporter.reset();
    respond(json!({"model": "gpt-4o", "choices": [],
                   "usage": {"prompt_tokens": 1_000_000_000_000u64, "completion_tokens": 0}}))
    .unwrap();
    let s = h.span("respond");
    assert_eq!(attr(&s, "gen_ai.l9.usage_invalid"), None);
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(2_500_000.0));
}

/// Counts that contradict each other (more cached tokens than input, more
/// reasoning than output) cannot be priced without billing a token twice:
/// the span is marked, not priced.
#[test]
fn contradictory_token_counts_leave_the_call_unpriced_and_marked() {
    common::python_layout();
    let (_turn, h) = common::observed();
    for (i, usage) in [
        json!({"prompt_tokens": 100, "completion_tokens": 5,
               "prompt_tokens_details": {"cached_tokens": 101}}),
        json!({"prompt_tokens": 100, "completion_tokens": 5,
               "completion_tokens_details": {"reasoning_tokens": 6}}),
    ]
    .into_iter()
    .enumerate()
    {
        h.exporter.reset();
        respond(json!({"model": "gpt-4o", "choices": [], "usage": usage})).unwrap();
        let s = h.span("respond");
        assert_eq!(
            attr(&s, "gen_ai.l9.usage_invalid"),
            Some(Value::Bool(true)),
            "case {i}"
        );
        assert_eq!(int(&s, "gen_ai.usage.input_tokens"), None, "case {i}");
        assert_eq!(float(&s, "gen_ai.usage.cost_usd"), None, "case {i}");
    }
    // Every input token cached is consistent, and priced at the cache price:
    // 100 × 1.25 + 5 × 10.0 per million.
    h.exporter.reset();
    respond(
        json!({"model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": 100,
        "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 100}}}),
    )
    .unwrap();
    let s = h.span("respond");
    assert_eq!(attr(&s, "gen_ai.l9.usage_invalid"), None);
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.000175));
}
