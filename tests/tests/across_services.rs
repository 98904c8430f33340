//! Two axum services on 127.0.0.1: the upstream calls the downstream with
//! the trace and the conversation in its headers; the downstream's spans
//! share the trace id and carry the upstream's conversation id.

#![allow(clippy::await_holding_lock)]

mod common;

use axum::Router;
use axum::routing::get;
use common::{attr, string};
use last9_genai::{Propagation, PropagationLayer, ScopeExt, conversation, observe};

fn propagation() -> Propagation {
    Propagation::new()
        .carry_conversation()
        .carry_user()
        .max_value_len(32)
}

#[observe(kind = "tool")]
async fn downstream_lookup() -> &'static str {
    "found"
}

async fn downstream_handler() -> &'static str {
    downstream_lookup().await
}

#[observe(name = "upstream_answer")]
async fn call_downstream(port: u16) -> String {
    let mut headers = http::HeaderMap::new();
    propagation().inject(&mut headers);
    reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/lookup"))
        .headers(headers)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn serve(router: Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downstream_spans_share_the_trace_and_carry_the_upstream_conversation() {
    let (_turn, h) = common::observed();
    let downstream = serve(
        Router::new()
            .route("/lookup", get(downstream_handler))
            .layer(PropagationLayer::new(propagation())),
    )
    .await;
    let answer = call_downstream(downstream)
        .with_scope(conversation("session_123").user_id("user_456"))
        .await;
    assert_eq!(answer, "found");
    let upstream = h.span("upstream_answer");
    let lookup = h.span("downstream_lookup");
    assert_eq!(
        lookup.span_context.trace_id(),
        upstream.span_context.trace_id()
    );
    assert_eq!(lookup.parent_span_id, upstream.span_context.span_id());
    assert!(lookup.parent_span_is_remote);
    assert_eq!(
        string(&lookup, "gen_ai.conversation.id").as_deref(),
        Some("session_123")
    );
    assert_eq!(string(&lookup, "user.id").as_deref(), Some("user_456"));
}

#[tokio::test]
async fn ids_are_carried_only_when_allowed_and_untrusted_values_are_cleaned() {
    let (_turn, h) = common::observed();
    // Nothing allowed: only the trace continues.
    let downstream = serve(
        Router::new()
            .route("/lookup", get(downstream_handler))
            .layer(PropagationLayer::new(Propagation::new())),
    )
    .await;
    call_downstream(downstream)
        .with_scope(conversation("session_123"))
        .await;
    assert_eq!(
        attr(&h.span("downstream_lookup"), "gen_ai.conversation.id"),
        None
    );

    // A hostile request: control characters, separators, an endless id.
    let downstream = serve(
        Router::new()
            .route("/lookup", get(downstream_handler))
            .layer(PropagationLayer::new(propagation().conversation_header(
                http::HeaderName::from_static("x-conversation-id"),
            ))),
    )
    .await;
    h.exporter.reset();
    let long = "é".repeat(100);
    reqwest::Client::new()
        .get(format!("http://127.0.0.1:{downstream}/lookup"))
        .header("x-conversation-id", format!(" conv\t\"42\";{long}"))
        .header("baggage", "user.id=eve%0A%0D,workflow.id=forged,custom.x=y")
        .send()
        .await
        .unwrap();
    let lookup = h.span("downstream_lookup");
    let conversation = string(&lookup, "gen_ai.conversation.id").unwrap();
    assert!(conversation.starts_with("conv42"), "{conversation}");
    assert!(conversation.len() <= 32 && conversation.is_char_boundary(conversation.len()));
    assert_eq!(string(&lookup, "user.id").as_deref(), Some("eve"));
    // not allowed by this propagation
    assert_eq!(attr(&lookup, "workflow.id"), None);
    assert_eq!(attr(&lookup, "custom.x"), None);

    // A user id header, as a gateway sends it: sanitized, and it wins over
    // baggage.
    let downstream = serve(
        Router::new()
            .route("/lookup", get(downstream_handler))
            .layer(PropagationLayer::new(
                propagation().user_header(http::HeaderName::from_static("x-user-id")),
            )),
    )
    .await;
    h.exporter.reset();
    reqwest::Client::new()
        .get(format!("http://127.0.0.1:{downstream}/lookup"))
        .header("x-user-id", " ada;\t\"7\" ")
        .header("baggage", "user.id=eve")
        .send()
        .await
        .unwrap();
    let lookup = h.span("downstream_lookup");
    assert_eq!(string(&lookup, "user.id").as_deref(), Some("ada7"));
}

/// What one service carries, the next reads back: conversation id and turn
/// number, workflow id and type, and a user; a control character inside a
/// value (which `trim()` leaves) is dropped on the way in.
#[tokio::test]
async fn conversation_turn_and_workflow_survive_a_round_trip() {
    let (_turn, h) = common::observed();
    let propagation = Propagation::new()
        .carry_conversation()
        .carry_user()
        .carry_workflow();
    let mut headers = http::HeaderMap::new();
    async {
        propagation.inject(&mut headers);
    }
    .with_scope((
        conversation("session\u{7}_9").user_id("ada").turn_number(3),
        last9_genai::workflow("triage")
            .workflow_type("sup\u{0}port")
            .tracer(h.tracer.clone()),
    ))
    .await;
    let cx = propagation.extract(&headers);
    {
        let _inside = cx.attach();
        downstream_lookup().await;
    }
    let lookup = h.span("downstream_lookup");
    assert_eq!(
        string(&lookup, "gen_ai.conversation.id").as_deref(),
        Some("session_9")
    );
    assert_eq!(
        common::int(&lookup, "gen_ai.conversation.turn_number"),
        Some(3)
    );
    assert_eq!(string(&lookup, "user.id").as_deref(), Some("ada"));
    assert_eq!(string(&lookup, "workflow.id").as_deref(), Some("triage"));
    assert_eq!(string(&lookup, "workflow.type").as_deref(), Some("support"));
    // The run, too: the downstream span belongs to the same run.
    let run = string(&h.span("triage"), "gen_ai.l9.workflow.run_id").unwrap();
    assert_eq!(run.len(), 16);
    assert_eq!(
        string(&lookup, "gen_ai.l9.workflow.run_id").as_deref(),
        Some(run.as_str())
    );
    // And the trace continues: the downstream span's parent is upstream's.
    assert_eq!(
        lookup.parent_span_id,
        h.span("triage").span_context.span_id()
    );
}
