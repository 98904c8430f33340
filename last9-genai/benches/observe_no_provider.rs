//! Cost of `#[observe]` when no pipeline is installed: no `Last9SpanProcessor`
//! is ever built in this process.
//!
//! Run: `cargo bench -p last9-genai --bench observe_no_provider`
//!
//! * `no_provider/bare`: the function without the attribute.
//! * `no_provider/observe`: the same function under `#[observe]`.
//!
//! Target: at most 50 ns more per call. One run: bare 1.1 ns, observed
//! 16.9 ns (+15.8 ns).

#![allow(missing_docs)]

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use last9_genai::observe;

fn bare(count: u32, label: &str) -> u32 {
    count + label.len() as u32
}

#[observe]
fn observed(count: u32, label: &str) -> u32 {
    count + label.len() as u32
}

fn no_provider(c: &mut Criterion) {
    let mut group = c.benchmark_group("no_provider");
    group.bench_function("bare", |b| b.iter(|| bare(black_box(3), black_box("hi"))));
    group.bench_function("observe", |b| {
        b.iter(|| observed(black_box(3), black_box("hi")))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = no_provider
}
criterion_main!(benches);
