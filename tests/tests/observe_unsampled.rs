//! When the span is not sampled, an observed function serializes nothing,
//! yet context still flows to its children. (Its own binary: it installs a
//! global provider that samples nothing.)

use std::sync::atomic::{AtomicUsize, Ordering};

use last9_genai::{Last9SpanProcessor, observe};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, Sampler, SdkTracerProvider, SimpleSpanProcessor,
};

static SERIALIZED: AtomicUsize = AtomicUsize::new(0);

struct Counted(u32);

impl serde::Serialize for Counted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.fetch_add(1, Ordering::SeqCst);
        serializer.serialize_u32(self.0)
    }
}

#[observe]
fn work(input: Counted) -> Counted {
    // The observed span is current, though not recording.
    let cx = opentelemetry::Context::current();
    assert!(cx.span().span_context().is_valid());
    assert!(!cx.span().is_recording());
    Counted(input.0 + 1)
}

#[test]
fn nothing_is_serialized_for_a_span_that_is_not_sampled() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOff)
        .with_span_processor(
            Last9SpanProcessor::builder().wrap(SimpleSpanProcessor::new(exporter.clone())),
        )
        .build();
    last9_genai::set_tracer_provider(provider);
    for i in 0..3 {
        assert_eq!(work(Counted(i)).0, i + 1);
    }
    assert_eq!(SERIALIZED.load(Ordering::SeqCst), 0);
    assert!(exporter.get_finished_spans().unwrap().is_empty());
}
