//! Observed functions follow the pipeline as it is registered: through
//! `last9_genai::set_tracer_provider` (an `SdkTracerProvider` is then used
//! directly) or through `opentelemetry::global` (reached through the global
//! API). (Its own binary: it replaces the global provider.)

use last9_genai::{Last9SpanProcessor, observe};
use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};

#[observe]
fn step(n: u32) -> u32 {
    n + 1
}

fn pipeline() -> (SdkTracerProvider, InMemorySpanExporter) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder().wrap(SimpleSpanProcessor::new(exporter.clone())),
        )
        .build();
    (provider, exporter)
}

/// Calls `step` under a parent span of `provider` and checks that `exporter`
/// got the observed span, with its parent link and argument; then empties
/// `exporter`.
fn check(provider: &SdkTracerProvider, exporter: &InMemorySpanExporter, n: u32) {
    let parent = provider.tracer("app").start("parent");
    let parent_id = parent.span_context().span_id();
    {
        let _guard = opentelemetry::Context::current_with_span(parent).attach();
        assert_eq!(step(n), n + 1);
    }
    let spans = exporter.get_finished_spans().unwrap();
    let observed = spans
        .iter()
        .find(|s| s.name == "step")
        .unwrap_or_else(|| panic!("no observed span in {spans:?}"));
    assert_eq!(observed.parent_span_id, parent_id);
    let arg = observed
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "function.arg.n")
        .map(|kv| kv.value.clone());
    assert_eq!(arg, Some(opentelemetry::Value::I64(i64::from(n))));
    exporter.reset();
}

#[test]
fn observed_functions_follow_the_registered_pipeline() {
    // Registered through the global API directly.
    let (first, first_spans) = pipeline();
    opentelemetry::global::set_tracer_provider(first.clone());
    check(&first, &first_spans, 1);

    // Registered through this crate: used as an `SdkTracerProvider`.
    let (second, second_spans) = pipeline();
    last9_genai::set_tracer_provider(second.clone());
    check(&second, &second_spans, 2);
    assert!(first_spans.get_finished_spans().unwrap().is_empty());

    // A new pipeline registered through the global API again: building its
    // processor made observed functions forget the typed provider.
    let (third, third_spans) = pipeline();
    opentelemetry::global::set_tracer_provider(third.clone());
    check(&third, &third_spans, 3);
    assert!(second_spans.get_finished_spans().unwrap().is_empty());

    // And back to a provider registered through this crate, on another
    // thread, whose tracer was never looked up.
    let (fourth, fourth_spans) = pipeline();
    last9_genai::set_tracer_provider(fourth.clone());
    std::thread::spawn(move || check(&fourth, &fourth_spans, 4))
        .join()
        .unwrap();
    assert!(third_spans.get_finished_spans().unwrap().is_empty());
}
