//! A provider registered through `opentelemetry::global` directly, which this
//! crate is not told about, is reached through the global API: observed
//! functions look its tracer up once per thread and keep it, look it up
//! again after `RECHECK_AFTER` spans in a row that do not record (in case
//! the provider changed behind the global API), and tell a span its sampler
//! dropped from a tracer with no provider behind it. (Its own binary: it
//! registers global providers; one test, whose steps run in order on one
//! thread, since the tracer is kept per thread.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::DropByPrefix;
use last9_genai::{Last9SpanProcessor, observe};
use opentelemetry::trace::{SpanContext, TraceContextExt as _, TracerProvider};
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, SdkTracer, SdkTracerProvider, ShouldSample, SpanData,
};

/// `RECHECK_AFTER` in `last9-genai/src/observe/tracer.rs`.
const RECHECK_AFTER: usize = 1024;

/// Calls made in each step that waits for the tracer to be looked up again.
const CALLS: usize = RECHECK_AFTER + 6;

#[observe]
fn step(n: u32) -> u32 {
    n + 1
}

/// Dropped by `DropByPrefix("muted")`; calls `step`, and returns the span context
/// current in its body.
#[observe]
fn muted() -> SpanContext {
    assert_eq!(step(1), 2);
    Context::current().span().span_context().clone()
}

/// Dropped by `DropByPrefix("muted")`, with no child.
#[observe]
fn muted_leaf() {}

/// A provider that counts how often a tracer is asked of it.
#[derive(Debug)]
struct Counting {
    provider: SdkTracerProvider,
    lookups: Arc<AtomicUsize>,
}

impl TracerProvider for Counting {
    type Tracer = SdkTracer;

    fn tracer_with_scope(&self, scope: InstrumentationScope) -> SdkTracer {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.provider.tracer_with_scope(scope)
    }
}

struct Pipeline {
    provider: Counting,
    exporter: InMemorySpanExporter,
}

impl Pipeline {
    fn new(sampler: impl ShouldSample + 'static) -> Self {
        let (provider, exporter) = common::pipeline_with(sampler, Last9SpanProcessor::builder());
        let provider = Counting {
            provider,
            lookups: Arc::new(AtomicUsize::new(0)),
        };
        Self { provider, exporter }
    }

    /// Registers a copy of the provider through the global API, which
    /// this crate does not see.
    fn register_globally(&self) {
        opentelemetry::global::set_tracer_provider(Counting {
            provider: self.provider.provider.clone(),
            lookups: Arc::clone(&self.provider.lookups),
        });
    }

    fn lookups(&self) -> usize {
        self.provider.lookups.load(Ordering::SeqCst)
    }

    fn spans(&self, name: &str) -> Vec<SpanData> {
        let mut spans = self.exporter.get_finished_spans().unwrap();
        spans.retain(|s| s.name == name);
        spans
    }
}

#[test]
fn a_provider_registered_behind_the_global_api_is_found_and_kept() {
    // Both pipelines are built first: building a `Last9SpanProcessor` tells
    // observed functions to look their tracer up again, which would hide
    // the recheck this test is about.
    let first = Pipeline::new(DropByPrefix("muted"));
    let second = Pipeline::new(opentelemetry_sdk::trace::Sampler::AlwaysOn);

    // A pipeline exists, but no provider is registered: the global tracer,
    // looked up on the first call and kept, is a no-op.
    assert_eq!(step(0), 1);
    // Registered behind the global API: found only once `RECHECK_AFTER`
    // calls in a row made no span, counting the first one.
    first.register_globally();
    for n in 0..CALLS {
        assert_eq!(step(n as u32), n as u32 + 1);
    }
    assert_eq!(first.spans("step").len(), CALLS + 1 - RECHECK_AFTER);
    assert_eq!(first.lookups(), 1);

    // Kept: calls that record look nothing up.
    for n in 0..10 {
        assert_eq!(step(n), n + 1);
    }
    assert_eq!(first.spans("step").len(), CALLS + 1 - RECHECK_AFTER + 10);
    assert_eq!(first.lookups(), 1);

    // The span the global tracer's sampler dropped is not taken for a
    // missing provider: it is current in the body, so its child, recorded,
    // is under it, in its trace.
    first.exporter.reset();
    let dropped = muted();
    assert!(dropped.is_valid());
    assert!(!dropped.is_sampled());
    let child = first.spans("step");
    assert_eq!(child.len(), 1, "{child:?}");
    assert_eq!(child[0].parent_span_id, dropped.span_id());
    assert_eq!(child[0].span_context.trace_id(), dropped.trace_id());
    assert!(first.spans("muted").is_empty());

    // Spans the sampler drops count as well: after `RECHECK_AFTER` of them
    // in a row, a provider registered behind the global API meanwhile is
    // found.
    second.register_globally();
    for _ in 0..CALLS {
        muted_leaf();
    }
    assert_eq!(second.spans("muted_leaf").len(), CALLS - RECHECK_AFTER);
    assert_eq!(second.lookups(), 1);
    assert_eq!(first.lookups(), 1);
    assert!(first.spans("muted_leaf").is_empty());
}
