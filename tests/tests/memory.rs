//! Memory stays flat: 10⁶ observed calls in 10⁵ workflows, each in its own
//! conversation, priced by `Last9SpanProcessor`, leave the heap where it was
//! after the first 10⁴ workflows. The allocator of this binary counts.

use last9_genai::{
    Last9SpanProcessor, ModelPricing, PricingTable, TokenUsage, conversation, observe,
    record_usage, workflow,
};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// Lets every span go once processed.
#[derive(Debug)]
struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _: &mut Span, _: &Context) {}
    fn on_end(&self, _: SpanData) {}
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }
}

#[observe]
fn chat(i: u64) -> u64 {
    record_usage("gpt-4o", TokenUsage::new(100 + i % 7, 20));
    i
}

/// `workflows` workflows of ten observed calls, each in a conversation of
/// its own (a new id every time).
fn run(from: u64, workflows: u64) {
    for w in from..from + workflows {
        let _c = conversation(format!("conversation-{w}")).enter();
        let wf = workflow(format!("workflow-{w}")).enter();
        for i in 0..10 {
            assert_eq!(chat(i), i);
        }
        assert_eq!(wf.llm_calls(), 10);
    }
}

#[test]
fn a_million_observed_calls_leave_memory_flat() {
    let pricing = PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))]).unwrap();
    let processor = Last9SpanProcessor::builder().pricing(pricing).wrap(Discard);
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .build();
    last9_genai::set_tracer_provider(provider.clone());
    run(0, 10_000);
    let warm = ALLOCATOR.current_usage();
    run(10_000, 90_000);
    let after = ALLOCATOR.current_usage();
    let grown = after.saturating_sub(warm);
    println!("heap after 10^4 workflows: {warm} B; after 10^5: {after} B; grown {grown} B");
    assert!(
        grown < 64 * 1024,
        "the heap grew by {grown} bytes over 9 × 10^5 observed calls"
    );
    let _ = provider.shutdown();
}
