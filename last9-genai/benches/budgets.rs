//! What budgets cost: a check inside the scopes (`check_budget()`), and an
//! observed model call (a small OpenAI response, priced, its span dropped
//! by the processor inline) inside a workflow with a budget and inside one
//! without.
//!
//! Run: `cargo bench -p last9-genai --bench budgets`
//!
//! Variants of a group run in rotating blocks (see `common::rotate`), so
//! that they meet the same machine.

#![allow(missing_docs)]

mod common;

use std::hint::black_box;

use common::{Drop, pricing, respond, rotate};
use criterion::{Criterion, criterion_group, criterion_main};
use last9_genai::{Last9SpanProcessor, check_budget, conversation, workflow};
use opentelemetry_sdk::trace::SdkTracerProvider;

fn checks(n: u64) {
    for _ in 0..n {
        black_box(check_budget().is_ok());
    }
}

/// `check_budget()` with no scope, inside one budgeted workflow, and
/// inside a budgeted conversation and two budgeted workflows (three
/// budgets to read).
fn check(c: &mut Criterion) {
    let one = workflow("agent").budget_usd(1.0).start();
    let chat = conversation("c1").budget_usd(5.0).start();
    let outer = {
        let _chat = chat.enter();
        workflow("outer").budget_tokens(1_000_000).start()
    };
    let inner = {
        let _outer = outer.enter();
        workflow("inner").budget_usd(1.0).start()
    };
    let outside = |n| checks(n);
    let in_one = |n| {
        let _in = one.enter();
        checks(n);
    };
    let nested = |n| {
        let _in = inner.enter();
        checks(n);
    };
    let variants: [&dyn Fn(u64); 3] = [&outside, &in_one, &nested];
    let mut group = c.benchmark_group("budget_check");
    for (i, name) in ["outside", "workflow", "nested_3"].into_iter().enumerate() {
        group.bench_function(name, |b| b.iter_custom(|n| rotate(n, i, &variants)));
    }
    group.finish();
}

/// An observed call inside a workflow without a budget, then with one
/// (never spent, so only the counting differs).
fn call(c: &mut Criterion) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Last9SpanProcessor::builder().pricing(pricing()).wrap(Drop))
        .build();
    last9_genai::set_tracer_provider(provider);
    let plain = workflow("rag_search").start();
    let budgeted = workflow("rag_search")
        .budget_usd(1e9)
        .budget_tokens(u64::MAX)
        .start();
    let calls = |wf: &last9_genai::ActiveWorkflow, n: u64| {
        let _in = wf.enter();
        for _ in 0..n {
            black_box(respond(black_box("What is the capital of France?")));
        }
    };
    let unbudgeted = |n| calls(&plain, n);
    let with_budget = |n| calls(&budgeted, n);
    let variants: [&dyn Fn(u64); 2] = [&unbudgeted, &with_budget];
    let mut group = c.benchmark_group("budget_call");
    for (i, name) in ["unbudgeted", "budgeted"].into_iter().enumerate() {
        group.bench_function(name, |b| b.iter_custom(|n| rotate(n, i, &variants)));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = check, call
}
criterion_main!(benches);
