//! End to end against a real LLM-observability backend, Arize Phoenix: the
//! quickstart's spans exported over OTLP/HTTP and gRPC arrive with their
//! parent links, conversation id, token counts and cost, and Phoenix reads
//! them as a user sees them: an observed model call as an LLM span with its
//! model, provider, tokens and messages, an observed tool as a TOOL span,
//! with the session and user on each, as Phoenix's REST API reports them.
//!
//! Needs a Phoenix server: `scripts/phoenix.sh start` installs one into a
//! virtual environment and starts it on 127.0.0.1, and `.ci/run` does that
//! and runs these tests with `--ignored`, with `PHOENIX_URL` and
//! `PHOENIX_GRPC_ENDPOINT` set.

// The turn is held across the export's awaits on purpose.
#![allow(clippy::await_holding_lock)]

mod common;
mod mcp_tools;

use std::time::{Duration, Instant};

use last9_genai::{
    Install, ModelPricing, PricingTable, Protocol, ScopeExt, conversation, observe, workflow,
};
use opentelemetry::KeyValue;
use serde_json::{Value, json};

#[observe(kind = "agent")]
fn triage(question: &str) -> &'static str {
    let _ = question;
    "rag"
}

#[observe(kind = "tool")]
fn vector_search(query: &str) -> Vec<String> {
    vec![format!("doc about {query}")]
}

#[observe]
fn draft_answer(question: &str) -> Value {
    let _ = question;
    json!({ "id": "chatcmpl-e2e", "model": "gpt-4o",
            "choices": [{ "message": { "role": "assistant", "content": "Paris." }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 1200, "completion_tokens": 300 } })
}

#[observe]
fn pick_tool(model: &str, messages: Value) -> Value {
    let _ = (model, messages);
    json!({ "id": "chatcmpl-e2e-2", "model": "gpt-4o",
            "choices": [{ "message": { "role": "assistant", "content": null, "tool_calls": [
                { "id": "call_1", "type": "function", "function": { "name": "vector_search", "arguments": "{\"query\":\"paris\"}" } }] },
                "finish_reason": "tool_calls" }],
            "usage": { "prompt_tokens": 100, "completion_tokens": 10 } })
}

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: start Phoenix with scripts/phoenix.sh"))
}

/// `install()` sets the global provider: the two tests take turns, or one
/// test's spans could leave through the other's exporter.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

async fn export_to_phoenix(protocol: Protocol, endpoint: String, project: &str) {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let guard = Install::default()
        .protocol(protocol)
        .endpoint(endpoint)
        .service_name("e2e")
        .resource_attribute(KeyValue::new(
            "openinference.project.name",
            project.to_owned(),
        ))
        .pricing(PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap())
        .install()
        .unwrap();
    async {
        let _wf = workflow("rag_search").enter();
        triage("capital of France?");
        pick_tool(
            "gpt-4o",
            json!([{ "role": "system", "content": "Use the tools." },
                   { "role": "user", "content": "capital of France?" }]),
        );
        vector_search("paris");
        draft_answer("capital of France?");
    }
    // Phoenix keeps one session per id across projects: each run its own.
    .with_scope(conversation(session_of(project)).user_id("user_e2e"))
    .await;
    drop(guard);
}

/// The spans of `project`, once `expected` of them have arrived.
async fn phoenix_spans(project: &str, expected: usize) -> Vec<Value> {
    let url = format!("{}/v1/projects/{project}/spans", env("PHOENIX_URL"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = reqwest::get(&url).await
            && response.status().is_success()
        {
            let body: Value = response.json().await.unwrap();
            let spans = body["data"].as_array().cloned().unwrap_or_default();
            if spans.len() >= expected {
                return spans;
            }
        }
        assert!(
            Instant::now() < deadline,
            "Phoenix never reported {expected} spans for {project}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `key` of a span's attributes, flat (`a.b.c`) or nested as Phoenix may
/// return them.
fn attribute<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
    let attributes = &span["attributes"];
    attributes
        .get(key)
        .or_else(|| key.split('.').try_fold(attributes, |v, part| v.get(part)))
}

/// The conversation id of the run exported to `project`.
fn session_of(project: &str) -> String {
    format!("session_{project}")
}

/// Every span of the run, as Phoenix reports it.
const SPANS: usize = 5;

fn check(spans: &[Value], project: &str) {
    check_structure(spans, project);
    check_messages(spans);
}

fn span_named<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {spans:#?}"))
}

/// The messages as Phoenix shows them, read from the conventions' layout:
/// the model call's input and output, the turn that asks for a tool.
fn check_messages(spans: &[Value]) {
    let (chat, plan) = (
        span_named(spans, "draft_answer"),
        span_named(spans, "pick_tool"),
    );
    assert_eq!(
        attribute(chat, "llm.input_messages.0.message.content"),
        Some(&json!("capital of France?"))
    );
    assert_eq!(
        attribute(chat, "llm.input_messages.0.message.role"),
        Some(&json!("user"))
    );
    assert_eq!(
        attribute(chat, "llm.output_messages.0.message.content"),
        Some(&json!("Paris."))
    );
    assert_eq!(
        attribute(plan, "llm.input_messages.0.message.role"),
        Some(&json!("system"))
    );
    assert_eq!(
        attribute(plan, "llm.input_messages.1.message.content"),
        Some(&json!("capital of France?"))
    );
    assert_eq!(
        attribute(
            plan,
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name"
        ),
        Some(&json!("vector_search"))
    );
}

/// The attribute `key` of the event `name` of `span`, as Phoenix returns
/// its events.
fn event_attribute<'a>(span: &'a Value, name: &str, key: &str) -> Option<&'a Value> {
    span["events"]
        .as_array()?
        .iter()
        .find(|event| event["name"] == name)?
        .get("attributes")?
        .get(key)
}

/// The Python SDK's layout as Phoenix shows it: the texts on the spans'
/// events (Phoenix reads no events into its messages view).
fn check_python_events(spans: &[Value]) {
    let (chat, plan) = (
        span_named(spans, "draft_answer"),
        span_named(spans, "pick_tool"),
    );
    assert_eq!(
        event_attribute(chat, "gen_ai.content.prompt", "gen_ai.prompt"),
        Some(&json!("capital of France?"))
    );
    assert_eq!(
        event_attribute(chat, "gen_ai.content.completion", "gen_ai.completion"),
        Some(&json!("Paris."))
    );
    assert_eq!(
        event_attribute(plan, "gen_ai.tool.call", "tool_call.function.name"),
        Some(&json!("vector_search"))
    );
}

/// The run as Phoenix shows it whatever the layout: links, kinds, session
/// and user, model, provider, tokens, cost, totals.
fn check_structure(spans: &[Value], project: &str) {
    assert_eq!(spans.len(), SPANS, "{spans:#?}");
    let span = |name: &str| span_named(spans, name);
    let (wf, chat, plan, tool, agent) = (
        span("rag_search"),
        span("draft_answer"),
        span("pick_tool"),
        span("vector_search"),
        span("triage"),
    );
    let wf_id = &wf["context"]["span_id"];
    for step in [chat, plan, tool, agent] {
        assert_eq!(&step["parent_id"], wf_id);
        assert_eq!(step["context"]["trace_id"], wf["context"]["trace_id"]);
    }
    // What a user sees: kinds, session and user, status.
    assert_eq!(chat["span_kind"], "LLM");
    assert_eq!(plan["span_kind"], "LLM");
    assert_eq!(tool["span_kind"], "TOOL");
    assert_eq!(agent["span_kind"], "AGENT");
    assert_eq!(wf["span_kind"], "CHAIN");
    for s in [wf, chat, plan, tool, agent] {
        assert_eq!(
            attribute(s, "session.id"),
            Some(&json!(session_of(project)))
        );
        assert_eq!(attribute(s, "user.id"), Some(&json!("user_e2e")));
        assert_eq!(s["status_code"], "OK", "{}", s["name"]);
    }
    // The model call: model, provider, tokens, cost, messages.
    assert_eq!(attribute(chat, "llm.model_name"), Some(&json!("gpt-4o")));
    assert_eq!(attribute(chat, "llm.provider"), Some(&json!("openai")));
    assert_eq!(
        attribute(chat, "llm.token_count.prompt"),
        Some(&json!(1200))
    );
    assert_eq!(
        attribute(chat, "llm.token_count.completion"),
        Some(&json!(300))
    );
    assert_eq!(
        attribute(chat, "gen_ai.usage.cost_usd"),
        Some(&json!(0.006))
    );
    assert_eq!(attribute(plan, "gen_ai.tool_calls.count"), Some(&json!(1)));
    // The tool.
    assert_eq!(attribute(tool, "tool.name"), Some(&json!("vector_search")));
    // The workflow's totals: 0.006 + 100 × 2.50e-6 + 10 × 10.0e-6.
    assert_eq!(
        attribute(wf, "workflow.total_cost_usd"),
        Some(&json!(0.00635))
    );
    assert_eq!(attribute(wf, "workflow.llm_calls"), Some(&json!(2)));
    assert_eq!(attribute(wf, "workflow.tool_calls"), Some(&json!(1)));
}

/// Asks Phoenix's GraphQL API, which its UI reads, `query`.
async fn graphql(query: &str) -> Value {
    let url = format!("{}/graphql", env("PHOENIX_URL"));
    let response = reqwest::Client::new()
        .post(url)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"].clone()
}

/// What Phoenix's UI shows of `project`: each span's kind and the cost
/// Phoenix computes itself from its own model prices, and the sessions.
async fn check_what_the_ui_shows(project: &str) {
    let projects = graphql("{ projects { edges { node { id name } } } }").await;
    let id = projects["projects"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["node"]["name"] == project)
        .map(|p| p["node"]["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no project {project} in {projects:#}"));
    let query = format!(
        "{{ node(id: \"{id}\") {{ ... on Project {{
            sessions(first: 10) {{ edges {{ node {{ sessionId }} }} }}
            spans(first: 20) {{ edges {{ node {{ name spanKind
                costSummary {{ total {{ cost tokens }} }} }} }} }} }} }} }}"
    );
    // Phoenix makes sessions and costs a moment after the spans arrive.
    let deadline = Instant::now() + Duration::from_secs(30);
    let data = loop {
        let data = graphql(&query).await;
        let ready = data["node"]["sessions"]["edges"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        if ready || Instant::now() > deadline {
            break data;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let spans = data["node"]["spans"]["edges"].as_array().unwrap();
    let span = |name: &str| -> &Value {
        &spans
            .iter()
            .find(|s| s["node"]["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {spans:#?}"))["node"]
    };
    assert_eq!(spans.len(), SPANS);
    for (name, kind) in [
        ("rag_search", "chain"),
        ("triage", "agent"),
        ("pick_tool", "llm"),
        ("vector_search", "tool"),
        ("draft_answer", "llm"),
    ] {
        assert_eq!(span(name)["spanKind"], kind, "{name}");
    }
    // Phoenix prices gpt-4o from its own table: the same numbers as ours.
    assert_eq!(
        span("draft_answer")["costSummary"]["total"]["cost"],
        json!(0.006)
    );
    assert_eq!(
        span("draft_answer")["costSummary"]["total"]["tokens"],
        json!(1500.0)
    );
    assert_eq!(
        span("pick_tool")["costSummary"]["total"]["cost"],
        json!(0.00035)
    );
    // The conversation is one session.
    let sessions = data["node"]["sessions"]["edges"].as_array().unwrap();
    let ids: Vec<&Value> = sessions.iter().map(|s| &s["node"]["sessionId"]).collect();
    assert_eq!(ids, [&json!(session_of(project))]);
}

#[tokio::test]
#[ignore = "needs a Phoenix server (scripts/phoenix.sh); run by .ci/run"]
async fn spans_exported_over_http_arrive_in_phoenix() {
    let project = format!("l9-http-{}", std::process::id());
    export_to_phoenix(
        Protocol::HttpProtobuf,
        format!("{}/v1/traces", env("PHOENIX_URL")),
        &project,
    )
    .await;
    check(&phoenix_spans(&project, SPANS).await, &project);
    check_what_the_ui_shows(&project).await;
}

#[tokio::test]
#[ignore = "needs a Phoenix server (scripts/phoenix.sh); run by .ci/run"]
async fn spans_exported_over_grpc_arrive_in_phoenix() {
    let project = format!("l9-grpc-{}", std::process::id());
    export_to_phoenix(Protocol::Grpc, env("PHOENIX_GRPC_ENDPOINT"), &project).await;
    check(&phoenix_spans(&project, SPANS).await, &project);
    check_what_the_ui_shows(&project).await;
}

/// Each layout but the default (above) in a child process, the layout read
/// from the environment: `both` shows the messages and carries the Python
/// SDK's events; `python` gives Phoenix an LLM span with its model, tokens
/// and cost, and the texts on its events only.
#[test]
#[ignore = "needs a Phoenix server (scripts/phoenix.sh); run by .ci/run"]
fn each_layout_reaches_phoenix() {
    for layout in ["python", "both"] {
        common::run_child(
            "in_child_exports_in_one_layout",
            &[],
            &[
                (last9_genai::CONTENT_LAYOUT_ENV, layout),
                ("L9_PHOENIX_LAYOUT", layout),
            ],
        );
    }
}

#[tokio::test]
#[ignore = "run by each_layout_reaches_phoenix, with the layout set"]
async fn in_child_exports_in_one_layout() {
    // Run on its own (`--ignored`), it has no layout to check.
    let Ok(layout) = std::env::var("L9_PHOENIX_LAYOUT") else {
        return;
    };
    let project = format!("l9-{layout}-{}", std::process::id());
    export_to_phoenix(
        Protocol::HttpProtobuf,
        format!("{}/v1/traces", env("PHOENIX_URL")),
        &project,
    )
    .await;
    let spans = phoenix_spans(&project, SPANS).await;
    check_structure(&spans, &project);
    check_python_events(&spans);
    let chat = span_named(&spans, "draft_answer");
    match layout.as_str() {
        "both" => check_messages(&spans),
        _ => assert_eq!(
            attribute(chat, "llm.input_messages.0.message.content"),
            None
        ),
    }
}

/// The MCP tool an agent calls: the client's span, in the agent's.
#[observe(kind = "agent", name = "mcp_agent")]
async fn mcp_agent(client: &last9_genai::McpClient<()>) -> String {
    let answer = client
        .call_tool(rmcp::model::CallToolRequestParams::new("weather"))
        .await
        .unwrap();
    answer.content[0].as_text().unwrap().text.clone()
}

/// An agent calling a tool over MCP (a real rmcp client and server, over
/// an in-process pipe): Phoenix shows the MCP tool as a tool span under the
/// agent, in the agent's trace, with the server's span and the model call
/// the tool makes under it.
#[tokio::test]
#[ignore = "needs a Phoenix server (scripts/phoenix.sh); run by .ci/run"]
async fn an_mcp_tool_is_a_tool_span_under_the_agent_in_phoenix() {
    let project = format!("l9-mcp-{}", std::process::id());
    {
        let _turn = TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let guard = Install::default()
            .endpoint(format!("{}/v1/traces", env("PHOENIX_URL")))
            .service_name("e2e-mcp")
            .resource_attribute(KeyValue::new("openinference.project.name", project.clone()))
            .pricing(PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap())
            .install()
            .unwrap();
        let client = mcp_tools::connected().await;
        let answer = mcp_agent(&client)
            .with_scope(conversation(session_of(&project)))
            .await;
        assert_eq!(answer, "nowhere: sunny");
        drop(client);
        drop(guard);
    }
    // The agent, the client's and the server's spans of the tool call, the
    // model call inside the tool, and the server's `initialize`.
    let spans = phoenix_spans(&project, 5).await;
    let agent = span_named(&spans, "mcp_agent");
    let tool_spans: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"] == "tools/call weather")
        .collect();
    assert_eq!(tool_spans.len(), 2, "{spans:#?}");
    let client_span = tool_spans
        .iter()
        .find(|s| s["parent_id"] == agent["context"]["span_id"])
        .expect("the client's span under the agent");
    let server_span = tool_spans
        .iter()
        .find(|s| s["parent_id"] == client_span["context"]["span_id"])
        .expect("the server's span under the client's");
    let model = span_named(&spans, "forecast");
    assert_eq!(agent["span_kind"], "AGENT");
    assert_eq!(client_span["span_kind"], "TOOL");
    assert_eq!(attribute(client_span, "tool.name"), Some(&json!("weather")));
    assert_eq!(model["span_kind"], "LLM");
    assert_eq!(model["parent_id"], server_span["context"]["span_id"]);
    for s in [agent, *client_span, *server_span, model] {
        assert_eq!(s["context"]["trace_id"], agent["context"]["trace_id"]);
        assert_eq!(
            attribute(s, "session.id"),
            Some(&json!(session_of(&project)))
        );
    }
}
