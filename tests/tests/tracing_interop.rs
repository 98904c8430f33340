//! Scopes reach spans made through `tracing` with tracing-opentelemetry 0.34,
//! and GenAI spans recorded as `tracing` fields get priced.

mod common;

use common::{Harness, float, int, string};
use last9_genai::{ScopeExt, conversation, workflow};
use tracing_subscriber::layer::SubscriberExt;

fn subscriber(h: &Harness) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(h.tracer.clone()))
}

#[test]
fn tracing_spans_carry_the_current_scope() {
    let h = Harness::new();
    tracing::subscriber::with_default(subscriber(&h), || {
        let _c = conversation("session_123").user_id("user_456").enter();
        let outer = tracing::info_span!("request");
        let _entered = outer.enter();
        // a scope opened inside a tracing span reaches its children too
        let _w = workflow("answer").tracer(h.tracer.clone()).enter();
        tracing::info_span!("retrieve").in_scope(|| {});
    });
    let request = h.span("request");
    assert_eq!(
        string(&request, "gen_ai.conversation.id").as_deref(),
        Some("session_123")
    );
    assert_eq!(string(&request, "user.id").as_deref(), Some("user_456"));
    assert_eq!(string(&request, "workflow.id"), None);
    let retrieve = h.span("retrieve");
    assert_eq!(
        string(&retrieve, "gen_ai.conversation.id").as_deref(),
        Some("session_123")
    );
    assert_eq!(string(&retrieve, "workflow.id").as_deref(), Some("answer"));
    // the workflow span sits between the tracing parent and child
    let wf = h.span("answer");
    assert_eq!(wf.parent_span_id, request.span_context.span_id());
    assert_eq!(retrieve.parent_span_id, wf.span_context.span_id());
}

#[test]
fn rig_style_genai_fields_are_priced_and_counted_by_the_workflow() {
    let h = Harness::new();
    tracing::subscriber::with_default(subscriber(&h), || {
        let _w = workflow("agent_run").tracer(h.tracer.clone()).enter();
        // as rig-core records a completion: the model and usage as fields
        let span = tracing::info_span!(
            "chat",
            gen_ai.operation.name = "chat",
            gen_ai.request.model = "gpt-4o",
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
        );
        span.in_scope(|| {
            span.record("gen_ai.usage.input_tokens", 1000u64);
            span.record("gen_ai.usage.output_tokens", 500u64);
        });
        drop(span);
        tracing::info_span!("search", gen_ai.operation.name = "execute_tool").in_scope(|| {});
    });
    let chat = h.span("chat");
    assert_eq!(int(&chat, "gen_ai.usage.input_tokens"), Some(1000));
    assert_eq!(float(&chat, "gen_ai.usage.cost_usd"), Some(0.0075));
    let wf = h.span("agent_run");
    assert_eq!(int(&wf, "workflow.llm_calls"), Some(1));
    assert_eq!(int(&wf, "workflow.tool_calls"), Some(1));
    assert_eq!(float(&wf, "workflow.total_cost_usd"), Some(0.0075));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_spans_in_an_async_scope_carry_it() {
    let h = Harness::new();
    let dispatch = tracing::Dispatch::new(subscriber(&h));
    let task = async {
        tokio::task::yield_now().await;
        tracing::info_span!("step").in_scope(|| {});
    }
    .with_scope(conversation("async_conv"));
    let _default = tracing::dispatcher::set_default(&dispatch);
    task.await;
    assert_eq!(
        string(&h.span("step"), "gen_ai.conversation.id").as_deref(),
        Some("async_conv")
    );
}
