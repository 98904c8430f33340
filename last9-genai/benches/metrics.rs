//! Cost of the GenAI metrics on an observed model call (a small OpenAI
//! response, priced, in a workflow, its span dropped by the processor
//! inline), and how two threads scale with them on and off.
//!
//! Run: `cargo bench -p last9-genai --bench metrics`
//!
//! A meter provider, once handed in, stays for the process: each variant
//! (`off`: none handed in; `on`: one whose reader is never collected, as
//! between two exports) runs in a process of its own. Rounds alternate the
//! two variants, each first in every other round, so that both meet the
//! same machine; each round times one
//! thread making `CALLS` calls, then two threads making `CALLS` each at
//! once. The table gives medians over the rounds: time per call on one
//! thread, and the scaling of two threads (their calls per second over one
//! thread's).

#![allow(missing_docs)]

mod common;

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use common::{Drop, meter, pricing, respond};
use last9_genai::{Last9SpanProcessor, workflow};
use opentelemetry_sdk::trace::SdkTracerProvider;

const VARIANT_ENV: &str = "L9_METRICS_VARIANT";
const CALLS: u32 = 100_000;
const ROUNDS: usize = 10;

fn main() {
    match std::env::var(VARIANT_ENV) {
        Ok(variant) => run(&variant),
        Err(_) => report(),
    }
}

fn calls(n: u32) {
    let _workflow = workflow("rag_search").enter();
    for _ in 0..n {
        black_box(respond(black_box("What is the capital of France?")));
    }
}

/// Prints the ns per call of one thread, then of two threads at once (wall
/// time over the calls of one of them).
fn run(variant: &str) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Last9SpanProcessor::builder().pricing(pricing()).wrap(Drop))
        .build();
    last9_genai::set_tracer_provider(provider);
    let _meter = (variant == "on").then(meter);
    calls(CALLS / 5);
    let start = Instant::now();
    calls(CALLS);
    let one = start.elapsed().as_nanos() as f64 / f64::from(CALLS);
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| calls(CALLS));
        s.spawn(|| calls(CALLS));
    });
    let two = start.elapsed().as_nanos() as f64 / f64::from(CALLS);
    println!("{one} {two}");
}

fn measure(variant: &str) -> (f64, f64) {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let output = Command::new(exe)
        .env(VARIANT_ENV, variant)
        .output()
        .expect("the benchmark runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut numbers = text.split_whitespace().map(|n| n.parse::<f64>().unwrap());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn report() {
    let variants = ["off", "on"];
    let mut one = [Vec::new(), Vec::new()];
    let mut scaling = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS {
        // Each variant goes first in every other round.
        for i in [round % 2, 1 - round % 2] {
            let variant = variants[i];
            let (single, pair) = measure(variant);
            one[i].push(single);
            // Two threads' calls per second over one thread's.
            scaling[i].push(2.0 * single / pair);
        }
    }
    let one = one.map(median);
    let scaling = scaling.map(median);
    println!("| metrics | ns per call, 1 thread | ratio | 2 threads scale | ratio |");
    println!("|---|---|---|---|---|");
    for (i, variant) in variants.iter().enumerate() {
        println!(
            "| {variant} | {:.0} | {:.2} | {:.2}× | {:.2} |",
            one[i],
            one[i] / one[0],
            scaling[i],
            scaling[i] / scaling[0]
        );
    }
}
