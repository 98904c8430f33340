//! The Rust side of the comparison with the Python SDK: the scenarios of
//! `scripts/compare/python_scenarios.py`, written as the same JSON lines.
//! `scripts/compare-python.sh` runs both and compares them key by key; this
//! test runs only when it asks (`L9_COMPARE_OUT` names the output file).

#![allow(clippy::await_holding_lock)]

mod common;

use std::io::Write as _;

use last9_genai::{Last9GenAI, ScopeExt, ToolCall, agent, conversation, observe, workflow};
use opentelemetry::trace::{Status, Tracer as _};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{Value as Json, json};

fn openai_tool_calls() -> Json {
    json!({"id": "chatcmpl-7", "model": "gpt-4o",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_2", "type": "function",
                 "function": {"name": "get_time", "arguments": "{}"}}]}}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30}})
}

fn openai_text() -> Json {
    json!({"id": "chatcmpl-8", "model": "gpt-4o",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Paris."}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 2}})
}

#[observe(pricing = common::pricing())]
fn plan_tools(question: &str) -> Json {
    let _ = question;
    openai_tool_calls()
}

#[observe(pricing = common::pricing())]
fn ask_claude(prompt: &str) -> Json {
    let _ = prompt;
    json!({"id": "msg_7", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "stop_reason": "tool_use",
        "content": [{"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                     "input": {"city": "Paris"}}],
        "usage": {"input_tokens": 200, "output_tokens": 40}})
}

#[observe]
fn tuned_chat(prompt: &str, temperature: f64, max_tokens: u32, top_p: f64) -> Json {
    let _ = (prompt, temperature, max_tokens, top_p);
    openai_text()
}

#[observe]
fn chat_messages(messages: Json) -> Json {
    let _ = messages;
    openai_text()
}

#[observe(kind = "tool")]
fn lookup_order(order_id: u32) -> Json {
    let _ = order_id;
    json!({"status": "shipped"})
}

#[observe(kind = "agent", tags = ["support"], metadata = { "category": "customer_support" })]
fn support_agent(question: &str) -> Json {
    let _ = question;
    lookup_order(42)
}

#[derive(Debug)]
struct Upstream;

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("upstream timed out")
    }
}

#[observe]
async fn failing_async(x: u32) -> Result<u32, Upstream> {
    let _ = x;
    Err(Upstream)
}

fn manual_tracking(h: &common::Harness) {
    let l9 = Last9GenAI::new();
    let span_named = |name: &'static str, write: &dyn Fn(&mut opentelemetry_sdk::trace::Span)| {
        let mut span = h.tracer.start(name);
        write(&mut span);
        opentelemetry::trace::Span::end(&mut span);
    };
    span_named("manual.conversation", &|span| {
        l9.add_conversation_tracking(span, "conv_9", Some("user_9"), None, Some(2));
    });
    {
        // Python writes a workflow's totals when it tracks it; Rust, when
        // it is open.
        let _wf = workflow("wf_9").tracer(h.tracer.clone()).enter();
        span_named("manual.workflow", &|span| {
            l9.add_workflow_attributes(span, "wf_9", Some("support"), Some("user_9"), None);
        });
    }
    span_named("manual.tool", &|span| {
        l9.add_tool_attributes(
            span,
            &ToolCall::new("search")
                .tool_type("datastore")
                .arguments(json!({"q": "paris"}))
                .result(json!({"hits": 3}))
                .duration_ms(12),
        );
    });
    span_named("manual.llm", &|span| {
        l9.add_standard_llm_attributes(
            span,
            &last9_genai::LlmCall::new("gpt-4o")
                .max_tokens(100)
                .temperature(0.5)
                .response_id("chatcmpl-9")
                .response_model("gpt-4o-2024-08-06")
                .finish_reasons(["stop"])
                .usage(last9_genai::TokenUsage::new(10, 5)),
        );
    });
}

fn value(value: &Value) -> Json {
    match value {
        Value::Bool(b) => json!(b),
        Value::I64(n) => json!(n),
        Value::F64(f) => json!(f),
        Value::String(s) => json!(s.as_str()),
        Value::Array(Array::String(items)) => {
            json!(items.iter().map(|s| s.as_str()).collect::<Vec<_>>())
        }
        other => json!(other.to_string()),
    }
}

fn span_json(span: &SpanData, spans: &[SpanData]) -> Json {
    let parent = spans
        .iter()
        .find(|p| p.span_context.span_id() == span.parent_span_id)
        .map(|p| p.name.to_string());
    let attributes: serde_json::Map<String, Json> = span
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), value(&kv.value)))
        .collect();
    let events: Vec<Json> = span
        .events
        .iter()
        .map(|e| {
            let attributes: serde_json::Map<String, Json> = e
                .attributes
                .iter()
                .map(|kv| (kv.key.to_string(), value(&kv.value)))
                .collect();
            json!({"name": e.name, "attributes": attributes})
        })
        .collect();
    let status = match span.status {
        Status::Ok => "OK",
        Status::Error { .. } => "ERROR",
        Status::Unset => "UNSET",
    };
    json!({"name": span.name, "parent": parent, "status": status,
           "attributes": attributes, "events": events})
}

#[tokio::test]
#[ignore = "run by scripts/compare-python.sh, which sets L9_COMPARE_OUT"]
async fn write_the_scenarios() {
    let out = std::env::var("L9_COMPARE_OUT").expect("L9_COMPARE_OUT names the output file");
    // The comparison holds in the Python SDK's layout.
    common::python_layout();
    let (_turn, h) = common::observed();
    let mut file = std::fs::File::create(out).unwrap();
    let mut record = |scenario: &str| {
        let spans = h.spans();
        let spans: Vec<Json> = spans.iter().map(|s| span_json(s, &spans)).collect();
        writeln!(file, "{}", json!({"scenario": scenario, "spans": spans})).unwrap();
        h.exporter.reset();
    };
    plan_tools("weather and time in Paris?");
    record("openai_tool_calls");
    ask_claude("weather in Paris?");
    record("anthropic_tool_use");
    tuned_chat("capital of France?", 0.2, 100, 0.9);
    record("request_parameters");
    chat_messages(json!([{"role": "system", "content": "Answer in one word."},
                         {"role": "user", "content": "Capital of France?"}]));
    record("chat_messages");
    async {
        support_agent("where is my order?");
    }
    .with_scope((
        conversation("conv_a").user_id("user_a"),
        agent("support").id("agent_1").version("2"),
    ))
    .await;
    record("agent_with_tool");
    let _ = failing_async(3).await;
    record("async_error");
    manual_tracking(h);
    record("manual_tracking");
}
