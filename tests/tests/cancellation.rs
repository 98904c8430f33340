//! An observed future dropped before it finishes (a timeout, a `select!`
//! that lost, a client that went away): its span is still exported, marked
//! cancelled with its status unset, under its workflow, which counts the
//! call and closes with no span left open.

#![allow(clippy::await_holding_lock)]

mod common;

use std::time::{Duration, Instant};

use common::{attr, float, int};
use last9_genai::{ScopeExt, TokenUsage, observe, record_usage, workflow};
use opentelemetry::Value;
use opentelemetry::trace::Status;

#[observe]
async fn slow_answer() -> String {
    record_usage("gpt-4o", TokenUsage::new(1000, 0));
    tokio::time::sleep(Duration::from_secs(30)).await;
    "never".to_owned()
}

#[observe]
async fn sleeps(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[tokio::test]
async fn a_cancelled_observed_future_is_exported_marked_and_counted() {
    let (_turn, h) = common::observed();
    let wf = workflow("support").tracer(h.tracer.clone()).start();
    let timed_out = tokio::time::timeout(Duration::from_millis(20), slow_answer().with_scope(&wf))
        .await
        .is_err();
    assert!(timed_out);
    assert_eq!(wf.llm_calls(), 1, "the cancelled call counts");
    assert_eq!(wf.total_cost_usd(), 0.0025, "at the usage it recorded");
    drop(wf);
    let call = h.span("slow_answer");
    assert_eq!(attr(&call, "gen_ai.l9.cancelled"), Some(Value::Bool(true)));
    assert_eq!(call.status, Status::Unset);
    assert_eq!(int(&call, "gen_ai.usage.input_tokens"), Some(1000));
    assert_eq!(float(&call, "gen_ai.usage.cost_usd"), Some(0.0025));
    // Under the key Langfuse reads a span's cost from, too.
    assert_eq!(float(&call, "gen_ai.usage.cost"), Some(0.0025));
    assert_eq!(
        call.parent_span_id,
        h.span("support").span_context.span_id()
    );
    assert_eq!(
        h.processor.0.open_workflow_spans(),
        0,
        "the workflow closed with no span left open"
    );
}

/// A future dropped before it finishes closes the workflows its scope
/// opened innermost first, as guards do: the inner workflow's span ends
/// before its parent's, and the outer one counts the inner one's call.
#[tokio::test]
async fn workflows_of_a_cancelled_future_close_innermost_first() {
    let (_turn, h) = common::observed();
    let timed_out = tokio::time::timeout(
        Duration::from_millis(20),
        slow_answer()
            .with_scope(workflow("outer").tracer(h.tracer.clone()))
            .with_scope(workflow("inner").tracer(h.tracer.clone())),
    )
    .await
    .is_err();
    assert!(timed_out);
    let (outer, inner) = (h.span("outer"), h.span("inner"));
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
    assert!(inner.end_time <= outer.end_time, "the inner one ends first");
    assert_eq!(int(&inner, "workflow.llm_calls"), Some(1));
    assert_eq!(int(&outer, "workflow.llm_calls"), Some(1));
    assert_eq!(h.processor.0.open_workflow_spans(), 0);
}

/// Regression: a `latency_ms` always 0.0 passed every test.
#[tokio::test]
async fn latency_is_at_least_the_time_the_call_took() {
    let (_turn, h) = common::observed();
    let start = Instant::now();
    sleeps(30).await;
    let took = start.elapsed().as_secs_f64() * 1000.0;
    let latency = float(&h.span("sleeps"), "latency_ms").unwrap();
    assert!(
        (30.0..=took).contains(&latency),
        "latency_ms {latency} is not between 30 and the {took} ms measured around the call"
    );
}
