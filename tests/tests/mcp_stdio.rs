//! Over stdio, across two processes: this test is the agent, with a real
//! `rmcp` client; `mcp_stdio_server` (tests/src/bin) is the MCP server, a
//! child process exporting its spans to a collector on 127.0.0.1. One
//! trace across both: the server's spans continue the client's, carry the
//! client's conversation and workflow ids, and price the model call the
//! tool makes on the server's side; an errored tool is an error on both;
//! no secret from the tool's arguments or the baggage is exported.

// The test holds the harness's turn across awaits: one at a time.
#![allow(clippy::await_holding_lock)]

mod collector;
mod common;

use collector::{HttpCollector, attribute};
use common::string;
use last9_genai::{McpClient, Propagation, ScopeExt, conversation, workflow};
use opentelemetry::trace::SpanKind;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Proto;
use opentelemetry_proto::tonic::trace::v1::{Span, span};
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::json;

const SECRET: &str = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234";

fn text(span: &Span, key: &str) -> Option<String> {
    match attribute(&span.attributes, key)? {
        Proto::StringValue(text) => Some(text),
        _ => None,
    }
}

fn float(span: &Span, key: &str) -> Option<f64> {
    match attribute(&span.attributes, key)? {
        Proto::DoubleValue(value) => Some(value),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn over_stdio_one_trace_goes_across_two_processes() {
    let (_turn, h) = common::observed();
    let collector = HttpCollector::start();
    let pricing = std::env::temp_dir().join(format!("l9-mcp-{}.json", std::process::id()));
    std::fs::write(&pricing, r#"{"gpt-4o": {"input": 2.5, "output": 10.0}}"#).unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcp_stdio_server"));
    for key in [
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_TRACES_SAMPLER",
        "OTEL_EXPORTER_OTLP_HEADERS",
        last9_genai::BUNDLED_PRICES_ENV,
    ] {
        command.env_remove(key);
    }
    command
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{}", collector.port),
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_METRICS_EXPORTER", "none")
        .env("OTEL_SERVICE_NAME", "mcp-server")
        .env(last9_genai::PRICING_FILE_ENV, &pricing);
    let client = McpClient::serve(TokioChildProcess::new(command).unwrap())
        .await
        .unwrap()
        .propagation(Propagation::new().carry_conversation().carry_workflow())
        .over_stdio();
    async {
        let mut weather = CallToolRequestParams::new("weather");
        weather.arguments = Some(
            json!({"city": "Paris", "token": SECRET})
                .as_object()
                .cloned()
                .unwrap(),
        );
        let answer = client.call_tool(weather).await.unwrap();
        assert_eq!(answer.content[0].as_text().unwrap().text, "Paris: sunny");
        let broken = client
            .call_tool(CallToolRequestParams::new("broken"))
            .await
            .unwrap();
        assert_eq!(broken.is_error, Some(true));
    }
    .with_scope((
        conversation("stdio_session").user_id(SECRET),
        workflow("stdio_trip").tracer(h.tracer.clone()),
    ))
    .await;
    // Closing the client ends the child, which exports as it exits.
    client.into_inner().cancel().await.unwrap();
    let _ = std::fs::remove_file(&pricing);

    let ours = h.spans();
    let theirs: Vec<Span> = collector.spans().into_iter().map(|(_, s)| s).collect();
    let client_span = ours
        .iter()
        .find(|s| s.name == "tools/call weather" && s.span_kind == SpanKind::Client)
        .expect("the client's span");
    let server_span = theirs
        .iter()
        .find(|s| s.name == "tools/call weather" && s.kind == span::SpanKind::Server as i32)
        .unwrap_or_else(|| panic!("the server's span in {theirs:#?}"));
    let model = theirs
        .iter()
        .find(|s| s.name == "forecast")
        .expect("the model call inside the tool");

    // One trace: client (here) → server (there) → model call (there).
    let trace = client_span.span_context.trace_id().to_string();
    assert_eq!(hex(&server_span.trace_id), trace);
    assert_eq!(hex(&model.trace_id), trace);
    assert_eq!(
        hex(&server_span.parent_span_id),
        client_span.span_context.span_id().to_string()
    );
    assert_eq!(model.parent_span_id, server_span.span_id);

    // The client's conversation and workflow, on the server's side.
    for s in [server_span, model] {
        assert_eq!(
            text(s, "gen_ai.conversation.id").as_deref(),
            Some("stdio_session")
        );
        assert_eq!(text(s, "workflow.id").as_deref(), Some("stdio_trip"));
    }
    assert_eq!(
        text(server_span, "network.transport").as_deref(),
        Some("pipe")
    );
    assert_eq!(
        string(client_span, "network.transport").as_deref(),
        Some("pipe")
    );
    // The JSON-RPC id the request went with, on both sides.
    assert!(text(server_span, "jsonrpc.request.id").is_some());
    assert_eq!(
        string(client_span, "jsonrpc.request.id"),
        text(server_span, "jsonrpc.request.id")
    );
    // The model call, priced on the server's side: 1000 in, 500 out.
    assert_eq!(float(model, "gen_ai.usage.cost_usd"), Some(0.0075));

    // The errored tool, on both sides.
    let broken = theirs
        .iter()
        .find(|s| s.name == "tools/call broken")
        .expect("the server's errored tool");
    assert_eq!(text(broken, "error.type").as_deref(), Some("tool_error"));
    assert_eq!(
        broken.status.as_ref().map(|s| s.code),
        Some(opentelemetry_proto::tonic::trace::v1::status::StatusCode::Error as i32)
    );
    let ours_broken = ours.iter().find(|s| s.name == "tools/call broken").unwrap();
    assert_eq!(
        string(ours_broken, "error.type").as_deref(),
        Some("tool_error")
    );

    // No secret left either process: not the tool's argument, not the
    // user id (not allowed across), not the tool's error text.
    let exported = format!("{theirs:?}");
    assert!(!exported.contains("AbCdEfGhIjKlMnOp"), "{exported}");
    assert!(!exported.contains("user.id"), "{exported}");
}
