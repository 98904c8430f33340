//! What the benchmarks share: the workloads, a processor that drops spans,
//! and the rotation that times variants side by side. Each benchmark binary
//! uses part of it.
#![allow(dead_code)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use last9_genai::{ModelPricing, PricingTable, observe};
use opentelemetry::trace::{Span as _, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SpanData, SpanExporter, SpanProcessor,
};

/// A processor that drops every span at once, so that only the SDK and this
/// crate are timed.
#[derive(Debug)]
pub(crate) struct Drop;

impl SpanProcessor for Drop {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &Context) {}
    fn on_end(&self, span: SpanData) {
        black_box(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// An exporter that drops everything.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}

/// A `BatchSpanProcessor` whose exporter drops every batch.
pub(crate) fn batch() -> BatchSpanProcessor {
    BatchSpanProcessor::builder(Discard)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(65_536)
                .with_max_export_batch_size(4096)
                .build(),
        )
        .build()
}

/// The timing benchmarks' settings.
pub(crate) fn criterion() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// Calls per block: variants run in rotating blocks, so that all run under
/// the same conditions (a batch worker thread, the other core's load).
pub(crate) const BLOCK: u64 = 64;

/// Times variant `timed` while all of `variants` run in rotating blocks.
pub(crate) fn rotate(iters: u64, timed: usize, variants: &[&dyn Fn(u64)]) -> Duration {
    let mut elapsed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = BLOCK.min(iters - done);
        for (i, variant) in variants.iter().enumerate() {
            if i == timed {
                let start = Instant::now();
                variant(n);
                elapsed += start.elapsed();
            } else {
                variant(n);
            }
        }
        done += n;
    }
    elapsed
}

pub(crate) fn pricing() -> PricingTable {
    PricingTable::new([
        ("gpt-4o", ModelPricing::new(2.50, 10.0)),
        ("claude-sonnet-4-5", ModelPricing::new(3.0, 15.0)),
    ])
    .unwrap()
}

fn usage() -> [KeyValue; 3] {
    [
        KeyValue::new("gen_ai.request.model", "gpt-4o"),
        KeyValue::new("gen_ai.usage.input_tokens", 1000),
        KeyValue::new("gen_ai.usage.output_tokens", 500),
    ]
}

/// The ids of one request, as a service holds them: runtime strings.
pub(crate) struct Ids {
    conversation: Arc<str>,
    user: Arc<str>,
    workflow: Arc<str>,
    workflow_type: Arc<str>,
    run: Arc<str>,
}

pub(crate) fn ids() -> Ids {
    Ids {
        conversation: "session_123".into(),
        user: "user_456".into(),
        workflow: "rag_search".into(),
        workflow_type: "retrieval".into(),
        run: "3f2a9c81d7e64b05".into(),
    }
}

/// An LLM span given its scope attributes, usage and cost by hand.
pub(crate) fn by_hand(tracer: &SdkTracer, ids: &Ids) {
    let mut span = tracer.start("chat gpt-4o");
    span.set_attributes([
        KeyValue::new("gen_ai.conversation.id", ids.conversation.clone()),
        KeyValue::new("user.id", ids.user.clone()),
        KeyValue::new("workflow.id", ids.workflow.clone()),
        KeyValue::new("workflow.type", ids.workflow_type.clone()),
        KeyValue::new("workflow.run_id", ids.run.clone()),
    ]);
    span.set_attributes(usage());
    span.set_attributes([
        KeyValue::new("gen_ai.usage.cost_usd", 0.0075),
        KeyValue::new("gen_ai.usage.cost_input_usd", 0.0025),
        KeyValue::new("gen_ai.usage.cost_output_usd", 0.005),
    ]);
    span.end();
}

/// The same LLM span with usage only: `Last9SpanProcessor` adds the rest.
pub(crate) fn scoped(tracer: &SdkTracer) {
    let mut span = tracer.start("chat gpt-4o");
    span.set_attributes(usage());
    span.end();
}

/// 4 KiB of prompt-like prose: words that sound like secrets (`tokens`,
/// `key`) but none of the bytes at which redaction looks closer, as in most
/// prompts.
pub(crate) fn prose_4k() -> String {
    let sentence = "The assistant reads the report, counts the tokens of each section \
                    and lists the key findings for the user. ";
    sentence.repeat(4096 / sentence.len() + 1)[..4096].to_owned()
}

/// About 4 KiB of JSON as an argument holds it: forty records, each with
/// a `:` after every key and a `_` in two (marks the redaction pass stops
/// on and checks), and no secret.
pub(crate) fn json_4k() -> serde_json::Value {
    (0..40)
        .map(|i| {
            serde_json::json!({
                "id": i, "title": "Quarterly report", "section_name": "findings",
                "word_count": 120 + i, "summary": "The key findings, listed for the user."
            })
        })
        .collect()
}

/// An observed call capturing one JSON argument, redacted.
#[observe]
pub(crate) fn take_json(doc: &serde_json::Value) -> usize {
    doc.as_array().map_or(0, Vec::len)
}

/// The same with redaction off.
#[observe(redaction = false)]
pub(crate) fn take_json_unredacted(doc: &serde_json::Value) -> usize {
    doc.as_array().map_or(0, Vec::len)
}

/// An observed call capturing one string argument, redacted.
#[observe]
pub(crate) fn take(text: &str) -> usize {
    text.len()
}

/// The same with redaction off.
#[observe(redaction = false)]
pub(crate) fn take_unredacted(text: &str) -> usize {
    text.len()
}

/// A small OpenAI chat completion of gpt-4o, with usage.
pub(crate) static RESPONSE: std::sync::LazyLock<serde_json::Value> =
    std::sync::LazyLock::new(|| {
        serde_json::json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o",
            "choices": [{ "index": 0, "finish_reason": "stop",
                          "message": { "role": "assistant", "content": "Paris." } }],
            "usage": { "prompt_tokens": 12, "completion_tokens": 3 }
        })
    });

/// A model call: an observed function returning [`RESPONSE`], priced by the
/// processor (and the metrics, when recorded) with [`pricing`].
#[observe]
pub(crate) fn respond(prompt: &str) -> &'static serde_json::Value {
    let _ = prompt;
    &RESPONSE
}

/// Hands the crate a meter provider whose periodic reader exports once an
/// hour, so that a run sees only aggregation, as between two exports.
pub(crate) fn meter() -> opentelemetry_sdk::metrics::SdkMeterProvider {
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
    let reader = PeriodicReader::builder(InMemoryMetricExporter::default())
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = SdkMeterProvider::builder().with_reader(reader).build();
    last9_genai::set_meter_provider(provider.clone());
    provider
}

/// A small function with two captured arguments.
#[observe]
pub(crate) fn small(count: u32, label: &str) -> u32 {
    count + label.len() as u32
}

/// The same under `#[tracing::instrument]`.
#[tracing::instrument]
pub(crate) fn small_tracing(count: u32, label: &str) -> u32 {
    count + label.len() as u32
}

/// What `#[observe]` writes for `small`, written by hand.
pub(crate) fn small_by_hand(tracer: &SdkTracer, count: u32, label: &str) -> u32 {
    let start = Instant::now();
    let mut span = tracer.start("small");
    span.set_attributes([
        KeyValue::new("gen_ai.l9.span.kind", "llm"),
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("function.arg.count", i64::from(count)),
        KeyValue::new("function.arg.label", label.to_owned()),
    ]);
    span.add_event(
        "gen_ai.content.prompt",
        vec![KeyValue::new("gen_ai.prompt", label.to_owned())],
    );
    let cx = Context::current_with_span(span);
    let result = {
        let _guard = cx.clone().attach();
        count + label.len() as u32
    };
    let span = cx.span();
    span.set_attribute(KeyValue::new(
        "latency_ms",
        start.elapsed().as_secs_f64() * 1000.0,
    ));
    span.add_event(
        "gen_ai.content.completion",
        vec![KeyValue::new("gen_ai.completion", result.to_string())],
    );
    span.set_status(Status::Ok);
    span.end();
    result
}

/// An unsampled span, started and ended.
pub(crate) fn unsampled_sdk(tracer: &SdkTracer) {
    let mut span = tracer.start("small");
    span.end();
}

/// An unsampled span made current around the body with `Tracer::in_span`.
pub(crate) fn unsampled_in_span(tracer: &SdkTracer) {
    tracer.in_span("small", |_| black_box(3 + "hi".len()));
}

/// A chunk of an OpenAI chat completion stream, as async-openai's
/// `CreateChatCompletionStreamResponse` serializes: a piece of text.
#[derive(serde::Serialize, Clone)]
pub(crate) struct Chunk {
    id: &'static str,
    object: &'static str,
    created: u32,
    model: &'static str,
    system_fingerprint: Option<&'static str>,
    choices: Vec<ChunkChoice>,
    usage: Option<()>,
    service_tier: Option<&'static str>,
}

#[derive(serde::Serialize, Clone)]
struct ChunkChoice {
    index: u32,
    delta: ChunkDelta,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

#[derive(serde::Serialize, Clone)]
struct ChunkDelta {
    role: Option<&'static str>,
    content: Option<&'static str>,
    tool_calls: Option<Vec<()>>,
    refusal: Option<&'static str>,
}

pub(crate) fn chunk() -> Chunk {
    Chunk {
        id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        object: "chat.completion.chunk",
        created: 1_741_570_283,
        model: "gpt-4o-2024-08-06",
        system_fingerprint: Some("fp_eb9dce56a8"),
        choices: vec![ChunkChoice {
            index: 0,
            delta: ChunkDelta {
                role: None,
                content: Some(" word"),
                tool_calls: None,
                refusal: None,
            },
            logprobs: None,
            finish_reason: None,
        }],
        usage: None,
        service_tier: Some("default"),
    }
}

/// The same chunk as async-openai's type.
#[cfg(feature = "async-openai")]
pub(crate) fn async_openai_chunk() -> async_openai::types::chat::CreateChatCompletionStreamResponse
{
    serde_json::from_value(serde_json::to_value(chunk()).unwrap()).unwrap()
}

/// How [`poll_chunks`] polls a stream of chunks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled {
    /// As it is.
    Bare,
    /// With a span's context made current around each poll, as following
    /// a stream must at the least (its scopes are current on every poll):
    /// the floor under any followed stream.
    Attached,
    /// Followed by `observe_chunks`.
    Observed,
}

/// Polls `calls` clones of `chunk` from a stream, as `polled` says.
pub(crate) fn poll_chunks<C: Clone + serde::Serialize + 'static>(
    chunk: &C,
    calls: u64,
    polled: Polled,
) {
    use futures::StreamExt;
    use last9_genai::{ObserveStream, StreamCall};
    let mut items = futures::stream::iter(
        std::iter::repeat_n(chunk, calls as usize)
            .map(|c| Ok::<_, std::convert::Infallible>(c.clone())),
    );
    let count = match polled {
        Polled::Bare => futures::executor::block_on(items.count()),
        Polled::Attached => {
            let cx =
                Context::current_with_span(opentelemetry::global::tracer("bench").start("chat"));
            let attached = futures::stream::poll_fn(move |task| {
                let _current = cx.clone().attach();
                items.poll_next_unpin(task)
            });
            futures::executor::block_on(attached.count())
        }
        Polled::Observed => futures::executor::block_on(
            items
                .observe_chunks(StreamCall::new("chat").model("gpt-4o"))
                .count(),
        ),
    };
    black_box(count);
}

/// The OpenAI chat completion of the comparison with the Python SDK
/// (`scripts/compare/response.json`): 932 input and 38 output tokens, a
/// 190-byte answer, and the fields a response carries besides.
pub(crate) static FULL_RESPONSE: std::sync::LazyLock<serde_json::Value> =
    std::sync::LazyLock::new(|| {
        serde_json::from_str(include_str!("../../../scripts/compare/response.json"))
            .expect("the scenario's response")
    });

/// A model call returning [`FULL_RESPONSE`] as JSON, observed.
#[observe(pricing = PRICING)]
pub(crate) fn call_openai(prompt: &str) -> &'static serde_json::Value {
    let _ = prompt;
    &FULL_RESPONSE
}

/// A body no format recognises, of the same size and nesting as
/// [`FULL_RESPONSE`]: the same answer and counts under keys of its own.
pub(crate) static UNKNOWN_RESPONSE: std::sync::LazyLock<serde_json::Value> =
    std::sync::LazyLock::new(|| {
        let full = &*FULL_RESPONSE;
        serde_json::json!({
            "request": full["id"], "kind": "answer", "at": full["created"],
            "engine": full["model"], "fingerprint": full["system_fingerprint"],
            "tier": full["service_tier"],
            "results": [{"rank": 0, "scores": null, "reason": "done",
                "reply": {"speaker": "assistant", "declined": null, "notes": [],
                          "body": full["choices"][0]["message"]["content"]}}],
            "spent": {"in": 932, "out": 38, "all": 970,
                      "in_detail": {"reused": 0, "sound": 0},
                      "out_detail": {"thinking": 0, "sound": 0, "kept": 0, "dropped": 0}}
        })
    });

/// A model call returning [`UNKNOWN_RESPONSE`], observed: the body is
/// rejected by every format and written as JSON.
#[observe(pricing = PRICING)]
pub(crate) fn call_unknown(prompt: &str) -> &'static serde_json::Value {
    let _ = prompt;
    &UNKNOWN_RESPONSE
}

/// [`call_openai`] capturing no output: the response read, nothing written
/// as text.
#[observe(pricing = PRICING, capture_output = false)]
pub(crate) fn call_openai_quiet(prompt: &str) -> &'static serde_json::Value {
    let _ = prompt;
    &FULL_RESPONSE
}

/// [`call_unknown`] capturing no output: the body rejected by every
/// format, nothing written: what rejecting costs beside reading.
#[observe(pricing = PRICING, capture_output = false)]
pub(crate) fn call_unknown_quiet(prompt: &str) -> &'static serde_json::Value {
    let _ = prompt;
    &UNKNOWN_RESPONSE
}

/// The same response, as async-openai's typed response.
#[cfg(feature = "async-openai")]
pub(crate) static TYPED_RESPONSE: std::sync::LazyLock<
    async_openai::types::chat::CreateChatCompletionResponse,
> = std::sync::LazyLock::new(|| {
    serde_json::from_value(FULL_RESPONSE.clone()).expect("a chat completion")
});

/// A model call returning [`TYPED_RESPONSE`], observed.
#[cfg(feature = "async-openai")]
#[observe(pricing = PRICING)]
pub(crate) fn call_openai_typed(
    prompt: &str,
) -> &'static async_openai::types::chat::CreateChatCompletionResponse {
    let _ = prompt;
    &TYPED_RESPONSE
}

static PRICING: std::sync::LazyLock<PricingTable> = std::sync::LazyLock::new(pricing);

/// What `#[observe]` writes for [`call_openai`], written by hand with the
/// OpenTelemetry API as a user would: the response read with `serde_json`'s
/// indexing, the message arrays built with `json!`, the cost from the
/// model's prices.
pub(crate) fn call_openai_by_hand(tracer: &SdkTracer, prompt: &str) -> &'static serde_json::Value {
    use serde_json::json;
    let start = Instant::now();
    let mut span = tracer.start("call_openai");
    span.set_attributes([
        KeyValue::new("gen_ai.l9.span.kind", "llm"),
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("function.arg.prompt", prompt.to_owned()),
    ]);
    span.add_event(
        "gen_ai.content.prompt",
        vec![KeyValue::new("gen_ai.prompt", prompt.to_owned())],
    );
    let cx = Context::current_with_span(span);
    let response = {
        let _guard = cx.clone().attach();
        &*FULL_RESPONSE
    };
    let span = cx.span();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let model = text(&response["model"]);
    let choice = &response["choices"][0];
    let content = text(&choice["message"]["content"]);
    let finish_reason = text(&choice["finish_reason"]);
    let usage = &response["usage"];
    let input = usage["prompt_tokens"].as_i64().unwrap_or(0);
    let output = usage["completion_tokens"].as_i64().unwrap_or(0);
    let prompt_array = json!([{"role": "user", "content": prompt}]).to_string();
    let completion_array = json!([{"role": "assistant", "content": content,
        "finish_reason": finish_reason, "index": 0}])
    .to_string();
    let input_cost = input as f64 * 2.5 / 1e6;
    let output_cost = output as f64 * 10.0 / 1e6;
    span.set_attributes([
        KeyValue::new("latency_ms", start.elapsed().as_secs_f64() * 1000.0),
        KeyValue::new("gen_ai.system", "openai"),
        KeyValue::new("gen_ai.provider.name", "openai"),
        KeyValue::new("gen_ai.response.model", model.clone()),
        KeyValue::new("gen_ai.response.id", text(&response["id"])),
        KeyValue::new(
            "gen_ai.response.finish_reasons",
            opentelemetry::Value::Array(
                vec![opentelemetry::StringValue::from(finish_reason.clone())].into(),
            ),
        ),
        KeyValue::new("gen_ai.usage.input_tokens", input),
        KeyValue::new("gen_ai.usage.output_tokens", output),
        KeyValue::new("gen_ai.request.model", model),
        KeyValue::new("gen_ai.prompt", prompt_array),
        KeyValue::new("gen_ai.prompt.0.role", "user"),
        KeyValue::new("gen_ai.prompt.0.content", prompt.to_owned()),
        KeyValue::new(
            "gen_ai.input.messages",
            json!([{"role": "user", "parts": [{"type": "text", "content": prompt}]}]).to_string(),
        ),
        KeyValue::new("gen_ai.completion.0.role", "assistant"),
        KeyValue::new("gen_ai.completion.0.content", content.clone()),
        KeyValue::new("gen_ai.completion.0.finish_reason", finish_reason.clone()),
        KeyValue::new("gen_ai.completion.0.index", 0),
        KeyValue::new("gen_ai.completion", completion_array.clone()),
        KeyValue::new(
            "gen_ai.output.messages",
            json!([{"role": "assistant", "parts": [{"type": "text", "content": content}],
                    "finish_reason": finish_reason}])
            .to_string(),
        ),
        KeyValue::new("gen_ai.usage.cost_usd", input_cost + output_cost),
        KeyValue::new("gen_ai.usage.cost_input_usd", input_cost),
        KeyValue::new("gen_ai.usage.cost_output_usd", output_cost),
    ]);
    span.add_event(
        "gen_ai.content.completion",
        vec![
            KeyValue::new("gen_ai.completion", content),
            KeyValue::new("completion", completion_array),
        ],
    );
    span.set_status(Status::Ok);
    span.end();
    response
}
