//! The speed scenario of the comparison with the Python SDK: an observed
//! call returning an OpenAI-shaped response (`scripts/compare/response.json`),
//! priced, inside a conversation, exported through a batch processor whose
//! exporter drops the data. Prints the time per call in ns.
//!
//! With `L9_SCENARIO=by_hand`, the call is the same span written by hand
//! with the OpenTelemetry API (`common::call_openai_by_hand`): what any Rust
//! code recording these attributes costs.
//!
//! Run: `cargo bench -p last9-genai --bench python_scenario`, or
//! `scripts/compare-python.sh --speed`, which runs the Python SDK's side
//! (`scripts/compare/python_speed.py`) and the hand-written call too, and
//! prints the ratios.

#![allow(missing_docs)]

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{batch, call_openai, call_openai_by_hand, pricing};
use last9_genai::{Last9SpanProcessor, conversation};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;

fn main() {
    let calls: u32 = std::env::var("L9_SCENARIO_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let by_hand = std::env::var("L9_SCENARIO").is_ok_and(|s| s == "by_hand");
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .pricing(pricing())
                .wrap(batch()),
        )
        .build();
    last9_genai::set_tracer_provider(provider.clone());
    let tracer = provider.tracer("by_hand");
    let prompt = "What is the capital of France?";
    let call = || {
        if by_hand {
            black_box(call_openai_by_hand(&tracer, black_box(prompt)));
        } else {
            black_box(call_openai(black_box(prompt)));
        }
    };
    let _conversation = conversation("session_123").user_id("user_456").enter();
    (0..calls / 10).for_each(|_| call());
    let start = Instant::now();
    (0..calls).for_each(|_| call());
    let elapsed = start.elapsed();
    println!("{:.0}", elapsed.as_nanos() as f64 / f64::from(calls));
    let _ = provider.shutdown();
}
