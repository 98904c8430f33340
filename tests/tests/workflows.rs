//! Workflow spans parent their steps and carry totals from every thread and
//! task the scope reached; nothing is kept after they close.

mod common;

use common::{Harness, float, int, string};
use last9_genai::{ScopeExt, spawn, spawn_thread, workflow};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer};

fn llm_call(h: &Harness, model: &'static str, input: i64, output: i64) {
    let mut span = h.tracer.start("chat");
    span.set_attributes([
        KeyValue::new("gen_ai.request.model", model),
        KeyValue::new("gen_ai.usage.input_tokens", input),
        KeyValue::new("gen_ai.usage.output_tokens", output),
    ]);
    span.end();
}

fn tool_call(h: &Harness) {
    let mut span = h.tracer.start("tool");
    span.set_attribute(KeyValue::new("gen_ai.l9.span.kind", "tool"));
    span.end();
}

#[test]
fn the_workflow_span_parents_its_steps_and_carries_the_totals() {
    let h = Harness::new();
    {
        let wf = workflow("rag_search")
            .workflow_type("retrieval")
            .tracer(h.tracer.clone())
            .enter();
        tool_call(&h);
        llm_call(&h, "gpt-4o", 1000, 500); // 0.0075
        llm_call(&h, "claude-sonnet-4-5", 2000, 300); // 0.0105
        llm_call(&h, "llama3.1", 10, 10); // unpriced: counted, no cost
        h.tracer.start("plain").end(); // neither
        assert_eq!(wf.llm_calls(), 3);
        assert_eq!(wf.tool_calls(), 1);
        assert_eq!(wf.total_cost_usd(), 0.018);
    }
    let wf = h.span("rag_search");
    assert_eq!(float(&wf, "workflow.total_cost_usd"), Some(0.018));
    assert_eq!(int(&wf, "workflow.llm_calls"), Some(3));
    assert_eq!(int(&wf, "workflow.tool_calls"), Some(1));
    assert_eq!(string(&wf, "workflow.id").as_deref(), Some("rag_search"));
    assert_eq!(string(&wf, "workflow.type").as_deref(), Some("retrieval"));
    assert_eq!(wf.status, opentelemetry::trace::Status::Ok);
    let wf_id = wf.span_context.span_id();
    for span in h.spans().iter().filter(|s| s.name != "rag_search") {
        assert_eq!(
            span.parent_span_id, wf_id,
            "{} is not a child of the workflow",
            span.name
        );
        assert_eq!(span.span_context.trace_id(), wf.span_context.trace_id());
    }
}

/// Regression: fifty runs of one workflow could not be told apart, and the
/// workflow span did not say what it was in the conventions' terms.
#[test]
fn each_run_has_its_own_id_and_the_span_its_conventions_name() {
    let h = Harness::new();
    let mut runs = Vec::new();
    for _ in 0..50 {
        let wf = workflow("answer_question").tracer(h.tracer.clone()).enter();
        runs.push(wf.run_id().to_owned());
        tool_call(&h);
    }
    let mut distinct = runs.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 50);
    assert!(
        runs.iter()
            .all(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    let spans = h.spans();
    for run in &runs {
        let in_run: Vec<_> = spans
            .iter()
            .filter(|s| string(s, "gen_ai.l9.workflow.run_id").as_deref() == Some(run.as_str()))
            .collect();
        let names: Vec<&str> = in_run.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(names, ["tool", "answer_question"], "run {run}");
        let wf = in_run[1];
        assert_eq!(
            string(wf, "gen_ai.operation.name").as_deref(),
            Some("invoke_workflow")
        );
        assert_eq!(
            string(wf, "gen_ai.workflow.name").as_deref(),
            Some("answer_question")
        );
        assert_eq!(
            string(wf, "openinference.span.kind").as_deref(),
            Some("CHAIN")
        );
        assert_eq!(
            string(wf, "workflow.id").as_deref(),
            Some("answer_question")
        );
        // Last9's own key, under Last9's namespace only: the previous name
        // goes out only when asked for (`previous_keys.rs`).
        assert_eq!(string(wf, "workflow.run_id"), None);
        assert_eq!(common::attr(wf, "workflow.total_cost_micro_usd"), None);
    }
}

#[test]
fn nested_workflows_roll_up_into_the_outer_one() {
    let h = Harness::new();
    {
        let _outer = workflow("outer").tracer(h.tracer.clone()).enter();
        llm_call(&h, "gpt-4o", 1000, 500);
        {
            let inner = workflow("inner").tracer(h.tracer.clone()).enter();
            llm_call(&h, "gpt-4o", 1000, 500);
            tool_call(&h);
            assert_eq!(inner.llm_calls(), 1);
        }
    }
    let inner = h.span("inner");
    assert_eq!(int(&inner, "workflow.llm_calls"), Some(1));
    assert_eq!(int(&inner, "workflow.tool_calls"), Some(1));
    assert_eq!(float(&inner, "workflow.total_cost_usd"), Some(0.0075));
    let outer = h.span("outer");
    assert_eq!(int(&outer, "workflow.llm_calls"), Some(2));
    assert_eq!(int(&outer, "workflow.tool_calls"), Some(1));
    assert_eq!(float(&outer, "workflow.total_cost_usd"), Some(0.015));
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_count_spans_on_every_task_and_thread_the_scope_reached() {
    let h = std::sync::Arc::new(Harness::new());
    let wf = workflow("fan_out").tracer(h.tracer.clone()).start();
    let h2 = h.clone();
    async move {
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let h = h2.clone();
            tasks.push(spawn(async move { llm_call(&h, "gpt-4o", 1000, 500) }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let h = h2.clone();
        spawn_thread(move || tool_call(&h)).join().unwrap();
        let h = h2.clone();
        last9_genai::spawn_blocking(move || tool_call(&h))
            .await
            .unwrap();
        // not carried: does not count
        let h = h2.clone();
        tokio::spawn(async move { llm_call(&h, "gpt-4o", 1000, 500) })
            .await
            .unwrap();
    }
    .with_scope(&wf)
    .await;
    assert_eq!(wf.llm_calls(), 10);
    assert_eq!(wf.tool_calls(), 2);
    assert_eq!(wf.total_cost_usd(), 0.075);
    drop(wf);
    let span = h.span("fan_out");
    assert_eq!(float(&span, "workflow.total_cost_usd"), Some(0.075));
    assert_eq!(int(&span, "workflow.llm_calls"), Some(10));
}

#[tokio::test]
async fn a_workflow_attached_to_a_future_closes_when_it_completes() {
    let h = Harness::new();
    let tracer = h.tracer.clone();
    async {
        llm_call(&h, "gpt-4o", 1000, 500);
        tokio::task::yield_now().await;
        tool_call(&h);
    }
    .with_scope(workflow("async_wf").tracer(tracer))
    .await;
    let wf = h.span("async_wf");
    assert_eq!(int(&wf, "workflow.llm_calls"), Some(1));
    assert_eq!(int(&wf, "workflow.tool_calls"), Some(1));
    assert_eq!(float(&wf, "workflow.total_cost_usd"), Some(0.0075));
}

#[test]
fn costs_already_on_spans_add_to_the_totals() {
    let h = Harness::with_pricing(None);
    {
        let _wf = workflow("pre_priced").tracer(h.tracer.clone()).enter();
        let mut span = h.tracer.start("chat");
        span.set_attributes([
            KeyValue::new("gen_ai.request.model", "anything"),
            KeyValue::new("gen_ai.usage.input_tokens", 1),
            KeyValue::new("gen_ai.usage.cost_usd", 0.25),
        ]);
        span.end();
    }
    assert_eq!(
        float(&h.span("pre_priced"), "workflow.total_cost_usd"),
        Some(0.25)
    );
}

#[test]
fn nothing_is_kept_after_a_hundred_thousand_workflows_close() {
    let h = Harness::with_pricing(Some(common::pricing()));
    // Keep the exporter from holding 300 000 spans: reset as we go.
    for i in 0..100_000 {
        let wf = workflow("w").tracer(h.tracer.clone()).enter();
        llm_call(&h, "gpt-4o", 10, 10);
        assert!(h.processor.0.open_workflow_spans() > 0);
        drop(wf);
        if i % 10_000 == 0 {
            h.exporter.reset();
        }
    }
    assert_eq!(h.processor.0.open_workflow_spans(), 0);
}

#[test]
fn a_workflow_closed_while_a_step_runs_does_not_leak_the_step() {
    let h = Harness::new();
    let wf = workflow("early").tracer(h.tracer.clone()).enter();
    let step = h.tracer.start("late_step");
    drop(wf);
    assert_eq!(h.processor.0.open_workflow_spans(), 1);
    drop(step);
    assert_eq!(h.processor.0.open_workflow_spans(), 0);
}

#[test]
fn a_workflow_closed_by_a_panic_ends_with_error() {
    let h = Harness::new();
    let tracer = h.tracer.clone();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _wf = workflow("doomed").tracer(tracer).enter();
        panic!("step failed");
    }));
    assert!(result.is_err());
    assert!(matches!(
        h.span("doomed").status,
        opentelemetry::trace::Status::Error { .. }
    ));
}

/// Regression: `fut.with_scope(a).with_scope(b)` used to lose `a`, because
/// the outer wrapper's context was hidden by the inner one's, taken before.
#[tokio::test]
async fn chained_scopes_all_apply_and_nested_workflows_close_innermost_first() {
    let h = Harness::new();
    let tracer = h.tracer.clone();
    async {
        llm_call(&h, "gpt-4o", 1000, 500);
        tool_call(&h);
    }
    .with_scope(last9_genai::conversation("c-chained").user_id("u1"))
    .with_scope(workflow("outer_wf").tracer(tracer.clone()))
    .with_scope(workflow("inner_wf").tracer(tracer))
    .with_scope(last9_genai::agent("planner"))
    .await;
    let chat = h.span("chat");
    assert_eq!(
        string(&chat, "gen_ai.conversation.id").as_deref(),
        Some("c-chained")
    );
    assert_eq!(string(&chat, "user.id").as_deref(), Some("u1"));
    assert_eq!(string(&chat, "workflow.id").as_deref(), Some("inner_wf"));
    assert_eq!(
        string(&chat, "gen_ai.agent.name").as_deref(),
        Some("planner")
    );
    let (outer, inner) = (h.span("outer_wf"), h.span("inner_wf"));
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
    assert_eq!(chat.parent_span_id, inner.span_context.span_id());
    // The inner workflow closed first, so its call reached the outer totals
    // before the outer span was written.
    for wf in [&outer, &inner] {
        assert_eq!(int(wf, "workflow.llm_calls"), Some(1));
        assert_eq!(int(wf, "workflow.tool_calls"), Some(1));
        assert_eq!(float(wf, "workflow.total_cost_usd"), Some(0.0075));
    }
    assert!(inner.end_time <= outer.end_time);
}

#[tokio::test]
async fn a_tuple_gives_several_scopes_at_once_the_first_outermost() {
    let h = Harness::new();
    let tracer = h.tracer.clone();
    async { llm_call(&h, "gpt-4o", 1000, 500) }
        .with_scope((
            last9_genai::conversation("c-tuple"),
            workflow("tuple_wf").tracer(tracer),
            last9_genai::custom_attributes([("tenant", "acme")]),
            last9_genai::conversation("c-inner"),
        ))
        .await;
    let chat = h.span("chat");
    // The later conversation is inside the earlier one: it wins.
    assert_eq!(
        string(&chat, "gen_ai.conversation.id").as_deref(),
        Some("c-inner")
    );
    assert_eq!(string(&chat, "workflow.id").as_deref(), Some("tuple_wf"));
    assert_eq!(string(&chat, "custom.tenant").as_deref(), Some("acme"));
    let wf = h.span("tuple_wf");
    assert_eq!(
        string(&wf, "gen_ai.conversation.id").as_deref(),
        Some("c-tuple")
    );
    assert_eq!(int(&wf, "workflow.llm_calls"), Some(1));
}
