//! Instructions per call, counted by callgrind: a measure that does not move
//! with the machine's load, for the ratios the timing benchmarks show.
//!
//! Run: `cargo bench -p last9-genai --bench instructions` (needs `valgrind`;
//! without it the benchmark says so and counts nothing).
//!
//! Each variant runs in a process of its own under
//! `valgrind --tool=callgrind`, once with 4096 calls and once with 12 288;
//! the difference over 8192 is the count per call, with set-up and warm-up
//! taken out. The variants are those of the `processor` and `observe`
//! benchmarks, which say what each does.
//!
//! One run (the counts repeat exactly from run to run on the same binary):
//!
//! | variant | instructions per call | ratio |
//! |---|---|---|
//! | span/by_hand_drop | 3878 | 1.00 |
//! | span/last9_drop | 5541 | 1.43 |
//! | span/by_hand_batch | 5021 | 1.00 |
//! | span/last9_batch | 6485 | 1.29 |
//! | call/by_hand | 6145 | 1.00 |
//! | call/observe | 7483 | 1.22 |
//! | call/tracing_instrument | 9821 | 1.60 |
//! | unsampled/sdk | 694 | 1.00 |
//! | unsampled/sdk_current | 1458 | 2.10 |
//! | unsampled/observe | 1645 | 2.37 |
//! | unsampled_nested/sdk | 597 | 1.00 |
//! | unsampled_nested/sdk_current | 1415 | 2.37 |
//! | unsampled_nested/observe | 1186 | 1.99 |
//! | capture/4KiB_unredacted | 8883 | 1.00 |
//! | capture/4KiB | 11371 | 1.28 |
//! | capture/json_unredacted | 189577 | 1.00 |
//! | capture/json | 241114 | 1.27 |
//!
//! The `capture/` counts are from 2026-11-27, after JSON keys were judged as
//! written; the others from the commit the table was made at.
//!
//! `metrics/off` and `metrics/on`: an observed model call (a small OpenAI
//! response, priced, in a workflow) with no meter provider, then with one
//! (its reader never collected); `metrics_unsampled/`: the same, its span
//! dropped by the sampler. `budget_call/`: the same observed call, sampled,
//! in a workflow without a budget, then with one (never spent);
//! `budget_check/`: `check_budget()` with no scope, then inside a budgeted
//! workflow.

#![allow(missing_docs)]

mod common;

use common::{
    Drop, Polled, batch, by_hand, chunk, ids, json_4k, poll_chunks, pricing, prose_4k, scoped,
    small, small_by_hand, small_tracing, take, take_json, take_json_unredacted, take_unredacted,
    unsampled_in_span, unsampled_sdk,
};

use std::hint::black_box;
use std::process::Command;

use last9_genai::{Last9SpanProcessor, conversation, workflow};
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

/// The variants, in groups; the first of each group is its baseline.
const GROUPS: [&[&str]; 15] = [
    &["span/by_hand_drop", "span/last9_drop"],
    &["span/by_hand_batch", "span/last9_batch"],
    &["call/by_hand", "call/observe", "call/tracing_instrument"],
    &[
        "unsampled/sdk",
        "unsampled/sdk_current",
        "unsampled/observe",
    ],
    &[
        "unsampled_nested/sdk",
        "unsampled_nested/sdk_current",
        "unsampled_nested/observe",
    ],
    &["capture/4KiB_unredacted", "capture/4KiB"],
    &["capture/json_unredacted", "capture/json"],
    &["metrics/off", "metrics/on"],
    &["metrics_unsampled/off", "metrics_unsampled/on"],
    &["stream/bare", "stream/attached", "stream/observed"],
    &[
        "stream/bare_async_openai",
        "stream/attached_async_openai",
        "stream/observed_async_openai",
    ],
    &["budget_call/unbudgeted", "budget_call/budgeted"],
    &["budget_check/outside", "budget_check/workflow"],
    &[
        "response/by_hand",
        "response/observe",
        "response/observe_async_openai",
        "response/observe_unknown",
    ],
    &["response_quiet/observe", "response_quiet/observe_unknown"],
];

/// Both capture variants start from the same heap: one call of each, so
/// that the redaction rules are compiled in both (compiling them leaves the
/// allocator's free lists in another state, which alone moved the
/// unredacted variant's allocations by about 300 instructions a call).
fn warm_capture(text: &str) {
    black_box(take(text));
    black_box(take_unredacted(text));
}

const FEW: u64 = 4096;
const MANY: u64 = 3 * 4096;

const VARIANT_ENV: &str = "L9_BENCH_VARIANT";
const CALLS_ENV: &str = "L9_BENCH_CALLS";

fn main() {
    match (std::env::var(VARIANT_ENV), std::env::var(CALLS_ENV)) {
        (Ok(variant), Ok(calls)) => run(&variant, calls.parse().expect("a call count")),
        _ => report(),
    }
}

/// Counts every variant under callgrind and prints the table.
fn report() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("valgrind not found: no instructions counted");
        return;
    }
    // `L9_BENCH_ONLY=response` counts the groups named so alone.
    let only = std::env::var("L9_BENCH_ONLY").ok();
    println!("| variant | instructions per call | ratio |\n|---|---|---|");
    for group in GROUPS {
        if only
            .as_deref()
            .is_some_and(|only| !group[0].starts_with(&format!("{only}/")))
        {
            continue;
        }
        // async-openai's chunk type needs the feature.
        if !cfg!(feature = "async-openai") && group[0].ends_with("async_openai") {
            continue;
        }
        let mut baseline = None;
        for variant in group {
            if !cfg!(feature = "async-openai") && variant.ends_with("async_openai") {
                continue;
            }
            let per_call = (count(variant, MANY) - count(variant, FEW)) / (MANY - FEW) as f64;
            let base = *baseline.get_or_insert(per_call);
            println!("| {variant} | {per_call:.0} | {:.2} |", per_call / base);
        }
    }
}

/// The instructions a process running `calls` calls of `variant` executes.
fn count(variant: &str, calls: u64) -> f64 {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .env(VARIANT_ENV, variant)
        .env(CALLS_ENV, calls.to_string())
        .output()
        .expect("valgrind runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{variant}: {stderr}");
    stderr
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{variant}: no count in {stderr}"))
}

/// Runs `calls` calls of `variant` after setting it up.
fn run(variant: &str, calls: u64) {
    let (group, name) = variant.split_once('/').expect("group/name");
    match group {
        "span" => {
            let last9 = name.starts_with("last9");
            let builder = SdkTracerProvider::builder();
            let builder = match (last9, name.ends_with("batch")) {
                (false, false) => builder.with_span_processor(Drop),
                (false, true) => builder.with_span_processor(batch()),
                (true, false) => builder.with_span_processor(
                    Last9SpanProcessor::builder().pricing(pricing()).wrap(Drop),
                ),
                (true, true) => builder.with_span_processor(
                    Last9SpanProcessor::builder()
                        .pricing(pricing())
                        .wrap(batch()),
                ),
            };
            let provider = builder.build();
            let tracer = provider.tracer("bench");
            if last9 {
                let _conversation = conversation("session_123").user_id("user_456").enter();
                let _workflow = workflow("rag_search")
                    .workflow_type("retrieval")
                    .tracer(tracer.clone())
                    .enter();
                (0..calls).for_each(|_| scoped(&tracer));
            } else {
                let ids = ids();
                (0..calls).for_each(|_| by_hand(&tracer, &ids));
            }
            provider.shutdown().expect("shutdown");
        }
        "call" | "unsampled" | "unsampled_nested" | "capture" => {
            let sampler = if group == "call" || group == "capture" {
                Sampler::AlwaysOn
            } else {
                Sampler::AlwaysOff
            };
            let provider = SdkTracerProvider::builder()
                .with_sampler(sampler)
                .with_span_processor(Last9SpanProcessor::builder().wrap(Drop))
                .build();
            last9_genai::set_tracer_provider(provider.clone());
            let tracer = provider.tracer("bench");
            let subscriber = tracing_subscriber::registry()
                .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tracing")));
            let _default = tracing::subscriber::set_default(subscriber);
            // The nested variants run inside a span the sampler dropped.
            let _outer = (group == "unsampled_nested")
                .then(|| opentelemetry::Context::current_with_span(tracer.start("outer")).attach());
            let call: Box<dyn Fn()> = match name {
                "by_hand" => Box::new(|| {
                    black_box(small_by_hand(&tracer, black_box(3), black_box("hi")));
                }),
                "tracing_instrument" => Box::new(|| {
                    black_box(small_tracing(black_box(3), black_box("hi")));
                }),
                "observe" => Box::new(|| {
                    black_box(small(black_box(3), black_box("hi")));
                }),
                "sdk" => Box::new(|| unsampled_sdk(&tracer)),
                "4KiB_unredacted" => {
                    let text = prose_4k();
                    warm_capture(&text);
                    Box::new(move || {
                        black_box(take_unredacted(black_box(&text)));
                    })
                }
                "4KiB" => {
                    let text = prose_4k();
                    warm_capture(&text);
                    Box::new(move || {
                        black_box(take(black_box(&text)));
                    })
                }
                "json_unredacted" => {
                    let doc = json_4k();
                    warm_capture(&prose_4k());
                    Box::new(move || {
                        black_box(take_json_unredacted(black_box(&doc)));
                    })
                }
                "json" => {
                    let doc = json_4k();
                    warm_capture(&prose_4k());
                    Box::new(move || {
                        black_box(take_json(black_box(&doc)));
                    })
                }
                "sdk_current" => Box::new(|| unsampled_in_span(&tracer)),
                other => panic!("unknown variant {other}"),
            };
            (0..calls).for_each(|_| call());
        }
        "metrics" | "metrics_unsampled" => {
            let sampler = if group == "metrics" {
                Sampler::AlwaysOn
            } else {
                Sampler::AlwaysOff
            };
            let provider = SdkTracerProvider::builder()
                .with_sampler(sampler)
                .with_span_processor(Last9SpanProcessor::builder().pricing(pricing()).wrap(Drop))
                .build();
            last9_genai::set_tracer_provider(provider.clone());
            let _meter = (name == "on").then(common::meter);
            let _workflow = workflow("rag_search").enter();
            (0..calls).for_each(|_| {
                black_box(common::respond(black_box("What is the capital of France?")));
            });
        }
        "budget_call" => {
            let provider = SdkTracerProvider::builder()
                .with_span_processor(Last9SpanProcessor::builder().pricing(pricing()).wrap(Drop))
                .build();
            last9_genai::set_tracer_provider(provider);
            let workflow = match name {
                "unbudgeted" => workflow("rag_search"),
                "budgeted" => workflow("rag_search").budget_usd(1e9),
                other => panic!("unknown variant {other}"),
            };
            let _workflow = workflow.enter();
            (0..calls).for_each(|_| {
                black_box(common::respond(black_box("What is the capital of France?")));
            });
        }
        "budget_check" => {
            let _workflow = (name == "workflow").then(|| workflow("agent").budget_usd(1.0).enter());
            (0..calls).for_each(|_| {
                black_box(last9_genai::check_budget().is_ok());
            });
        }
        "response" => {
            let provider = SdkTracerProvider::builder()
                .with_span_processor(Last9SpanProcessor::builder().pricing(pricing()).wrap(Drop))
                .build();
            last9_genai::set_tracer_provider(provider.clone());
            let tracer = provider.tracer("bench");
            let _conversation = conversation("session_123").user_id("user_456").enter();
            let prompt = "What is the capital of France?";
            match name {
                "by_hand" => (0..calls).for_each(|_| {
                    black_box(common::call_openai_by_hand(&tracer, black_box(prompt)));
                }),
                "observe" => (0..calls).for_each(|_| {
                    black_box(common::call_openai(black_box(prompt)));
                }),
                #[cfg(feature = "async-openai")]
                "observe_async_openai" => (0..calls).for_each(|_| {
                    black_box(common::call_openai_typed(black_box(prompt)));
                }),
                "observe_unknown" => (0..calls).for_each(|_| {
                    black_box(common::call_unknown(black_box(prompt)));
                }),
                other => panic!("unknown variant {other}"),
            }
        }
        "response_quiet" => {
            let provider = SdkTracerProvider::builder()
                .with_span_processor(Last9SpanProcessor::builder().pricing(pricing()).wrap(Drop))
                .build();
            last9_genai::set_tracer_provider(provider);
            let _conversation = conversation("session_123").user_id("user_456").enter();
            let prompt = "What is the capital of France?";
            match name {
                "observe" => (0..calls).for_each(|_| {
                    black_box(common::call_openai_quiet(black_box(prompt)));
                }),
                "observe_unknown" => (0..calls).for_each(|_| {
                    black_box(common::call_unknown_quiet(black_box(prompt)));
                }),
                other => panic!("unknown variant {other}"),
            }
        }
        "stream" => {
            let provider = SdkTracerProvider::builder()
                .with_span_processor(Last9SpanProcessor::builder().wrap(Drop))
                .build();
            last9_genai::set_tracer_provider(provider);
            let polled = if name.starts_with("observed") {
                Polled::Observed
            } else if name.starts_with("attached") {
                Polled::Attached
            } else {
                Polled::Bare
            };
            if name.ends_with("async_openai") {
                #[cfg(feature = "async-openai")]
                poll_chunks(&common::async_openai_chunk(), calls, polled);
                #[cfg(not(feature = "async-openai"))]
                panic!("{variant} needs feature async-openai");
            } else {
                poll_chunks(&chunk(), calls, polled);
            }
        }
        other => panic!("unknown group {other}"),
    }
}
