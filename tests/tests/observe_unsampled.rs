//! When the span is not sampled, an observed function serializes nothing,
//! yet its children still get the trace id and the decision. (Its own
//! binary: it installs a global provider whose sampler drops spans.)

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use common::DropByPrefix;
use last9_genai::{Last9SpanProcessor, observe};
use opentelemetry::Context;
use opentelemetry::trace::{
    Span as _, SpanContext, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler, SdkTracerProvider, ShouldSample};

static SERIALIZED: AtomicUsize = AtomicUsize::new(0);

/// The tests install the global provider: one at a time.
static TURN: Mutex<()> = Mutex::new(());

struct Counted(u32);

impl serde::Serialize for Counted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.fetch_add(1, Ordering::SeqCst);
        serializer.serialize_u32(self.0)
    }
}

/// Request parameters (`temperature`) are read apart from the other
/// arguments: not when unsampled either.
#[observe]
fn tuned(input: Counted, temperature: Counted, tool_call_id: Counted) -> u32 {
    input.0 + temperature.0 + tool_call_id.0
}

#[observe]
fn work(input: Counted) -> Counted {
    // The observed span is current, though not recording.
    let cx = Context::current();
    assert!(cx.span().span_context().is_valid());
    assert!(!cx.span().is_recording());
    Counted(input.0 + 1)
}

fn install(sampler: impl ShouldSample + 'static) -> (SdkTracerProvider, InMemorySpanExporter) {
    let (provider, exporter) = common::pipeline_with(sampler, Last9SpanProcessor::builder());
    last9_genai::set_tracer_provider(provider.clone());
    (provider, exporter)
}

#[test]
fn nothing_is_serialized_for_a_span_that_is_not_sampled() {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let (_, exporter) = install(Sampler::AlwaysOff);
    // The tests of this binary share the count (`cargo test` runs them in
    // one process): each starts from zero.
    SERIALIZED.store(0, Ordering::SeqCst);
    for i in 0..3 {
        assert_eq!(work(Counted(i)).0, i + 1);
        assert_eq!(tuned(Counted(i), Counted(1), Counted(2)), i + 3);
    }
    assert_eq!(SERIALIZED.load(Ordering::SeqCst), 0);
    assert!(exporter.get_finished_spans().unwrap().is_empty());
}

/// Regression: a call whose span the sampler dropped, counted in its
/// workflow, read its output for the usage and wrote it as text besides,
/// for nothing. Its output is walked once, for the usage alone.
#[test]
fn an_unsampled_call_in_a_workflow_walks_its_output_once() {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let (_, exporter) = install(Sampler::AlwaysOff);
    SERIALIZED.store(0, Ordering::SeqCst);
    {
        let _workflow = last9_genai::workflow("unsampled_flow").enter();
        assert_eq!(work(Counted(1)).0, 2);
    }
    assert_eq!(
        SERIALIZED.load(Ordering::SeqCst),
        1,
        "the response walk alone"
    );
    assert!(exporter.get_finished_spans().unwrap().is_empty());
}

/// Drops the spans whose names start with `dropped`, records the others.
const DROP_BY_NAME: DropByPrefix = DropByPrefix("dropped");

/// Returns the span context current in its body, and makes a child there.
#[observe(name = "dropped_call")]
fn dropped_call() -> u8 {
    let current = Context::current().span().span_context().clone();
    opentelemetry::global::tracer("app").in_span("child", |_| ());
    CURRENT.with(|c| *c.borrow_mut() = Some(current));
    7
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<SpanContext>> = const { std::cell::RefCell::new(None) };
}

fn current_in_body() -> SpanContext {
    CURRENT
        .with(|c| c.borrow_mut().take())
        .expect("the body ran")
}

/// Only the span named `child` was recorded: in `parent`'s trace, under it.
fn assert_only_child_under(exporter: &InMemorySpanExporter, parent: &SpanContext) {
    let spans = exporter.get_finished_spans().unwrap();
    let [child] = spans.as_slice() else {
        panic!("only the child is recorded: {spans:?}")
    };
    assert_eq!(child.name, "child");
    assert_eq!(child.span_context.trace_id(), parent.trace_id());
    assert_eq!(child.parent_span_id, parent.span_id());
}

#[test]
fn at_the_root_the_dropped_span_is_current_in_the_body() {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let (_, exporter) = install(DROP_BY_NAME);
    assert_eq!(dropped_call(), 7);
    let inside = current_in_body();
    assert!(inside.is_valid());
    assert!(!inside.is_sampled());
    assert_only_child_under(&exporter, &inside);
}

#[test]
fn inside_a_dropped_span_the_decision_is_inherited_without_a_new_context() {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let (provider, exporter) = install(DROP_BY_NAME);
    let outer = provider.tracer("app").start("dropped_outer");
    let outer_context = outer.span_context().clone();
    assert!(!outer_context.is_sampled());
    let _guard = Context::current_with_span(outer).attach();
    assert_eq!(dropped_call(), 7);
    // The outer span already carries the trace and the decision not to
    // sample: it stays current, and the call costs no context of its own.
    assert_eq!(current_in_body(), outer_context);
    assert_only_child_under(&exporter, &outer_context);
}

/// A workflow the sampler drops still holds what runs inside it in its
/// trace, under its span: not sampling a span is no reason to forget it.
#[test]
fn inside_a_dropped_workflow_spans_keep_its_trace_and_parent() {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let (provider, exporter) = install(DROP_BY_NAME);
    let wf = last9_genai::workflow("dropped_workflow")
        .tracer(provider.tracer("app"))
        .start();
    let dropped = wf.context().span().span_context().clone();
    assert!(dropped.is_valid());
    assert!(!dropped.is_sampled());
    {
        let _inside = wf.context().clone().attach();
        provider.tracer("app").in_span("child", |_| ());
    }
    drop(wf);
    assert_only_child_under(&exporter, &dropped);
}

/// Under a sampled span, a dropped call's own context is made current in
/// its body: its children are made under it, not under the outer span.
#[test]
fn under_a_sampled_span_a_dropped_call_is_current_in_its_body() {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let (provider, exporter) = install(DROP_BY_NAME);
    let outer = provider.tracer("app").start("outer");
    let outer_context = outer.span_context().clone();
    assert!(outer_context.is_sampled());
    let guard = Context::current_with_span(outer).attach();
    assert_eq!(dropped_call(), 7);
    let inside = current_in_body();
    assert!(inside.is_valid());
    assert!(!inside.is_sampled());
    assert_ne!(inside.span_id(), outer_context.span_id());
    drop(guard);
    let spans = exporter.get_finished_spans().unwrap();
    let child = spans.iter().find(|s| s.name == "child").unwrap();
    assert_eq!(child.span_context.trace_id(), outer_context.trace_id());
    assert_eq!(child.parent_span_id, inside.span_id());
}
