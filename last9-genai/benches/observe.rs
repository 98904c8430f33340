//! Cost of `#[observe]`.
//!
//! Run: `cargo bench -p last9-genai --bench observe`
//!
//! * `call/by_hand`, `call/observe`, `call/tracing_instrument`: a small sync
//!   function with two captured arguments: under `#[observe]`; with the same
//!   span, attributes, events and status written by hand with the
//!   OpenTelemetry API; and under `#[tracing::instrument]` through
//!   tracing-opentelemetry. All export through `Last9SpanProcessor` wrapping
//!   a processor that drops spans inline. The three run in rotating blocks of
//!   64 calls; each benchmark times only its own.
//! * `unsampled/sdk`, `unsampled/sdk_current`, `unsampled/observe`: a span
//!   the sampler drops, started and ended with the SDK; the same made current
//!   around the body with `Tracer::in_span`, as an instrumented function's
//!   span must be (its children need the trace id and the sampling
//!   decision); and an observed call whose span is dropped. At the root of a
//!   trace, and again (`unsampled_nested/`) inside a span that was itself
//!   dropped, where the decision is already made.
//! * `capture/4KiB_unredacted`, `capture/4KiB`, `capture/1MiB`: an observed
//!   call whose string argument is 4 KiB of prose (with redaction off, then
//!   on: the prose holds words, `tokens` and `key`, but no mark a secret
//!   shows) or 1 MiB, under the default 4 KiB limit;
//!   `capture/json_unredacted`, `capture/json`: one whose argument is about
//!   4 KiB of JSON records, a mark every 25 bytes or so.
//! * `stream/bare`, `stream/attached`, `stream/observed` (and the same with
//!   `_async_openai`, async-openai's chunk type): a stream of chunks polled
//!   to its end as it is, with a span's context made current around each
//!   poll (the floor under any followed stream), and followed by
//!   `observe_chunks`.
//! * `response/by_hand`, `response/observe`, `response/observe_async_openai`:
//!   a model call returning the OpenAI chat completion of the comparison
//!   with the Python SDK (`scripts/compare/response.json`), priced, in a
//!   conversation: the span written by hand with the OpenTelemetry API
//!   (`serde_json` indexing and `json!` for the message arrays), then
//!   observed returning the response as JSON and as async-openai's typed
//!   response (`--features async-openai`).
//!
//! One run (2-core machine; BENCHMARKS.md explains each):
//!
//! | benchmark | time | ratio |
//! |---|---|---|
//! | call/by_hand | 657 ns | 1.00 |
//! | call/observe | 743 ns | 1.13 |
//! | call/tracing_instrument | 1151 ns | 1.75 |
//! | unsampled/sdk | 83.4 ns | 1.00 |
//! | unsampled/sdk_current | 154.0 ns | 1.85 |
//! | unsampled/observe | 127.0 ns | 1.52 (0.82 of sdk_current) |
//! | unsampled_nested/sdk | 83.5 ns | 1.00 |
//! | unsampled_nested/sdk_current | 142.2 ns | 1.70 |
//! | unsampled_nested/observe | 74.8 ns | 0.90 |
//! | capture/4KiB | 926 ns | 1.00 |
//! | capture/1MiB | 991 ns | 1.07 |

#![allow(missing_docs)]

mod common;

use common::{
    Drop, Polled, json_4k, prose_4k, rotate, small, small_by_hand, small_tracing, take, take_json,
    take_json_unredacted, take_unredacted, unsampled_in_span, unsampled_sdk,
};

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use last9_genai::Last9SpanProcessor;
use opentelemetry::Context;
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

fn provider(sampler: Sampler) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_span_processor(Last9SpanProcessor::builder().wrap(Drop))
        .build()
}

fn call(c: &mut Criterion) {
    let provider = provider(Sampler::AlwaysOn);
    last9_genai::set_tracer_provider(provider.clone());
    let tracer = provider.tracer("bench");
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tracing")));
    let dispatch = tracing::Dispatch::new(subscriber);
    let _default = tracing::dispatcher::set_default(&dispatch);

    let by_hand = |n| {
        (0..n).for_each(|_| {
            black_box(small_by_hand(&tracer, black_box(3), black_box("hi")));
        })
    };
    let observed = |n| {
        (0..n).for_each(|_| {
            black_box(small(black_box(3), black_box("hi")));
        })
    };
    let instrumented = |n| {
        (0..n).for_each(|_| {
            black_box(small_tracing(black_box(3), black_box("hi")));
        })
    };
    let variants: [&dyn Fn(u64); 3] = [&by_hand, &observed, &instrumented];
    let mut group = c.benchmark_group("call");
    for (i, name) in ["by_hand", "observe", "tracing_instrument"]
        .into_iter()
        .enumerate()
    {
        group.bench_function(name, |b| b.iter_custom(|n| rotate(n, i, &variants)));
    }
    group.finish();
}

fn unsampled(c: &mut Criterion) {
    let provider = provider(Sampler::AlwaysOff);
    last9_genai::set_tracer_provider(provider.clone());
    let tracer = provider.tracer("bench");
    // At the root of a trace, and inside a span the sampler dropped (an
    // unsampled request, say), where the decision is already made.
    for (group, nested) in [("unsampled", false), ("unsampled_nested", true)] {
        let outer = nested.then(|| Context::current_with_span(tracer.start("outer")));
        let in_outer = |body: &dyn Fn()| match &outer {
            Some(cx) => {
                let _guard = cx.clone().attach();
                body();
            }
            None => body(),
        };
        let sdk = |n| in_outer(&|| (0..n).for_each(|_| unsampled_sdk(&tracer)));
        let sdk_current = |n| in_outer(&|| (0..n).for_each(|_| unsampled_in_span(&tracer)));
        let observed = |n| {
            in_outer(&|| {
                (0..n).for_each(|_| {
                    black_box(small(black_box(3), black_box("hi")));
                })
            })
        };
        let variants: [&dyn Fn(u64); 3] = [&sdk, &sdk_current, &observed];
        let mut group = c.benchmark_group(group);
        for (i, name) in ["sdk", "sdk_current", "observe"].into_iter().enumerate() {
            group.bench_function(name, |b| b.iter_custom(|n| rotate(n, i, &variants)));
        }
        group.finish();
    }
}

fn capture(c: &mut Criterion) {
    let provider = provider(Sampler::AlwaysOn);
    last9_genai::set_tracer_provider(provider);
    let small_text = prose_4k();
    let large_text = "x".repeat(1 << 20);
    let small = |n| {
        (0..n).for_each(|_| {
            black_box(take(black_box(&small_text)));
        })
    };
    let large = |n| {
        (0..n).for_each(|_| {
            black_box(take(black_box(&large_text)));
        })
    };
    let unredacted = |n| {
        (0..n).for_each(|_| {
            black_box(take_unredacted(black_box(&small_text)));
        })
    };
    let doc = json_4k();
    let json_unredacted = |n| {
        (0..n).for_each(|_| {
            black_box(take_json_unredacted(black_box(&doc)));
        })
    };
    let json = |n| {
        (0..n).for_each(|_| {
            black_box(take_json(black_box(&doc)));
        })
    };
    let variants: [&dyn Fn(u64); 5] = [&unredacted, &small, &large, &json_unredacted, &json];
    let mut group = c.benchmark_group("capture");
    let names = ["4KiB_unredacted", "4KiB", "1MiB", "json_unredacted", "json"];
    for (i, name) in names.into_iter().enumerate() {
        group.bench_function(name, |b| b.iter_custom(|n| rotate(n, i, &variants)));
    }
    group.finish();
}

/// Chunks of a stream, bare and observed: async-openai's chunk type (read
/// field by field) and a chunk type of one's own (read through
/// `Serialize`). Each block of 64 chunks is one stream, so that the span's
/// start and end are spread over 64 chunks.
fn stream(c: &mut Criterion) {
    let provider = provider(Sampler::AlwaysOn);
    last9_genai::set_tracer_provider(provider);
    let own = common::chunk();
    let bare = |n| common::poll_chunks(&own, n, Polled::Bare);
    let attached = |n| common::poll_chunks(&own, n, Polled::Attached);
    let observed = |n| common::poll_chunks(&own, n, Polled::Observed);
    #[cfg_attr(not(feature = "async-openai"), allow(unused_mut))]
    let mut variants: Vec<(&str, &dyn Fn(u64))> = vec![
        ("bare", &bare),
        ("attached", &attached),
        ("observed", &observed),
    ];
    #[cfg(feature = "async-openai")]
    let typed = common::async_openai_chunk();
    #[cfg(feature = "async-openai")]
    let (bare_typed, attached_typed, observed_typed) = (
        |n| common::poll_chunks(&typed, n, Polled::Bare),
        |n| common::poll_chunks(&typed, n, Polled::Attached),
        |n| common::poll_chunks(&typed, n, Polled::Observed),
    );
    #[cfg(feature = "async-openai")]
    variants.extend([
        ("bare_async_openai", &bare_typed as &dyn Fn(u64)),
        ("attached_async_openai", &attached_typed),
        ("observed_async_openai", &observed_typed),
    ]);
    let runs: Vec<&dyn Fn(u64)> = variants.iter().map(|(_, v)| *v).collect();
    let mut group = c.benchmark_group("stream");
    for (i, (name, _)) in variants.iter().enumerate() {
        group.bench_function(*name, |b| b.iter_custom(|n| rotate(n, i, &runs)));
    }
    group.finish();
}

/// A model call returning the Python comparison's OpenAI response, priced,
/// in a conversation: written by hand, observed returning it as JSON, and
/// observed returning async-openai's typed response (with that feature).
fn response(c: &mut Criterion) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .pricing(common::pricing())
                .wrap(Drop),
        )
        .build();
    last9_genai::set_tracer_provider(provider.clone());
    let tracer = provider.tracer("bench");
    let _conversation = last9_genai::conversation("session_123")
        .user_id("user_456")
        .enter();
    let prompt = "What is the capital of France?";
    let by_hand = |n| {
        (0..n).for_each(|_| {
            black_box(common::call_openai_by_hand(&tracer, black_box(prompt)));
        })
    };
    let json = |n| {
        (0..n).for_each(|_| {
            black_box(common::call_openai(black_box(prompt)));
        })
    };
    #[cfg(feature = "async-openai")]
    let typed = |n| {
        (0..n).for_each(|_| {
            black_box(common::call_openai_typed(black_box(prompt)));
        })
    };
    let variants: Vec<(&str, &dyn Fn(u64))> = vec![
        ("by_hand", &by_hand),
        ("observe", &json),
        #[cfg(feature = "async-openai")]
        ("observe_async_openai", &typed),
    ];
    let (names, variants): (Vec<_>, Vec<_>) = variants.into_iter().unzip();
    let mut group = c.benchmark_group("response");
    for (i, name) in names.into_iter().enumerate() {
        group.bench_function(name, |b| b.iter_custom(|n| rotate(n, i, &variants)));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = call, unsampled, capture, stream, response
}
criterion_main!(benches);
