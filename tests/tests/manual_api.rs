//! `Last9GenAI`: exact keys and value types, as the Python SDK writes them
//! (scenario "manual_cost_and_tool" of python-sdk-traces.jsonl). The tests
//! of keys that follow the content layout ask for the Python SDK's
//! (`common::python_layout`); the default layout's are in `observe_env.rs`.

mod common;

use common::{Harness, attr, float, int, string};
use last9_genai::{Last9GenAI, LlmCall, ObservationKind, Performance, TokenUsage, ToolCall};
use opentelemetry::trace::{Span as _, TraceContextExt, Tracer};
use opentelemetry::{Array, Context, KeyValue, Value};
use serde_json::json;

fn l9() -> Last9GenAI {
    Last9GenAI::new().pricing(common::pricing())
}

#[test]
fn llm_cost_attributes_and_the_returned_breakdown() {
    let h = Harness::with_pricing(None);
    let mut span = h.tracer.start("gen_ai.chat");
    let cost = l9()
        .add_llm_cost_attributes(&mut span, "gpt-4o", &TokenUsage::new(1000, 500))
        .unwrap();
    span.end();
    assert_eq!(
        (cost.input_usd(), cost.output_usd(), cost.total_usd()),
        (0.0025, 0.005, 0.0075)
    );
    let s = h.span("gen_ai.chat");
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.0075));
    assert_eq!(float(&s, "gen_ai.usage.cost_input_usd"), Some(0.0025));
    assert_eq!(float(&s, "gen_ai.usage.cost_output_usd"), Some(0.005));
}

#[test]
fn cost_tracking_switched_off_or_an_unknown_model_writes_nothing() {
    let h = Harness::with_pricing(None);
    let mut span = h.tracer.start("s");
    assert_eq!(
        l9().cost_tracking(false).add_llm_cost_attributes(
            &mut span,
            "gpt-4o",
            &TokenUsage::new(1, 1)
        ),
        None
    );
    assert_eq!(
        l9().add_llm_cost_attributes(&mut span, "unknown", &TokenUsage::new(1, 1)),
        None
    );
    assert_eq!(
        Last9GenAI::new().add_llm_cost_attributes(&mut span, "gpt-4o", &TokenUsage::new(1, 1)),
        None
    );
    span.end();
    assert_eq!(attr(&h.span("s"), "gen_ai.usage.cost_usd"), None);
}

#[test]
fn tool_attributes() {
    let h = Harness::new();
    let mut span = h.tracer.start("gen_ai.tool.search");
    l9().add_tool_attributes(
        &mut span,
        &ToolCall::new("web_search")
            .id("call_7")
            .tool_type("search")
            .description("searches the web")
            .arguments(json!({"query": "weather"}))
            .result(json!({"temp": 72}))
            .duration_ms(150),
    );
    span.end();
    let mut span = h.tracer.start("string_result");
    l9().add_tool_attributes(
        &mut span,
        &ToolCall::new("echo").result(json!("plain text")),
    );
    span.end();
    let s = h.span("gen_ai.tool.search");
    assert_eq!(
        string(&s, "gen_ai.tool.name").as_deref(),
        Some("web_search")
    );
    assert_eq!(string(&s, "gen_ai.tool.type").as_deref(), Some("search"));
    assert_eq!(
        string(&s, "gen_ai.tool.description").as_deref(),
        Some("searches the web")
    );
    assert_eq!(
        string(&s, "gen_ai.function.call.arguments").as_deref(),
        Some(r#"{"query":"weather"}"#)
    );
    assert_eq!(
        string(&s, "gen_ai.function.call.result").as_deref(),
        Some(r#"{"temp":72}"#)
    );
    // The conventions' keys beside the Python SDK's.
    assert_eq!(
        string(&s, "gen_ai.tool.call.arguments").as_deref(),
        Some(r#"{"query":"weather"}"#)
    );
    assert_eq!(
        string(&s, "gen_ai.tool.call.result").as_deref(),
        Some(r#"{"temp":72}"#)
    );
    assert_eq!(string(&s, "gen_ai.tool.call.id").as_deref(), Some("call_7"));
    assert_eq!(
        string(&s, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    assert_eq!(int(&s, "gen_ai.function.call.duration_ms"), Some(150));
    assert_eq!(string(&s, "gen_ai.l9.span.kind").as_deref(), Some("tool"));
    let s = h.span("string_result");
    assert_eq!(
        string(&s, "gen_ai.function.call.result").as_deref(),
        Some("plain text")
    );
    assert_eq!(attr(&s, "gen_ai.function.call.arguments"), None);
}

#[test]
fn workflow_and_conversation_attributes() {
    let h = Harness::new();
    let mut span = h.tracer.start("s");
    let l9 = l9();
    l9.add_workflow_attributes(
        &mut span,
        "wf-1",
        Some("retrieval"),
        Some("u1"),
        Some("sess"),
    );
    span.end();
    let mut span = h.tracer.start("c");
    l9.add_conversation_tracking(&mut span, "conv-1", Some("u2"), None, Some(4));
    span.end();
    let s = h.span("s");
    assert_eq!(string(&s, "workflow.id").as_deref(), Some("wf-1"));
    assert_eq!(string(&s, "workflow.type").as_deref(), Some("retrieval"));
    assert_eq!(string(&s, "workflow.user_id").as_deref(), Some("u1"));
    assert_eq!(string(&s, "workflow.session_id").as_deref(), Some("sess"));
    // No workflow of that id is open: no totals.
    assert_eq!(attr(&s, "workflow.llm_calls"), None);
    let c = h.span("c");
    assert_eq!(
        string(&c, "gen_ai.conversation.id").as_deref(),
        Some("conv-1")
    );
    // The Python SDK's key for this call, and the scopes' key.
    assert_eq!(string(&c, "workflow.user_id").as_deref(), Some("u2"));
    assert_eq!(string(&c, "user.id").as_deref(), Some("u2"));
    assert_eq!(int(&c, "gen_ai.conversation.turn_number"), Some(4));
}

/// The Python SDK writes a tracked workflow's totals with its attributes;
/// so does the manual API, from the open workflow's running totals.
#[test]
fn workflow_attributes_carry_the_open_workflows_totals() {
    let h = Harness::new();
    let wf = last9_genai::workflow("wf-2")
        .tracer(h.tracer.clone())
        .enter();
    let mut llm = h.tracer.start("chat");
    llm.set_attributes([
        KeyValue::new("gen_ai.request.model", "gpt-4o"),
        KeyValue::new("gen_ai.usage.input_tokens", 1000),
        KeyValue::new("gen_ai.usage.output_tokens", 500),
    ]);
    llm.end();
    let mut tool = h.tracer.start("tool");
    l9().add_tool_attributes(&mut tool, &ToolCall::new("search"));
    tool.end();
    let mut span = h.tracer.start("report");
    l9().add_workflow_attributes(&mut span, "wf-2", None, None, None);
    span.end();
    drop(wf);
    let report = h.span("report");
    assert_eq!(float(&report, "workflow.total_cost_usd"), Some(0.0075));
    assert_eq!(int(&report, "workflow.llm_calls"), Some(1));
    assert_eq!(int(&report, "workflow.tool_calls"), Some(1));
}

#[test]
fn standard_llm_attributes() {
    common::python_layout();
    let h = Harness::with_pricing(None);
    let mut span = h.tracer.start("chat");
    l9().add_standard_llm_attributes(
        &mut span,
        &LlmCall::new("claude-sonnet-4-5")
            .max_tokens(256)
            .temperature(0.2)
            .top_p(0.9)
            .frequency_penalty(0.1)
            .presence_penalty(0.3)
            .response_id("msg_01")
            .response_model("claude-sonnet-4-5-20250929")
            .finish_reasons(["end_turn"])
            .usage(
                TokenUsage::new(2000, 300)
                    .with_cache_read(1500)
                    .with_reasoning(50),
            ),
    );
    span.end();
    let s = h.span("chat");
    assert_eq!(
        string(&s, "gen_ai.request.model").as_deref(),
        Some("claude-sonnet-4-5")
    );
    assert_eq!(string(&s, "gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(
        string(&s, "gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    assert_eq!(string(&s, "gen_ai.system").as_deref(), Some("anthropic"));
    assert_eq!(int(&s, "gen_ai.request.max_tokens"), Some(256));
    assert_eq!(float(&s, "gen_ai.request.temperature"), Some(0.2));
    assert_eq!(float(&s, "gen_ai.request.top_p"), Some(0.9));
    assert_eq!(float(&s, "gen_ai.request.frequency_penalty"), Some(0.1));
    assert_eq!(float(&s, "gen_ai.request.presence_penalty"), Some(0.3));
    assert_eq!(string(&s, "gen_ai.response.id").as_deref(), Some("msg_01"));
    assert_eq!(
        string(&s, "gen_ai.response.model").as_deref(),
        Some("claude-sonnet-4-5-20250929")
    );
    assert_eq!(
        attr(&s, "gen_ai.response.finish_reasons"),
        Some(Value::Array(Array::String(vec!["end_turn".into()])))
    );
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(2000));
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(300));
    assert_eq!(int(&s, "gen_ai.usage.total_tokens"), Some(2300));
    assert_eq!(int(&s, "gen_ai.usage.cache_read.input_tokens"), Some(1500));
    assert_eq!(int(&s, "gen_ai.usage.reasoning.output_tokens"), Some(50));
    assert_eq!(attr(&s, "gen_ai.usage.cache_creation.input_tokens"), None);
}

#[test]
fn an_explicit_provider_and_operation_win() {
    let h = Harness::new();
    let mut span = h.tracer.start("embed");
    l9().add_standard_llm_attributes(
        &mut span,
        &LlmCall::new("nomic-embed")
            .provider("ollama")
            .operation("embeddings"),
    );
    span.end();
    let s = h.span("embed");
    assert_eq!(
        string(&s, "gen_ai.provider.name").as_deref(),
        Some("ollama")
    );
    assert_eq!(
        string(&s, "gen_ai.operation.name").as_deref(),
        Some("embeddings")
    );
}

#[test]
fn content_events_are_cut_on_character_boundaries() {
    common::python_layout();
    let h = Harness::new();
    let mut span = h.tracer.start("s");
    let long = "é".repeat(10);
    Last9GenAI::new()
        .content_limit(4)
        .add_content_events(&mut span, Some("Hi"), Some(&long));
    span.end();
    let s = h.span("s");
    assert_eq!(s.events.len(), 2);
    let prompt = &s.events[0];
    assert_eq!(prompt.name, "gen_ai.content.prompt");
    let get = |e: &opentelemetry::trace::Event, k: &str| {
        e.attributes
            .iter()
            .find(|kv| kv.key.as_str() == k)
            .map(|kv| kv.value.clone())
    };
    assert_eq!(get(prompt, "gen_ai.prompt"), Some(Value::from("Hi")));
    assert_eq!(get(prompt, "gen_ai.prompt.length"), Some(Value::I64(2)));
    assert_eq!(
        get(prompt, "gen_ai.prompt.truncated"),
        Some(Value::Bool(false))
    );
    let completion = &s.events[1];
    assert_eq!(completion.name, "gen_ai.content.completion");
    assert_eq!(
        get(completion, "gen_ai.completion"),
        Some(Value::from("éééé..."))
    );
    assert_eq!(
        get(completion, "gen_ai.completion.length"),
        Some(Value::I64(10))
    );
    assert_eq!(
        get(completion, "gen_ai.completion.truncated"),
        Some(Value::Bool(true))
    );
}

#[test]
fn prompt_versioning_hashes_the_template() {
    let h = Harness::new();
    let mut span = h.tracer.start("s");
    let hash = l9().add_prompt_versioning(&mut span, "Hello {name}", Some("greet"), Some("v2"));
    span.end();
    // python3 -c 'import hashlib; print(hashlib.sha256(b"Hello {name}").hexdigest()[:16])'
    assert_eq!(hash, "833583c574131c1e");
    assert_eq!(hash.len(), 16);
    let s = h.span("s");
    assert_eq!(string(&s, "gen_ai.prompt.hash"), Some(hash));
    assert_eq!(
        string(&s, "gen_ai.prompt.template").as_deref(),
        Some("Hello {name}")
    );
    assert_eq!(
        string(&s, "gen_ai.prompt.template_id").as_deref(),
        Some("greet")
    );
    assert_eq!(string(&s, "gen_ai.prompt.version").as_deref(), Some("v2"));
}

#[test]
fn performance_attributes_and_span_kind() {
    let h = Harness::new();
    let mut span = h.tracer.start("s");
    let l9 = l9();
    l9.add_performance_attributes(
        &mut span,
        &Performance {
            response_time_ms: Some(850.5),
            request_size_bytes: Some(120),
            response_size_bytes: Some(2048),
            quality_score: Some(0.9),
        },
    );
    l9.set_span_kind(&mut span, ObservationKind::Retriever);
    span.end();
    let s = h.span("s");
    assert_eq!(float(&s, "gen_ai.response.time_ms"), Some(850.5));
    assert_eq!(int(&s, "gen_ai.request.size_bytes"), Some(120));
    assert_eq!(int(&s, "gen_ai.response.size_bytes"), Some(2048));
    assert_eq!(float(&s, "gen_ai.quality.score"), Some(0.9));
    assert_eq!(
        string(&s, "gen_ai.l9.span.kind").as_deref(),
        Some("retriever")
    );
}

#[test]
fn works_on_the_current_span_through_a_span_ref() {
    let h = Harness::new();
    let span = h.tracer.start("current");
    let cx = Context::current_with_span(span);
    {
        let _guard = cx.clone().attach();
        l9().add_llm_cost_attributes(
            &mut Context::current().span(),
            "gpt-4o",
            &TokenUsage::new(1000, 500),
        );
    }
    cx.span().end();
    assert_eq!(
        float(&h.span("current"), "gen_ai.usage.cost_usd"),
        Some(0.0075)
    );
}

#[test]
fn unknown_span_kinds_are_refused_by_name() {
    assert_eq!("tool".parse(), Ok(ObservationKind::Tool));
    let err = "llmm".parse::<ObservationKind>().unwrap_err();
    assert_eq!(err.value(), "llmm");
    assert_eq!(
        err.to_string(),
        "unknown span kind \"llmm\": expected llm, tool, chain, agent, prompt, embedding or retriever"
    );
    let _: &dyn std::error::Error = &err;
}

/// A model, provider or operation name of any length is written cut at
/// `MAX_MODEL_NAME_LEN`, on a character boundary, and marked. (Regression:
/// the provider and operation names went out whole.)
#[test]
fn an_enormous_model_name_is_cut_at_the_cap() {
    common::python_layout();
    let h = Harness::with_pricing(None);
    let name = "é".repeat(100_000);
    let mut span = h.tracer.start("gen_ai.chat");
    Last9GenAI::new().add_standard_llm_attributes(
        &mut span,
        &LlmCall::new(name.clone())
            .response_model(name.clone())
            .provider(name.clone())
            .operation(name.clone()),
    );
    span.end();
    let s = h.span("gen_ai.chat");
    let cut = format!("{}{}", "é".repeat(128), last9_genai::TRUNCATION_MARKER);
    assert_eq!(last9_genai::MAX_MODEL_NAME_LEN, 256);
    for key in [
        "gen_ai.request.model",
        "gen_ai.response.model",
        "gen_ai.provider.name",
        "gen_ai.system",
        "gen_ai.operation.name",
    ] {
        assert_eq!(string(&s, key).as_ref(), Some(&cut), "{key}");
    }
}
