//! An agent's trace goes on through its MCP tools: a real `rmcp` client and
//! server, here over an in-process pipe. One trace across both sides: the
//! client's span (in the caller's workflow and conversation) parents the
//! server's, whose handler runs with the caller's conversation and
//! workflow ids as scopes, so a model call inside the tool is priced there
//! and carries them. Errors on both sides, the caller's `_meta` kept,
//! hostile `_meta` read safely, no secret exported.

// The tests hold the harness's turn across awaits: one at a time.
#![allow(clippy::await_holding_lock)]

mod common;
mod mcp_tools;

use common::{attr, float, int, string};
use last9_genai::{ScopeExt, conversation, workflow};
use mcp_tools::connected;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, RequestMetaObject};
use serde_json::json;

fn arguments(value: serde_json::Value) -> rmcp::model::JsonObject {
    match value {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    }
}

fn kind(span: &SpanData) -> SpanKind {
    span.span_kind.clone()
}

/// The one span named `name` of kind `kind`.
fn span(spans: &[SpanData], name: &str, wanted: SpanKind) -> SpanData {
    let found: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == name && kind(s) == wanted)
        .collect();
    assert_eq!(found.len(), 1, "{name} {wanted:?} in {:#?}", names(spans));
    found[0].clone()
}

fn names(spans: &[SpanData]) -> Vec<(String, SpanKind)> {
    spans
        .iter()
        .map(|s| (s.name.to_string(), kind(s)))
        .collect()
}

#[tokio::test]
async fn a_tool_call_is_one_trace_across_client_and_server() {
    let (_turn, h) = common::observed();
    let client = connected().await;
    let result = async {
        client
            .call_tool(
                CallToolRequestParams::new("weather")
                    .with_arguments(arguments(json!({"city": "Paris", "api_key": "hunter2"}))),
            )
            .await
            .unwrap()
    }
    .with_scope((
        conversation("session_77").user_id("ada"),
        workflow("trip").tracer(h.tracer.clone()),
    ))
    .await;
    assert_eq!(result.content[0].as_text().unwrap().text, "Paris: sunny");
    drop(client);

    let spans = h.spans();
    let client_span = span(&spans, "tools/call weather", SpanKind::Client);
    let server_span = span(&spans, "tools/call weather", SpanKind::Server);
    let model = h.span("forecast");
    let trip = h.span("trip");

    // One trace: workflow → client → server → model call.
    let trace = trip.span_context.trace_id();
    for s in [&client_span, &server_span, &model] {
        assert_eq!(s.span_context.trace_id(), trace, "{}", s.name);
    }
    assert_eq!(client_span.parent_span_id, trip.span_context.span_id());
    assert_eq!(
        server_span.parent_span_id,
        client_span.span_context.span_id()
    );
    assert!(server_span.parent_span_is_remote);
    assert_eq!(model.parent_span_id, server_span.span_context.span_id());

    // The conventions' MCP keys, on both sides.
    for s in [&client_span, &server_span] {
        assert_eq!(string(s, "mcp.method.name").as_deref(), Some("tools/call"));
        assert_eq!(string(s, "gen_ai.tool.name").as_deref(), Some("weather"));
        assert_eq!(
            string(s, "gen_ai.operation.name").as_deref(),
            Some("execute_tool")
        );
        assert_eq!(string(s, "gen_ai.l9.span.kind").as_deref(), Some("tool"));
        assert!(string(s, "mcp.protocol.version").is_some_and(|v| v.starts_with("20")));
        assert_eq!(s.status, Status::Ok);
        // The caller's conversation, on the server's side from baggage.
        assert_eq!(
            string(s, "gen_ai.conversation.id").as_deref(),
            Some("session_77")
        );
        assert_eq!(string(s, "workflow.id").as_deref(), Some("trip"));
    }
    // The arguments and the result, redacted, on the client's span; the
    // server's, under it, does not repeat them.
    let args = string(&client_span, "gen_ai.tool.call.arguments").unwrap();
    let args: serde_json::Value = serde_json::from_str(&args).unwrap();
    assert_eq!(args["city"], "Paris");
    assert_eq!(args["api_key"], "[REDACTED]");
    assert_eq!(
        string(&client_span, "gen_ai.tool.call.result").as_deref(),
        Some("Paris: sunny")
    );
    assert_eq!(string(&server_span, "gen_ai.tool.call.arguments"), None);
    assert_eq!(string(&server_span, "gen_ai.tool.call.result"), None);
    assert!(string(&server_span, "jsonrpc.request.id").is_some());
    // The user id was not allowed across.
    assert_eq!(string(&server_span, "user.id"), None);
    assert_eq!(string(&client_span, "user.id").as_deref(), Some("ada"));

    // The model call inside the tool: the caller's ids, priced here.
    assert_eq!(
        string(&model, "gen_ai.conversation.id").as_deref(),
        Some("session_77")
    );
    assert_eq!(string(&model, "workflow.id").as_deref(), Some("trip"));
    assert_eq!(float(&model, "gen_ai.usage.cost_usd"), Some(0.0075));

    // The caller's workflow counts the tool call.
    assert_eq!(int(&trip, "workflow.tool_calls"), Some(1));
}

#[tokio::test]
async fn a_tool_that_fails_is_an_error_on_both_sides() {
    let (_turn, h) = common::observed();
    let client = connected().await;
    let result = client
        .call_tool(CallToolRequestParams::new("broken"))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    let unknown = client
        .call_tool(CallToolRequestParams::new("missing"))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, rmcp::ServiceError::McpError(_)),
        "{unknown:?}"
    );
    drop(client);

    let spans = h.spans();
    for side in [SpanKind::Client, SpanKind::Server] {
        let broken = span(&spans, "tools/call broken", side.clone());
        assert_eq!(string(&broken, "error.type").as_deref(), Some("tool_error"));
        let Status::Error { description } = &broken.status else {
            panic!("{side:?}: {:?}", broken.status);
        };
        assert!(
            description.starts_with("the station is down"),
            "{description}"
        );
        assert!(!description.contains("AbCdEfGhIjKlMnOp"), "{description}");
        if side == SpanKind::Client {
            let result = string(&broken, "gen_ai.tool.call.result").unwrap();
            assert!(result.starts_with("the station is down"), "{result}");
            assert!(!result.contains("AbCdEfGhIjKlMnOp"), "{result}");
        }

        let missing = span(&spans, "tools/call missing", side.clone());
        assert_eq!(string(&missing, "error.type").as_deref(), Some("-32602"));
        assert_eq!(
            string(&missing, "rpc.response.status_code").as_deref(),
            Some("-32602")
        );
        assert!(matches!(missing.status, Status::Error { .. }));
    }
}

/// A server called by a client that sends no trace context (an untraced
/// agent, a desktop app) has no client span to hold the tool's arguments
/// and result: its own span, the root of a trace, holds them, redacted.
#[tokio::test]
async fn a_server_called_without_a_trace_keeps_the_content() {
    let (_turn, h) = common::observed();
    let plain = connected().await.into_inner();
    let result = plain
        .call_tool(
            CallToolRequestParams::new("weather")
                .with_arguments(arguments(json!({"city": "Oslo", "password": "hunter2"}))),
        )
        .await
        .unwrap();
    assert_eq!(result.content[0].as_text().unwrap().text, "Oslo: sunny");
    drop(plain);
    let spans = h.spans();
    assert_eq!(
        names(&spans)
            .iter()
            .filter(|(_, kind)| *kind == SpanKind::Client)
            .count(),
        0,
        "an untraced caller: {:?}",
        names(&spans)
    );
    let server_span = span(&spans, "tools/call weather", SpanKind::Server);
    assert!(!server_span.parent_span_is_remote);
    let args = string(&server_span, "gen_ai.tool.call.arguments").unwrap();
    let args: serde_json::Value = serde_json::from_str(&args).unwrap();
    assert_eq!(args["city"], "Oslo");
    assert_eq!(args["password"], "[REDACTED]");
    assert_eq!(
        string(&server_span, "gen_ai.tool.call.result").as_deref(),
        Some("Oslo: sunny")
    );
}

/// A client traced by another library (it sends a `traceparent` in
/// `_meta`, but does not say its span holds the content): the server's span
/// continues its trace and holds the content itself.
#[tokio::test]
async fn a_server_called_by_another_traced_client_keeps_the_content() {
    let (_turn, h) = common::observed();
    let plain = connected().await.into_inner();
    let mut params =
        CallToolRequestParams::new("weather").with_arguments(arguments(json!({"city": "Rome"})));
    let mut meta = RequestMetaObject::new();
    let theirs = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    meta.insert("traceparent".to_owned(), json!(theirs));
    params.meta = Some(meta);
    plain.call_tool(params).await.unwrap();
    drop(plain);
    let spans = h.spans();
    let server_span = span(&spans, "tools/call weather", SpanKind::Server);
    assert!(server_span.parent_span_is_remote);
    assert_eq!(
        server_span.span_context.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let args = string(&server_span, "gen_ai.tool.call.arguments").unwrap();
    assert!(args.contains("Rome"), "{args}");
    assert_eq!(
        string(&server_span, "gen_ai.tool.call.result").as_deref(),
        Some("Rome: sunny")
    );
}

/// A tool that panics: the server's span ends as an error of type `panic`
/// with the panic's message (redacted), and its duration is recorded; the
/// client, which never gets an answer and gives up, ends its span as
/// cancelled, status unset. Neither is left open.
#[tokio::test]
async fn a_panicking_tool_and_a_caller_that_gives_up_end_their_spans() {
    let (_turn, h) = common::observed();
    let client = connected().await;
    let gave_up = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        client.call_tool(CallToolRequestParams::new("panics")),
    )
    .await;
    assert!(gave_up.is_err(), "no answer comes: {gave_up:?}");
    // The client goes on: a next call is served.
    let next = client
        .call_tool(CallToolRequestParams::new("weather"))
        .await;
    assert!(next.is_ok(), "{next:?}");
    drop(client);

    let spans = h.spans();
    let server = span(&spans, "tools/call panics", SpanKind::Server);
    assert_eq!(string(&server, "error.type").as_deref(), Some("panic"));
    let Status::Error { description } = &server.status else {
        panic!("{:?}", server.status);
    };
    assert!(
        description.starts_with("the tool fell over"),
        "{description}"
    );
    assert!(!description.contains("AbCdEfGhIjKlMnOp"), "{description}");

    let client_span = span(&spans, "tools/call panics", SpanKind::Client);
    assert_eq!(client_span.status, Status::Unset);
    assert_eq!(string(&client_span, "error.type"), None);
    assert!(
        client_span
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "gen_ai.l9.cancelled" && kv.value == true.into()),
        "{:?}",
        client_span.attributes
    );
    assert_eq!(
        server.parent_span_id,
        client_span.span_context.span_id(),
        "still one trace"
    );
}

/// A `_meta` the caller set is kept: its `traceparent` (with no
/// `tracestate` of ours beside it), and the server's span continues the
/// caller's trace, not the client span's.
#[tokio::test]
async fn the_callers_meta_is_kept() {
    let (_turn, h) = common::observed();
    let client = connected().await;
    let theirs = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let mut params = CallToolRequestParams::new("weather");
    let mut meta = RequestMetaObject::new();
    meta.insert("traceparent".to_owned(), json!(theirs));
    meta.insert("progressToken".to_owned(), json!("p-1"));
    params.meta = Some(meta);
    client.call_tool(params).await.unwrap();
    drop(client);
    let spans = h.spans();
    let server_span = span(&spans, "tools/call weather", SpanKind::Server);
    assert_eq!(
        server_span.span_context.trace_id().to_string(),
        "0af7651916cd43dd8448eb211c80319c"
    );
    assert_eq!(server_span.parent_span_id.to_string(), "b7ad6b7169203331");
}

/// Hostile `_meta`: a malformed `traceparent`, values of the wrong type,
/// an enormous conversation id holding a secret and separators. The
/// request is served; the server's span starts a trace of its own; what it
/// reads is cut and cleaned.
#[tokio::test]
async fn hostile_meta_is_read_safely_and_the_request_served() {
    let (_turn, h) = common::observed();
    let client = connected().await;
    for meta in [
        json!({"traceparent": "00-zz-not-a-trace-01", "baggage": 17}),
        json!({"traceparent": ["00"], "tracestate": {"a": 1}}),
        json!({"baggage": format!(
            "gen_ai.conversation.id={}sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234;x\u{7},workflow.id=w",
            "a".repeat(100_000)
        )}),
    ] {
        let mut params = CallToolRequestParams::new("weather");
        let serde_json::Value::Object(meta) = meta else {
            unreachable!()
        };
        params.meta = Some(RequestMetaObject::from(meta));
        let result = client.call_tool(params).await.unwrap();
        assert_ne!(result.is_error, Some(true));
    }
    drop(client);
    let spans = h.spans();
    let served: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == "tools/call weather" && kind(s) == SpanKind::Server)
        .collect();
    assert_eq!(served.len(), 3);
    for s in &served {
        assert_eq!(s.status, Status::Ok);
        if let Some(id) = string(s, "gen_ai.conversation.id") {
            assert!(
                id.len() <= last9_genai::DEFAULT_MAX_VALUE_LEN,
                "{}",
                id.len()
            );
            assert!(!id.contains(';') && !id.contains('\u{7}'));
        }
        assert_eq!(attr(s, "user.id"), None);
    }
}

/// Streamable HTTP on loopback: the same trace across both sides, and the
/// transport's own keys: the session on the server's span, the server's
/// address and port on the client's.
#[tokio::test]
async fn over_streamable_http_the_trace_and_the_session_go_on() {
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::{StreamableHttpClientTransport, StreamableHttpService};

    let (_turn, h) = common::observed();
    let service = StreamableHttpService::new(
        || Ok(last9_genai::McpHandler::new(mcp_tools::Tools).propagation(mcp_tools::propagation())),
        LocalSessionManager::default().into(),
        Default::default(),
    );
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let url = format!("http://{address}/mcp");
    let config = StreamableHttpClientTransportConfig::with_uri(url.clone());
    let http = last9_genai::McpHttpClient::new(reqwest::Client::new());
    let transport = StreamableHttpClientTransport::with_client(http, config);
    let client = last9_genai::McpClient::serve(transport)
        .await
        .unwrap()
        .propagation(mcp_tools::propagation())
        .over_http(&url);
    async {
        client
            .call_tool(CallToolRequestParams::new("weather"))
            .await
            .unwrap()
    }
    .with_scope(conversation("over_http"))
    .await;
    drop(client);
    server.abort();

    let spans = h.spans();
    let client_span = span(&spans, "tools/call weather", SpanKind::Client);
    let server_span = span(&spans, "tools/call weather", SpanKind::Server);
    assert_eq!(
        server_span.parent_span_id,
        client_span.span_context.span_id()
    );
    assert_eq!(
        server_span.span_context.trace_id(),
        client_span.span_context.trace_id()
    );
    assert_eq!(
        string(&server_span, "gen_ai.conversation.id").as_deref(),
        Some("over_http")
    );
    // The session and the request's id, on both sides.
    let session = string(&server_span, "mcp.session.id");
    assert!(session.as_ref().is_some_and(|id| !id.is_empty()));
    assert_eq!(string(&client_span, "mcp.session.id"), session);
    let id = string(&server_span, "jsonrpc.request.id");
    assert!(id.is_some());
    assert_eq!(string(&client_span, "jsonrpc.request.id"), id);
    for s in [&client_span, &server_span] {
        assert_eq!(string(s, "network.transport").as_deref(), Some("tcp"));
        assert_eq!(string(s, "network.protocol.name").as_deref(), Some("http"));
    }
    assert_eq!(
        string(&client_span, "server.address").as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(
        int(&client_span, "server.port"),
        Some(i64::from(address.port()))
    );
    let model = h.span("forecast");
    assert_eq!(model.parent_span_id, server_span.span_context.span_id());
}

/// Every request `McpClient` sends is a client span and a server span under
/// it, named by its method (and target); one the server does not serve is
/// a JSON-RPC error on both sides.
#[tokio::test]
async fn every_request_the_client_sends_is_traced_on_both_sides() {
    use rmcp::model::{
        ArgumentInfo, CompleteRequestParams, GetPromptRequestParams, ReadResourceRequestParams,
        Reference,
    };
    let (_turn, h) = common::observed();
    let client = connected().await;
    assert!(client.list_tools(None).await.unwrap().tools.is_empty());
    client.list_prompts(None).await.unwrap();
    client.list_resources(None).await.unwrap();
    client.list_resource_templates(None).await.unwrap();
    let read = client
        .read_resource(ReadResourceRequestParams::new("file:///notes.txt"))
        .await;
    assert!(read.is_err());
    let prompt = client
        .get_prompt(GetPromptRequestParams::new("greet"))
        .await;
    assert!(prompt.is_err());
    let argument = ArgumentInfo::new("city", "Par");
    let completion = client
        .complete(CompleteRequestParams::new(
            Reference::for_prompt("greet"),
            argument,
        ))
        .await;
    assert!(
        completion.is_err(),
        "no completions offered: {completion:?}"
    );
    drop(client);
    let spans = h.spans();
    for name in [
        "tools/list",
        "prompts/list",
        "resources/list",
        "resources/templates/list",
    ] {
        let client_span = span(&spans, name, SpanKind::Client);
        let server_span = span(&spans, name, SpanKind::Server);
        assert_eq!(
            server_span.parent_span_id,
            client_span.span_context.span_id()
        );
        assert_eq!(
            string(&client_span, "mcp.method.name").as_deref(),
            Some(name)
        );
        assert_eq!(client_span.status, Status::Ok, "{name}");
        assert_eq!(attr(&client_span, "gen_ai.operation.name"), None, "{name}");
        // The id rmcp sent the request with, on both sides.
        let id = string(&server_span, "jsonrpc.request.id");
        assert!(id.is_some(), "{name}");
        assert_eq!(string(&client_span, "jsonrpc.request.id"), id, "{name}");
    }
    for (name, key, value) in [
        ("resources/read", "mcp.resource.uri", "file:///notes.txt"),
        ("prompts/get greet", "gen_ai.prompt.name", "greet"),
        (
            "completion/complete",
            "mcp.method.name",
            "completion/complete",
        ),
    ] {
        for side in [SpanKind::Client, SpanKind::Server] {
            let s = span(&spans, name, side.clone());
            assert_eq!(string(&s, key).as_deref(), Some(value), "{name} {side:?}");
            assert!(matches!(s.status, Status::Error { .. }), "{name} {side:?}");
            assert!(string(&s, "error.type").is_some_and(|code| code.starts_with('-')));
            assert!(
                string(&s, "jsonrpc.request.id").is_some(),
                "{name} {side:?}"
            );
        }
    }
    // Each request its own id.
    let mut ids: Vec<String> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Client)
        .filter_map(|s| string(s, "jsonrpc.request.id"))
        .collect();
    let sent = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((ids.len(), sent), (7, 7), "{ids:?}");
}

/// A client made with `McpClient::new` around a service already running
/// does not see its requests go out: its spans have no request id (the
/// server's have).
#[tokio::test]
async fn a_client_that_does_not_see_its_transport_has_no_request_id() {
    let (_turn, h) = common::observed();
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let handler = last9_genai::McpHandler::new(mcp_tools::Tools);
    tokio::spawn(async move {
        let running = handler.serve(server_end).await.unwrap();
        let _ = running.waiting().await;
    });
    let client = last9_genai::McpClient::new(().serve(client_end).await.unwrap());
    client.list_tools(None).await.unwrap();
    drop(client);
    let spans = h.spans();
    let client_span = span(&spans, "tools/list", SpanKind::Client);
    assert_eq!(string(&client_span, "jsonrpc.request.id"), None);
    let server_span = span(&spans, "tools/list", SpanKind::Server);
    assert!(string(&server_span, "jsonrpc.request.id").is_some());
}
