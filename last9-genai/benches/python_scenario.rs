//! The speed scenario of the comparison with the Python SDK: an observed
//! call returning an OpenAI-shaped response (`scripts/compare/response.json`),
//! priced, inside a conversation, exported through a batch processor whose
//! exporter drops the data. Prints the time per call in ns.
//!
//! Run: `cargo bench -p last9-genai --bench python_scenario`, or
//! `scripts/compare-python.sh --speed`, which runs the Python SDK's side
//! (`scripts/compare/python_speed.py`) too and prints the ratio.

#![allow(missing_docs)]

mod common;

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Instant;

use common::{batch, pricing};
use last9_genai::{Last9SpanProcessor, PricingTable, conversation, observe};
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::Value;

static RESPONSE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../scripts/compare/response.json")).unwrap()
});

static PRICING: LazyLock<PricingTable> = LazyLock::new(pricing);

/// As the Python scenario's function: it returns the response it was given.
#[observe(pricing = PRICING)]
fn call_openai(prompt: &str) -> &'static Value {
    let _ = prompt;
    &RESPONSE
}

fn main() {
    let calls: u32 = std::env::var("L9_SCENARIO_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .pricing(pricing())
                .wrap(batch()),
        )
        .build();
    last9_genai::set_tracer_provider(provider.clone());
    let _conversation = conversation("session_123").user_id("user_456").enter();
    for _ in 0..calls / 10 {
        black_box(call_openai(black_box("What is the capital of France?")));
    }
    let start = Instant::now();
    for _ in 0..calls {
        black_box(call_openai(black_box("What is the capital of France?")));
    }
    let elapsed = start.elapsed();
    println!("{:.0}", elapsed.as_nanos() as f64 / f64::from(calls));
    let _ = provider.shutdown();
}
