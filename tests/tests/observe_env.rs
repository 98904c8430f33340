//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` says where content
//! goes: `false` / `NO_CONTENT` nowhere, `true` where each layout puts it,
//! `SPAN_ONLY` in span attributes, `EVENT_ONLY` in events, `SPAN_AND_EVENT`
//! both; a value it does not know is warned about and ignored. The modes
//! run with both layouts (`LAST9_GENAI_CONTENT_LAYOUT=both`), so that each
//! layout's place is seen. The variable is read once per
//! process, so each test runs itself again in a child process with the
//! variable set.

mod common;

use common::{attr, int};
use last9_genai::{
    CAPTURE_CONTENT_ENV, CONTENT_LAYOUT_ENV, ContentCapture, ContentLayout, observe,
};
use opentelemetry_sdk::trace::SpanData;

#[observe]
fn answer(prompt: &str) -> serde_json::Value {
    let _ = prompt;
    serde_json::json!({ "model": "gpt-4o", "choices": [{ "message": { "content": "private" } }],
                        "usage": { "prompt_tokens": 7, "completion_tokens": 1 } })
}

#[test]
fn the_variable_switches_content_capture_off() {
    common::run_child(
        "in_child_with_capture_off",
        &[],
        &[(CAPTURE_CONTENT_ENV, "false")],
    );
}

#[test]
#[ignore = "run by the_variable_switches_content_capture_off with the variable set"]
fn in_child_with_capture_off() {
    assert_eq!(std::env::var(CAPTURE_CONTENT_ENV).as_deref(), Ok("false"));
    let (_turn, h) = common::observed();
    assert!(!last9_genai::capture_content());
    answer("my secret question");
    let s = h.span("answer");
    assert_eq!(attr(&s, "function.arg.prompt"), None);
    assert!(s.events.is_empty(), "no prompt or completion events");
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(7));
}

#[observe]
fn plan(messages: serde_json::Value) -> serde_json::Value {
    let _ = messages;
    serde_json::json!({ "model": "gpt-4o", "choices": [{ "message": { "content": "private answer",
        "tool_calls": [{ "id": "c1", "type": "function",
                         "function": { "name": "lookup", "arguments": "{\"city\":\"plans\"}" } }] },
        "finish_reason": "tool_calls" }],
        "usage": { "prompt_tokens": 7, "completion_tokens": 1 } })
}

/// What of the content one call shows: (in attributes, in events).
fn content_of(span: &SpanData) -> (Vec<String>, Vec<String>) {
    let in_attributes = span
        .attributes
        .iter()
        .filter(|kv| kv.value.to_string().contains("private"))
        .map(|kv| kv.key.to_string())
        .collect();
    let in_events = span
        .events
        .iter()
        .flat_map(|e| e.attributes.iter().map(move |kv| (e.name.clone(), kv)))
        .filter(|(_, kv)| {
            let value = kv.value.to_string();
            value.contains("private") || value.contains("plans")
        })
        .map(|(event, kv)| format!("{event}/{}", kv.key))
        .collect();
    (in_attributes, in_events)
}

fn run_plan(mode: ContentCapture) -> (Vec<String>, Vec<String>) {
    let (_turn, h) = common::observed();
    assert_eq!(last9_genai::content_capture(), mode);
    plan(serde_json::json!([{ "role": "user", "content": "private question" }]));
    let s = h.span("plan");
    // Model, usage and the tool call's name whatever the mode.
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(7));
    assert_eq!(
        common::string(&s, "gen_ai.tool.name").as_deref(),
        Some("lookup")
    );
    assert_eq!(
        common::event_attr(&s, "gen_ai.tool.call", "tool_call.function.name").as_deref(),
        Some("lookup")
    );
    content_of(&s)
}

#[test]
fn each_mode_puts_content_where_it_says() {
    for (value, child) in [
        ("true", "in_child_on"),
        ("SPAN_ONLY", "in_child_span_only"),
        ("event_only", "in_child_event_only"),
        ("NO_CONTENT", "in_child_no_content"),
        ("SPAN_AND_EVENT", "in_child_span_and_event"),
    ] {
        common::run_child(
            child,
            &[],
            &[(CAPTURE_CONTENT_ENV, value), (CONTENT_LAYOUT_ENV, "both")],
        );
    }
}

/// The conventions' messages on the span, the Python SDK's text in
/// events, each once; the argument read as messages not again as
/// `function.arg.messages`.
#[test]
#[ignore = "run by each_mode_puts_content_where_it_says"]
fn in_child_on() {
    let (attributes, events) = run_plan(ContentCapture::On);
    assert_eq!(
        attributes,
        ["gen_ai.input.messages", "gen_ai.output.messages"]
    );
    assert_eq!(
        events,
        [
            "gen_ai.content.prompt/gen_ai.prompt",
            "gen_ai.tool.call/tool_call.function.arguments",
            "gen_ai.content.completion/gen_ai.completion",
        ]
    );
}

#[test]
#[ignore = "run by each_mode_puts_content_where_it_says"]
fn in_child_span_only() {
    let (attributes, events) = run_plan(ContentCapture::SpanOnly);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(
        attributes,
        [
            "gen_ai.input.messages",
            "gen_ai.prompt",
            "gen_ai.output.messages",
            "gen_ai.completion"
        ]
    );
    // Regression: with no events, the Python SDK's completion on the span
    // says the tool calls the events would have carried.
    let (_turn, h) = common::observed();
    plan(serde_json::json!([{ "role": "user", "content": "again" }]));
    assert_eq!(
        common::string(&h.span("plan"), "gen_ai.completion").as_deref(),
        Some(r#"private answer [tool call lookup({"city":"plans"})]"#)
    );
}

#[test]
#[ignore = "run by each_mode_puts_content_where_it_says"]
fn in_child_event_only() {
    let (attributes, events) = run_plan(ContentCapture::EventOnly);
    assert!(attributes.is_empty(), "{attributes:?}");
    assert_eq!(
        events,
        [
            "gen_ai.content.prompt/gen_ai.prompt",
            "gen_ai.tool.call/tool_call.function.arguments",
            "gen_ai.content.completion/gen_ai.completion",
            "gen_ai.client.inference.operation.details/gen_ai.input.messages",
            "gen_ai.client.inference.operation.details/gen_ai.output.messages",
        ]
    );
}

#[observe(kind = "tool")]
fn fetch_plans(city: &str) -> String {
    format!("private plans for {city}")
}

#[observe(kind = "chain")]
fn private_chain(question: &str) -> String {
    format!("private answer to {question}")
}

/// The event names and keys of `span` whose values hold `needle`.
fn event_keys_holding(span: &SpanData, needle: &str) -> Vec<String> {
    span.events
        .iter()
        .flat_map(|e| e.attributes.iter().map(move |kv| (e.name.clone(), kv)))
        .filter(|(_, kv)| kv.value.to_string().contains(needle))
        .map(|(event, kv)| format!("{event}/{}", kv.key))
        .collect()
}

/// Regression: in events only, in the conventions' layout alone, a tool's
/// arguments and result and a chain's input went nowhere. They go in the
/// conventions' event, and still nothing in span attributes.
#[test]
fn events_only_in_the_conventions_layout_keeps_tools_and_chains() {
    common::run_child(
        "in_child_event_only_conventions",
        &[CONTENT_LAYOUT_ENV],
        &[(CAPTURE_CONTENT_ENV, "EVENT_ONLY")],
    );
}

#[test]
#[ignore = "run by events_only_in_the_conventions_layout_keeps_tools_and_chains"]
fn in_child_event_only_conventions() {
    let (_turn, h) = common::observed();
    assert_eq!(last9_genai::content_layout(), ContentLayout::Conventions);
    fetch_plans("Paris");
    let key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234";
    private_chain(&format!("where, with {key}"));
    let details = "gen_ai.client.inference.operation.details";
    let tool = h.span("fetch_plans");
    let chain = h.span("private_chain");
    for span in [&tool, &chain] {
        assert!(content_of(span).0.is_empty(), "{:?}", span.attributes);
    }
    assert_eq!(
        event_keys_holding(&tool, "\"city\""),
        [format!("{details}/gen_ai.tool.call.arguments")]
    );
    assert_eq!(
        event_keys_holding(&tool, "private plans"),
        [format!("{details}/gen_ai.tool.call.result")]
    );
    // Secrets are cut out of the event's messages as out of any other.
    assert!(event_keys_holding(&chain, key).is_empty());
    assert_eq!(
        event_keys_holding(&chain, "[REDACTED]").len(),
        2,
        "{:?}",
        chain.events
    );
    assert_eq!(
        event_keys_holding(&chain, "where"),
        [
            format!("{details}/gen_ai.input.messages"),
            format!("{details}/gen_ai.output.messages")
        ]
    );
}

#[test]
#[ignore = "run by each_mode_puts_content_where_it_says"]
fn in_child_no_content() {
    let (attributes, events) = run_plan(ContentCapture::NoContent);
    assert!(
        attributes.is_empty() && events.is_empty(),
        "{attributes:?} {events:?}"
    );
}

#[test]
#[ignore = "run by each_mode_puts_content_where_it_says"]
fn in_child_span_and_event() {
    let (attributes, events) = run_plan(ContentCapture::SpanAndEvent);
    assert_eq!(attributes.len(), 4, "{attributes:?}");
    assert_eq!(events.len(), 5, "{events:?}");
}

/// A value the variable does not take is named in a warning, and content is
/// captured as by default.
#[test]
fn an_unknown_value_is_warned_about_and_ignored() {
    let output = common::run_child(
        "in_child_with_an_unknown_value",
        &[],
        &[(CAPTURE_CONTENT_ENV, "maybe"), (CONTENT_LAYOUT_ENV, "both")],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=\"maybe\" is not one of"),
        "{stderr}"
    );
}

#[test]
#[ignore = "run by an_unknown_value_is_warned_about_and_ignored"]
fn in_child_with_an_unknown_value() {
    run_plan(ContentCapture::On);
}

#[observe(pricing = common::pricing())]
fn cached_claude(prompt: &str) -> serde_json::Value {
    let _ = prompt;
    serde_json::json!({ "type": "message", "model": "claude-sonnet-4-5", "content": [],
        "stop_reason": "end_turn",
        "usage": { "input_tokens": 100, "output_tokens": 10, "cache_creation_input_tokens": 50 } })
}

/// `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`: the
/// deprecated `gen_ai.system` is left out and cache writes go under their
/// newer name, still priced.
#[test]
fn the_latest_conventions_are_an_opt_in() {
    common::run_child(
        "in_child_with_the_latest_conventions",
        &[],
        &[(
            "OTEL_SEMCONV_STABILITY_OPT_IN",
            "http,gen_ai_latest_experimental",
        )],
    );
    // And without it, the baseline names; `gen_ai.system`, deprecated, only
    // in the Python SDK's layout (below), not in the default one.
    let (_turn, h) = common::observed();
    assert_eq!(last9_genai::content_layout(), ContentLayout::Conventions);
    cached_claude("hi");
    let s = h.span("cached_claude");
    assert_eq!(attr(&s, "gen_ai.system"), None);
    assert_eq!(
        common::string(&s, "gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    assert_eq!(
        int(&s, "gen_ai.usage.cache_creation.input_tokens"),
        Some(50)
    );
    assert_eq!(attr(&s, "gen_ai.usage.cache_write.input_tokens"), None);
    // Without it, an agent's span carries its id and version.
    {
        let _agent = last9_genai::agent("planner")
            .id("ag-7")
            .version("2")
            .enter();
        run_agent();
    }
    let agent = h.span("run_agent");
    assert_eq!(
        common::string(&agent, "gen_ai.agent.id").as_deref(),
        Some("ag-7")
    );
    assert_eq!(
        common::string(&agent, "gen_ai.agent.version").as_deref(),
        Some("2")
    );
}

#[test]
#[ignore = "run by the_latest_conventions_are_an_opt_in"]
fn in_child_with_the_latest_conventions() {
    let (_turn, h) = common::observed();
    cached_claude("hi");
    let s = h.span("cached_claude");
    assert_eq!(attr(&s, "gen_ai.system"), None);
    assert_eq!(
        common::string(&s, "gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    assert_eq!(int(&s, "gen_ai.usage.cache_write.input_tokens"), Some(50));
    assert_eq!(attr(&s, "gen_ai.usage.cache_creation.input_tokens"), None);
    // 150 input tokens at 3.0, the 50 written at the same price (no cache
    // price in the table), 10 output at 15.0 per million.
    assert_eq!(common::float(&s, "gen_ai.usage.cost_usd"), Some(0.0006));
    // The agent's own span names it, without its id and version; the
    // calls inside it keep them.
    {
        let _agent = last9_genai::agent("planner")
            .id("ag-7")
            .version("2")
            .enter();
        run_agent();
    }
    let agent = h.span("run_agent");
    assert_eq!(
        common::string(&agent, "gen_ai.agent.name").as_deref(),
        Some("planner")
    );
    assert_eq!(attr(&agent, "gen_ai.agent.id"), None);
    assert_eq!(attr(&agent, "gen_ai.agent.version"), None);
    let inner = h.span("agent_step");
    assert_eq!(
        common::string(&inner, "gen_ai.agent.id").as_deref(),
        Some("ag-7")
    );
}

#[observe(kind = "agent")]
fn run_agent() {
    agent_step();
}

#[observe(kind = "tool")]
fn agent_step() {}

/// `gen_ai.system`, which the conventions deprecated, is written for the
/// Python SDK's dashboards in its layout (and `both`), from observed calls
/// and the manual API alike; the default layout leaves it out (above).
#[test]
fn the_deprecated_provider_key_goes_with_the_python_layout() {
    for layout in ["python", "both"] {
        common::run_child(
            "in_child_in_a_python_layout",
            &[],
            &[(CONTENT_LAYOUT_ENV, layout)],
        );
    }
}

#[test]
#[ignore = "run by the_deprecated_provider_key_goes_with_the_python_layout"]
fn in_child_in_a_python_layout() {
    let (_turn, h) = common::observed();
    assert!(last9_genai::content_layout().python());
    cached_claude("hi");
    let s = h.span("cached_claude");
    assert_eq!(
        common::string(&s, "gen_ai.system").as_deref(),
        Some("anthropic")
    );
    let manual = manual_call(h);
    assert_eq!(
        common::string(&manual, "gen_ai.system").as_deref(),
        Some("openai")
    );
    let events: Vec<&str> = manual.events.iter().map(|e| e.name.as_ref()).collect();
    let python = ["gen_ai.content.prompt", "gen_ai.content.completion"];
    let details = "gen_ai.client.inference.operation.details";
    if last9_genai::content_layout().conventions() {
        assert_eq!(events, [python[0], python[1], details]);
    } else {
        assert_eq!(events, python);
    }
    assert_eq!(
        common::event_attr(&manual, "gen_ai.content.prompt", "gen_ai.prompt").as_deref(),
        Some("What is 2+2?")
    );
}

/// A call written with the manual API (the Python SDK's API): model,
/// provider and its prompt and completion as events, in the layout set.
fn manual_call(h: &common::Harness) -> SpanData {
    use opentelemetry::trace::{Span as _, Tracer as _};
    let mut span = h.tracer.start("manual");
    let l9 = last9_genai::Last9GenAI::new();
    l9.add_standard_llm_attributes(&mut span, &last9_genai::LlmCall::new("gpt-4o"));
    l9.add_content_events(
        &mut span,
        Some("What is 2+2?"),
        Some("4, sk-ant-api03-AbCdEfGhIjKlMnOpQrSt_uvwx"),
    );
    span.end();
    h.span("manual")
}

/// In the default layout, the manual API's prompt and completion go in the
/// conventions' event as messages, valid JSON of their shape, redacted;
/// no `gen_ai.system`.
#[test]
fn the_manual_apis_content_follows_the_default_layout() {
    let (_turn, h) = common::observed();
    let manual = manual_call(h);
    assert_eq!(attr(&manual, "gen_ai.system"), None);
    let events: Vec<&str> = manual.events.iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(events, ["gen_ai.client.inference.operation.details"]);
    let details = "gen_ai.client.inference.operation.details";
    let input: serde_json::Value = serde_json::from_str(
        &common::event_attr(&manual, details, "gen_ai.input.messages").unwrap(),
    )
    .unwrap();
    assert_eq!(
        input,
        serde_json::json!([{"role": "user", "parts": [{"type": "text", "content": "What is 2+2?"}]}])
    );
    let output: serde_json::Value = serde_json::from_str(
        &common::event_attr(&manual, details, "gen_ai.output.messages").unwrap(),
    )
    .unwrap();
    assert_eq!(output[0]["role"], "assistant");
    assert_eq!(output[0]["finish_reason"], "stop");
    let text = output[0]["parts"][0]["content"].as_str().unwrap();
    assert!(
        text.starts_with("4, ") && !text.contains("AbCdEfGhIjKlMnOpQrSt"),
        "{text}"
    );
}
