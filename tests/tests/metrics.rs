//! GenAI metrics read back through an in-memory exporter: the conventions'
//! instruments and the cost counter, right whatever the trace sampler
//! decides, each call counted once.

#![allow(clippy::await_holding_lock)]

mod common;
mod mcp_tools;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use futures::StreamExt as _;
use last9_genai::{
    Last9GenAI, LlmCall, ModelPricing, ObserveStream, PricingTable, ScopeExt, StreamCall,
    TokenUsage, conversation, observe, workflow,
};
use opentelemetry::trace::{Span as _, Status, Tracer as _, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler, SdkTracerProvider};
use serde_json::{Value as Json, json};

/// gpt-4o at 2.50 / 10.0 USD per million tokens, cache reads at 1.25.
fn pricing() -> PricingTable {
    PricingTable::new([(
        "gpt-4o",
        ModelPricing::new(2.50, 10.0).with_cache_read(1.25),
    )])
    .unwrap()
}

/// One data point read back: its attributes as text, and its value.
#[derive(Debug, Clone, PartialEq)]
struct Point {
    attributes: BTreeMap<String, String>,
    /// A sum's value, or a histogram's sum.
    value: f64,
    /// A histogram's count (1 for a sum).
    count: u64,
    /// A histogram's bucket bounds.
    bounds: Vec<f64>,
}

/// The metrics of one test: a meter provider handed to the crate, its
/// tracer provider with `sampler`, spans and metrics kept in memory. Tests
/// run one at a time: the providers are the process's.
struct Telemetry {
    _turn: MutexGuard<'static, ()>,
    meters: SdkMeterProvider,
    metrics: InMemoryMetricExporter,
    spans: InMemorySpanExporter,
    tracer_provider: SdkTracerProvider,
}

fn telemetry(sampler: Sampler) -> Telemetry {
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    last9_genai::metrics_scope_ids(false);
    let metrics = InMemoryMetricExporter::default();
    let meters = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(metrics.clone()).build())
        .build();
    last9_genai::set_meter_provider(meters.clone());
    let (tracer_provider, spans) = common::sampled_pipeline(sampler, pricing());
    Telemetry {
        _turn: turn,
        meters,
        metrics,
        spans,
        tracer_provider,
    }
}

impl Telemetry {
    /// Every data point of metric `name` so far.
    fn points(&self, name: &str) -> Vec<Point> {
        self.meters.force_flush().unwrap();
        let exported = self.metrics.get_finished_metrics().unwrap();
        let Some(last) = exported.last() else {
            return Vec::new();
        };
        let text = |attrs: &mut dyn Iterator<Item = &KeyValue>| {
            attrs
                .map(|kv| (kv.key.to_string(), kv.value.as_str().into_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let mut points = Vec::new();
        for metric in last.scope_metrics().flat_map(|s| s.metrics()) {
            if metric.name() != name {
                continue;
            }
            match metric.data() {
                AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                    points.extend(h.data_points().map(|p| Point {
                        attributes: text(&mut p.attributes()),
                        value: p.sum(),
                        count: p.count(),
                        bounds: p.bounds().collect(),
                    }));
                }
                AggregatedMetrics::U64(MetricData::Histogram(h)) => {
                    points.extend(h.data_points().map(|p| Point {
                        attributes: text(&mut p.attributes()),
                        value: p.sum() as f64,
                        count: p.count(),
                        bounds: p.bounds().collect(),
                    }));
                }
                AggregatedMetrics::F64(MetricData::Sum(s)) => {
                    points.extend(s.data_points().map(|p| Point {
                        attributes: text(&mut p.attributes()),
                        value: p.value(),
                        count: 1,
                        bounds: Vec::new(),
                    }));
                }
                AggregatedMetrics::U64(MetricData::Sum(s)) => {
                    points.extend(s.data_points().map(|p| Point {
                        attributes: text(&mut p.attributes()),
                        value: p.value() as f64,
                        count: 1,
                        bounds: Vec::new(),
                    }));
                }
                other => panic!("{name}: unexpected data {other:?}"),
            }
        }
        points
    }

    /// The one data point of `name` whose attributes include `with`.
    fn point(&self, name: &str, with: &[(&str, &str)]) -> Point {
        let found: Vec<Point> = self
            .points(name)
            .into_iter()
            .filter(|p| {
                with.iter()
                    .all(|(k, v)| p.attributes.get(*k).map(String::as_str) == Some(*v))
            })
            .collect();
        assert_eq!(found.len(), 1, "{name} {with:?}: {found:#?}");
        found.into_iter().next().unwrap()
    }

    fn spans(&self) -> usize {
        self.spans.get_finished_spans().unwrap().len()
    }
}

/// An OpenAI chat completion of gpt-4o: 100 input tokens (40 cached), 20
/// output tokens (5 reasoning).
fn completion() -> Json {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o",
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": "Hi" } }],
        "usage": { "prompt_tokens": 100, "completion_tokens": 20,
                   "prompt_tokens_details": { "cached_tokens": 40 },
                   "completion_tokens_details": { "reasoning_tokens": 5 } }
    })
}

/// The cost of [`completion`]: 60 input, 40 cached, 20 output tokens.
const COST: f64 = (60.0 * 2.50 + 40.0 * 1.25 + 20.0 * 10.0) / 1e6;

#[observe]
fn chat(model: &str) -> Json {
    let _ = model;
    completion()
}

#[observe]
fn failing(model: &str) -> Result<Json, std::io::Error> {
    let _ = model;
    Err(std::io::Error::other("rate limited"))
}

fn calls_of(t: &Telemetry, with: &[(&str, &str)]) -> u64 {
    t.point("gen_ai.client.operation.duration", with).count
}

/// The call's attributes: operation, provider, both models, kind; the
/// conventions' units and buckets; tokens, their parts and the cost, each
/// exactly once.
#[test]
fn an_observed_call_records_duration_tokens_and_cost() {
    let t = telemetry(Sampler::AlwaysOn);
    chat("gpt-4o");
    let duration = t.point("gen_ai.client.operation.duration", &[]);
    assert_eq!(duration.count, 1);
    assert!(duration.value > 0.0 && duration.value < 5.0);
    assert_eq!(
        duration.bounds,
        [
            0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
        ]
    );
    let expected: BTreeMap<String, String> = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.request.model", "gpt-4o"),
        ("gen_ai.response.model", "gpt-4o"),
        ("gen_ai.l9.span.kind", "llm"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(duration.attributes, expected);
    let input = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "input")],
    );
    let output = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "output")],
    );
    assert_eq!((input.count, input.value), (1, 100.0));
    assert_eq!((output.count, output.value), (1, 20.0));
    assert_eq!(input.bounds.len(), 14);
    assert_eq!(input.bounds[13], 67108864.0);
    let cached = t.point(
        "gen_ai.l9.client.token.parts",
        &[("gen_ai.token.type", "cache_read")],
    );
    let reasoning = t.point(
        "gen_ai.l9.client.token.parts",
        &[("gen_ai.token.type", "reasoning")],
    );
    assert_eq!((cached.value, reasoning.value), (40.0, 5.0));
    assert!(
        t.points("gen_ai.l9.client.token.parts")
            .iter()
            .all(|p| p.attributes["gen_ai.token.type"] != "cache_creation"),
        "a part that is zero is not recorded"
    );
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - COST).abs() < 1e-12, "{}", cost.value);
    // The span went through the processor: it is not counted again.
    assert_eq!(t.spans(), 1);
}

/// Nothing sampled, every call still counted: tokens, cost and duration.
#[test]
fn unsampled_calls_are_counted() {
    let t = telemetry(Sampler::AlwaysOff);
    for _ in 0..3 {
        chat("gpt-4o");
    }
    assert_eq!(t.spans(), 0);
    assert_eq!(calls_of(&t, &[]), 3);
    let input = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "input")],
    );
    assert_eq!((input.count, input.value), (3, 300.0));
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - 3.0 * COST).abs() < 1e-12);
}

/// At 1% sampling, 400 calls are 400 in the metrics, whatever number of
/// spans the sampler kept.
#[test]
fn one_percent_sampling_counts_every_call_once() {
    let t = telemetry(Sampler::TraceIdRatioBased(0.01));
    for _ in 0..400 {
        chat("gpt-4o");
    }
    assert!(t.spans() < 40, "{} spans kept", t.spans());
    assert_eq!(calls_of(&t, &[]), 400);
    let output = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "output")],
    );
    assert_eq!((output.count, output.value), (400, 8000.0));
}

/// A failed call's duration carries `error.type`; its tokens are unknown.
#[test]
fn a_failed_call_records_its_error_type() {
    let t = telemetry(Sampler::AlwaysOff);
    assert!(failing("gpt-4o").is_err());
    let duration = t.point("gen_ai.client.operation.duration", &[]);
    assert_eq!(duration.attributes["error.type"], "Error");
    assert_eq!(duration.attributes["gen_ai.request.model"], "gpt-4o");
    assert!(t.points("gen_ai.client.token.usage").is_empty());
}

#[observe]
fn panicking(model: &str) -> Json {
    let _ = model;
    panic!("model exploded")
}

#[observe]
async fn slow(model: &str) -> Json {
    let _ = model;
    std::future::pending::<()>().await;
    completion()
}

/// A panic and a dropped future are calls too, marked as such.
#[tokio::test]
async fn panics_and_cancellations_are_counted_with_their_kind() {
    let t = telemetry(Sampler::AlwaysOff);
    assert!(std::panic::catch_unwind(|| panicking("gpt-4o")).is_err());
    let cancelled = tokio::time::timeout(std::time::Duration::from_millis(5), slow("gpt-4o")).await;
    assert!(cancelled.is_err());
    assert_eq!(calls_of(&t, &[("error.type", "panic")]), 1);
    assert_eq!(calls_of(&t, &[("error.type", "cancelled")]), 1);
}

/// The workflow's name is a metric attribute of the calls inside, and the
/// workflow's duration is recorded; conversation and user ids are not,
/// until asked for.
#[test]
fn workflow_names_are_attributes_and_ids_only_when_asked() {
    let t = telemetry(Sampler::AlwaysOff);
    {
        let _c = conversation("conv-1").user_id("u-7").enter();
        let _w = workflow("support").enter();
        chat("gpt-4o");
    }
    let call = t.point("gen_ai.client.operation.duration", &[]);
    assert_eq!(call.attributes["gen_ai.workflow.name"], "support");
    assert!(!call.attributes.contains_key("gen_ai.conversation.id"));
    assert!(!call.attributes.contains_key("user.id"));
    let cost = t.point(
        "gen_ai.l9.client.cost",
        &[("gen_ai.workflow.name", "support")],
    );
    assert!((cost.value - COST).abs() < 1e-12);
    let run = t.point("gen_ai.l9.workflow.duration", &[]);
    assert_eq!(run.count, 1);
    assert_eq!(
        run.attributes,
        BTreeMap::from([("gen_ai.workflow.name".to_owned(), "support".to_owned())])
    );

    last9_genai::metrics_scope_ids(true);
    {
        let _c = conversation("conv-2").user_id("u-8").enter();
        chat("gpt-4o");
    }
    last9_genai::metrics_scope_ids(false);
    let call = t.point(
        "gen_ai.client.operation.duration",
        &[("gen_ai.conversation.id", "conv-2")],
    );
    assert_eq!(call.attributes["user.id"], "u-8");
}

fn sse_events() -> Vec<Result<Vec<u8>, std::io::Error>> {
    let chunk = |delta: &str| {
        format!(
            "data: {{\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{delta}\"}}}}]}}\n\n"
        )
    };
    let mut events: Vec<String> = ["Hel", "lo", " there"].iter().map(|d| chunk(d)).collect();
    events.push(
        "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            .to_owned(),
    );
    events.push(
        "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20}}\n\ndata: [DONE]\n\n"
            .to_owned(),
    );
    events.into_iter().map(|e| Ok(e.into_bytes())).collect()
}

/// A streamed call, unsampled: its time to first chunk once, the time
/// between chunks once per chunk after the first, and its tokens from the
/// final usage chunk.
#[tokio::test]
async fn a_stream_records_chunk_times_and_its_final_usage() {
    let t = telemetry(Sampler::AlwaysOff);
    let items = futures::stream::iter(sse_events());
    let read: Vec<_> = items
        .observe_sse(StreamCall::new("chat.stream").model("gpt-4o"))
        .collect()
        .await;
    assert_eq!(read.len(), 5);
    assert_eq!(t.spans(), 0);
    let first = t.point("gen_ai.client.operation.time_to_first_chunk", &[]);
    assert_eq!(first.count, 1);
    let gaps = t.point("gen_ai.client.operation.time_per_output_chunk", &[]);
    assert_eq!(gaps.count, 4, "five chunks, four gaps");
    assert_eq!(first.attributes["gen_ai.response.model"], "gpt-4o");
    let input = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "input")],
    );
    assert_eq!(input.value, 100.0);
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - (100.0 * 2.50 + 20.0 * 10.0) / 1e6).abs() < 1e-12);
    assert_eq!(calls_of(&t, &[]), 1);
}

/// A stream dropped early is a cancelled call.
#[tokio::test]
async fn a_stream_dropped_early_is_counted_cancelled() {
    let t = telemetry(Sampler::AlwaysOn);
    let mut stream = futures::stream::iter(sse_events())
        .observe_sse(StreamCall::new("chat.stream").model("gpt-4o"));
    assert!(stream.next().await.is_some());
    drop(stream);
    assert_eq!(calls_of(&t, &[("error.type", "cancelled")]), 1);
    assert!(t.points("gen_ai.client.token.usage").is_empty());
}

/// Spans of other instrumentation count through the processor, sampled
/// ones only; the manual API counts its calls itself, sampled or not, and
/// marks the span so that the processor does not count it again.
#[test]
fn other_instrumentation_and_the_manual_api_each_count_once() {
    let t = telemetry(Sampler::AlwaysOn);
    let tracer = t.tracer_provider.tracer("rig");
    let mut span = tracer.start("chat gpt-4o");
    span.set_attributes([
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.provider.name", "openai"),
        KeyValue::new("gen_ai.request.model", "gpt-4o"),
        KeyValue::new("gen_ai.usage.input_tokens", 1000),
        KeyValue::new("gen_ai.usage.output_tokens", 100),
    ]);
    span.set_status(Status::error("upstream 500"));
    span.end();
    let rig = t.point(
        "gen_ai.client.operation.duration",
        &[("error.type", "_OTHER")],
    );
    assert_eq!(rig.attributes["gen_ai.provider.name"], "openai");
    assert!(!rig.attributes.contains_key("gen_ai.l9.span.kind"));
    let input = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "input")],
    );
    assert_eq!(input.value, 1000.0);
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - (1000.0 * 2.50 + 100.0 * 10.0) / 1e6).abs() < 1e-12);

    let l9 = Last9GenAI::new().pricing(pricing());
    let mut manual = tracer.start("manual chat");
    l9.add_standard_llm_attributes(
        &mut manual,
        &LlmCall::new("gpt-4o").usage(TokenUsage::new(10, 1)),
    );
    manual.end();
    let manual_input = t.point(
        "gen_ai.client.token.usage",
        &[
            ("gen_ai.token.type", "input"),
            ("gen_ai.operation.name", "chat"),
        ],
    );
    // One data point: the rig span's and the manual call's share attributes
    // but for the error type, which tokens do not carry.
    assert_eq!((manual_input.count, manual_input.value), (2, 1010.0));
    let spans = t.spans.get_finished_spans().unwrap();
    let marked = spans.iter().find(|s| s.name == "manual chat").unwrap();
    assert!(
        marked
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "gen_ai.l9.metered" && kv.value == Value::Bool(true))
    );
}

/// Another instrumentation's span that says its own cost, for a model the
/// prices do not know: the cost metric counts the cost the span says (it
/// cannot be counted again from the prices).
#[test]
fn a_cost_said_by_other_instrumentation_is_counted() {
    let t = telemetry(Sampler::AlwaysOn);
    let mut span = t.tracer_provider.tracer("rig").start("chat house-model");
    span.set_attributes([
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.provider.name", "house"),
        KeyValue::new("gen_ai.request.model", "house-model"),
        KeyValue::new("gen_ai.usage.input_tokens", 1000),
        KeyValue::new("gen_ai.usage.output_tokens", 100),
        KeyValue::new("gen_ai.usage.cost_usd", 0.0125),
    ]);
    span.end();
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert_eq!(cost.attributes["gen_ai.request.model"], "house-model");
    assert_eq!((cost.count, cost.value), (1, 0.0125));
}

/// The manual API counts a call whose span the sampler dropped.
#[test]
fn the_manual_api_counts_unsampled_calls() {
    let t = telemetry(Sampler::AlwaysOff);
    let mut span = t.tracer_provider.tracer("app").start("chat");
    Last9GenAI::new().add_standard_llm_attributes(
        &mut span,
        &LlmCall::new("gpt-4o").usage(TokenUsage::new(8, 3)),
    );
    span.end();
    let output = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "output")],
    );
    assert_eq!((output.count, output.value), (1, 3.0));
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!(
        (cost.value - (8.0 * 2.50 + 3.0 * 10.0) / 1e6).abs() < 1e-12,
        "{}",
        cost.value
    );
}

/// The manual API prices its metrics as spans are priced: the model that
/// answered, else the one asked for. (Regression: only the answering model
/// was looked up, so an alias priced under the name asked for cost
/// nothing.)
#[test]
fn the_manual_api_prices_the_model_asked_for_when_the_answer_has_no_price() {
    let t = telemetry(Sampler::AlwaysOff);
    let own = PricingTable::new([("house-model", ModelPricing::new(1.0, 2.0))]).unwrap();
    let mut span = t.tracer_provider.tracer("app").start("chat");
    Last9GenAI::new().pricing(own).add_standard_llm_attributes(
        &mut span,
        &LlmCall::new("house-model")
            .response_model("house-model-build-7")
            .usage(TokenUsage::new(1000, 500)),
    );
    span.end();
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - 0.002).abs() < 1e-12, "{}", cost.value);
}

static HOUSE: std::sync::LazyLock<PricingTable> = std::sync::LazyLock::new(|| {
    PricingTable::new([("house-model", ModelPricing::new(1.0, 2.0))]).unwrap()
});

#[observe(pricing = HOUSE, model = "house-model")]
fn house_chat() -> Json {
    json!({"object": "chat.completion", "model": "house-model-build-7",
           "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 1000, "completion_tokens": 500}})
}

/// An observed call prices its metrics and its unsampled totals once, with
/// its own prices for the model that answered, else for the one asked for
/// (`model = …`). (Regression: the metrics looked up the answering model
/// alone in the function's own prices.)
#[test]
fn an_observed_call_prices_the_model_asked_for_with_its_own_prices() {
    let t = telemetry(Sampler::AlwaysOff);
    let wf = workflow("house").enter();
    house_chat();
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - 0.002).abs() < 1e-12, "{}", cost.value);
    assert_eq!(wf.total_cost_usd(), 0.002);
    assert_eq!(wf.llm_calls(), 1);
}

/// Sampled and outside any workflow, only the metrics need the call's
/// cost: it is still priced with the function's own prices (the installed
/// ones do not know the model).
#[test]
fn a_sampled_call_meters_its_cost_with_its_own_prices() {
    let t = telemetry(Sampler::AlwaysOn);
    house_chat();
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert_eq!(cost.count, 1);
    assert!((cost.value - 0.002).abs() < 1e-12, "{}", cost.value);
}

/// A chat stream of `house-model`'s answer, whose last chunk has usage.
#[observe(pricing = HOUSE, model = "house-model")]
fn house_stream() -> impl futures::Stream<Item = Result<Json, std::io::Error>> {
    futures::stream::iter([
        Ok(
            json!({"object": "chat.completion.chunk", "model": "house-model-build-7",
                  "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}),
        ),
        Ok(
            json!({"object": "chat.completion.chunk", "model": "house-model-build-7", "choices": [],
                  "usage": {"prompt_tokens": 1000, "completion_tokens": 500}}),
        ),
    ])
}

/// A streamed call's metrics are priced with the function's own prices, as
/// a returned response's are (the installed ones do not know the model).
#[tokio::test]
async fn a_streamed_call_meters_its_cost_with_its_own_prices() {
    let t = telemetry(Sampler::AlwaysOn);
    let items: Vec<_> = house_stream().collect().await;
    assert_eq!(items.len(), 2);
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert_eq!(cost.count, 1);
    assert!((cost.value - 0.002).abs() < 1e-12, "{}", cost.value);
}

/// `MAX_CHUNK_GAPS` in `last9-genai/src/observe/stream.rs`.
const MAX_CHUNK_GAPS: u64 = 4096;

#[observe(name = "long.stream")]
fn long_stream(chunks: usize) -> impl futures::Stream<Item = String> {
    futures::stream::iter((0..chunks).map(|i| i.to_string()))
}

/// A stream keeps at most `MAX_CHUNK_GAPS` times between chunks for the
/// metrics, so that an endless stream's memory stays bounded; its chunks
/// past that still count.
#[tokio::test]
async fn a_long_stream_records_a_bounded_number_of_chunk_times() {
    let t = telemetry(Sampler::AlwaysOn);
    let chunks = MAX_CHUNK_GAPS as usize + 2;
    assert_eq!(long_stream(chunks).count().await, chunks);
    let gaps = t.point("gen_ai.client.operation.time_per_output_chunk", &[]);
    assert_eq!(gaps.count, MAX_CHUNK_GAPS);
    assert_eq!(
        t.point("gen_ai.client.operation.time_to_first_chunk", &[])
            .count,
        1
    );
    t.tracer_provider.force_flush().unwrap();
    let spans = t.spans.get_finished_spans().unwrap();
    let span = spans.iter().find(|s| s.name == "long.stream").unwrap();
    let counted = span
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "gen_ai.l9.stream.chunks")
        .map(|kv| kv.value.clone());
    assert_eq!(counted, Some(Value::I64(chunks as i64)));
}

#[observe(kind = "tool")]
fn search(query: &str) -> usize {
    query.len()
}

/// Regression: handles bound eagerly made token and cost series holding
/// nothing for a tool call (an OTLP backend then shows a zero-count input
/// series next to the real one).
#[test]
fn a_tool_call_makes_no_empty_token_or_cost_series() {
    let t = telemetry(Sampler::AlwaysOff);
    search("paris");
    search("rome");
    // A tool names no provider, which the conventions' duration requires:
    // its duration is Last9's instrument's, with the same buckets.
    assert!(t.points("gen_ai.client.operation.duration").is_empty());
    let tool = t.point("gen_ai.l9.operation.duration", &[]);
    assert_eq!(tool.count, 2);
    assert_eq!(tool.attributes["gen_ai.operation.name"], "execute_tool");
    assert_eq!(tool.attributes.get("gen_ai.provider.name"), None);
    assert_eq!(tool.bounds.first(), Some(&0.01));
    assert_eq!(tool.bounds.last(), Some(&81.92));
    assert!(t.points("gen_ai.client.token.usage").is_empty());
    assert!(t.points("gen_ai.l9.client.cost").is_empty());
}

/// Calls alike share one series; another model makes its own.
#[test]
fn calls_alike_share_one_series_and_a_model_makes_its_own() {
    let t = telemetry(Sampler::AlwaysOff);
    for _ in 0..3 {
        chat("gpt-4o");
    }
    chat("gpt-4o-mini");
    chat("gpt-4o-mini");
    assert_eq!(calls_of(&t, &[("gen_ai.request.model", "gpt-4o")]), 3);
    assert_eq!(calls_of(&t, &[("gen_ai.request.model", "gpt-4o-mini")]), 2);
    assert_eq!(t.points("gen_ai.client.operation.duration").len(), 2);
}

/// More attribute sets than one thread keeps handles for: each still
/// counted exactly, in its own series.
#[test]
fn more_attribute_sets_than_a_thread_keeps_still_count_exactly() {
    let t = telemetry(Sampler::AlwaysOff);
    let models: Vec<String> = (0..300).map(|i| format!("model-{i}")).collect();
    for _ in 0..2 {
        for model in &models {
            chat(model);
        }
    }
    let points = t.points("gen_ai.client.operation.duration");
    assert_eq!(points.len(), 300);
    assert!(points.iter().all(|p| p.count == 2), "{points:#?}");
    let input = t.points("gen_ai.client.token.usage");
    assert_eq!(input.iter().map(|p| p.value).sum::<f64>(), 600.0 * 120.0);
}

/// A model name of 100 KB with control characters becomes a metric
/// attribute cut as span attributes are (256 bytes and the truncation
/// marker), and the call returns its value unchanged.
#[test]
fn an_enormous_model_name_is_cut_in_the_metrics() {
    let t = telemetry(Sampler::AlwaysOff);
    let model = format!("gpt-4o\u{1b}{}", "x".repeat(100_000));
    assert_eq!(chat(&model), completion());
    let call = t.point("gen_ai.client.operation.duration", &[]);
    let kept = &call.attributes["gen_ai.request.model"];
    assert_eq!(
        *kept,
        format!("{}{}", &model[..256], last9_genai::TRUNCATION_MARKER)
    );
}

/// Crossing a budget is counted once per threshold, with the scope, the
/// unit and the level, also when the sampler dropped the call's span; the
/// check that follows sees the unsampled call.
#[test]
fn budget_crossings_are_counted_at_any_sampling_rate() {
    let t = telemetry(Sampler::AlwaysOff);
    let wf = workflow("agent").budget_usd(COST * 1.5).enter();
    chat("gpt-4o");
    assert!(wf.check_budget().is_ok());
    chat("gpt-4o");
    let spent = last9_genai::check_budget().unwrap_err();
    assert_eq!(spent.scope_id(), "agent");
    drop(wf);
    for level in ["warning", "exceeded"] {
        let point = t.point(
            "gen_ai.l9.budget.crossings",
            &[("gen_ai.l9.budget.level", level)],
        );
        assert_eq!(point.value, 1.0, "{level}");
        assert_eq!(point.attributes["gen_ai.l9.budget.scope"], "workflow");
        assert_eq!(point.attributes["gen_ai.l9.budget.unit"], "usd");
        assert_eq!(point.attributes["gen_ai.workflow.name"], "agent");
    }
    assert_eq!(t.spans(), 0);
}

/// A streamed call counts when its final usage arrives: the crossing lands
/// on the stream's span and the check after the stream sees it.
#[tokio::test]
async fn a_budget_is_crossed_by_a_streamed_calls_final_usage() {
    let t = telemetry(Sampler::AlwaysOn);
    let chat = conversation("c1").budget_tokens(100).start();
    let read: Vec<_> = async {
        futures::stream::iter(sse_events())
            .observe_sse(StreamCall::new("chat.stream").model("gpt-4o"))
            .collect()
            .await
    }
    .with_scope(chat.turn(1))
    .await;
    assert_eq!(read.len(), 5);
    assert_eq!(chat.total_tokens(), 120);
    let spent = chat.check_budget().unwrap_err();
    assert_eq!((spent.scope(), spent.spent()), ("conversation", 120.0));
    let spans = t.spans.get_finished_spans().unwrap();
    let stream = spans.iter().find(|s| s.name == "chat.stream").unwrap();
    let names: Vec<&str> = stream.events.iter().map(|e| e.name.as_ref()).collect();
    assert!(
        names.ends_with(&["gen_ai.l9.budget.warning", "gen_ai.l9.budget.exceeded"]),
        "{names:?}"
    );
    let exceeded = t.point(
        "gen_ai.l9.budget.crossings",
        &[("gen_ai.l9.budget.level", "exceeded")],
    );
    assert_eq!(
        exceeded.attributes["gen_ai.l9.budget.scope"],
        "conversation"
    );
    assert_eq!(exceeded.attributes["gen_ai.l9.budget.unit"], "tokens");
    assert!(!exceeded.attributes.contains_key("gen_ai.workflow.name"));
}

/// A function that prices its own calls and returns plain text.
#[observe(pricing = pricing())]
fn summarize(text: &str) -> String {
    last9_genai::record_usage("gpt-4o", TokenUsage::new(1000, 500));
    format!("summary of {} bytes", text.len())
}

/// Usage the body records is the call's usage everywhere: on its span, in
/// its metrics (tokens, model, cost), priced once. (Regression: only the
/// span had it; the metrics counted the call with no tokens and no cost.)
#[test]
fn usage_recorded_in_the_body_reaches_the_metrics() {
    let t = telemetry(Sampler::AlwaysOn);
    summarize("long text");
    let input = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "input")],
    );
    assert_eq!((input.count, input.value), (1, 1000.0));
    assert_eq!(input.attributes["gen_ai.response.model"], "gpt-4o");
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - 0.0075).abs() < 1e-12, "{}", cost.value);
    assert_eq!(first_span_cost(&t), Some(0.0075));
}

/// An Azure OpenAI answer: OpenAI's shape, with Azure's content filter
/// results as its marker.
#[observe]
fn azure_chat(model: &str) -> Json {
    let _ = model;
    let mut body = completion();
    body["prompt_filter_results"] = json!([]);
    body
}

/// A client whose calls go to Groq.
struct Groq;

impl last9_genai::ProviderHint for Groq {
    fn provider(&self) -> Option<&'static str> {
        Some("groq")
    }
}

#[observe(skip(client))]
fn groq_chat(client: &Groq, model: &str) -> Json {
    let _ = (client, model);
    completion()
}

/// The metrics name a call's provider as its span does: a marker in the
/// body over a guess from the model's name, a client over both.
/// (Regression: the metrics put the model-name guess first, `openai` for
/// Azure's `gpt-4o`.)
#[test]
fn the_metrics_name_the_provider_as_the_span_does() {
    let t = telemetry(Sampler::AlwaysOn);
    azure_chat("gpt-4o");
    groq_chat(&Groq, "gpt-4o");
    let spans = t.spans.get_finished_spans().unwrap();
    let on_spans: Vec<String> = spans
        .iter()
        .map(|s| {
            s.attributes
                .iter()
                .rev()
                .find(|kv| kv.key.as_str() == "gen_ai.provider.name")
                .map(|kv| kv.value.as_str().into_owned())
                .unwrap()
        })
        .collect();
    assert_eq!(on_spans, ["azure.ai.openai", "groq"]);
    for provider in on_spans {
        let calls = calls_of(&t, &[("gen_ai.provider.name", provider.as_str())]);
        assert_eq!(calls, 1, "{provider}");
    }
}

/// A function's own prices know only its house model.
fn house_only() -> PricingTable {
    PricingTable::new([("house-model", ModelPricing::new(1.0, 1.0))]).unwrap()
}

#[observe(pricing = house_only())]
fn answered_by_gpt_4o() -> Json {
    completion()
}

/// A model the function's own prices lack is priced with the pipeline's,
/// the same cost on the span and in the metrics. (Regression: the metrics
/// had none, the span the processor's.)
#[test]
fn a_model_the_own_prices_lack_is_priced_with_the_pipelines() {
    let t = telemetry(Sampler::AlwaysOn);
    answered_by_gpt_4o();
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - COST).abs() < 1e-12, "{}", cost.value);
    assert_eq!(first_span_cost(&t), Some(COST));
}

/// A function with its own prices that records its usage and fails.
#[observe(pricing = pricing())]
fn summarize_then_fail() -> Result<String, std::io::Error> {
    last9_genai::record_usage("gpt-4o", TokenUsage::new(1000, 500));
    Err(std::io::Error::other("the model timed out"))
}

/// Usage the body records counts at any sampling rate, in the metrics and
/// in the workflow's totals; a call that failed counts none of it, on its
/// span or in its metrics.
#[test]
fn recorded_usage_counts_unsampled_and_not_when_the_call_failed() {
    let t = telemetry(Sampler::AlwaysOff);
    let wf = workflow("summaries").enter();
    summarize("long text");
    let input = t.point(
        "gen_ai.client.token.usage",
        &[("gen_ai.token.type", "input")],
    );
    assert_eq!((input.count, input.value), (1, 1000.0));
    let cost = t.point("gen_ai.l9.client.cost", &[]);
    assert!((cost.value - 0.0075).abs() < 1e-12, "{}", cost.value);
    assert_eq!((wf.llm_calls(), wf.total_tokens()), (1, 1500));
    drop((wf, t));

    let t = telemetry(Sampler::AlwaysOn);
    assert!(summarize_then_fail().is_err());
    assert!(t.points("gen_ai.client.token.usage").is_empty());
    assert!(t.points("gen_ai.l9.client.cost").is_empty());
    let spans = t.spans.get_finished_spans().unwrap();
    assert!(
        !spans[0]
            .attributes
            .iter()
            .any(|kv| kv.key.as_str().starts_with("gen_ai.usage.")),
        "{:?}",
        spans[0].attributes
    );
}

/// The cost written on the first span that ended.
fn first_span_cost(t: &Telemetry) -> Option<f64> {
    let spans = t.spans.get_finished_spans().unwrap();
    common::float(&spans[0], "gen_ai.usage.cost_usd")
}

/// MCP requests are timed on both sides, whatever the sampler keeps (here
/// nothing): `mcp.client.operation.duration` and
/// `mcp.server.operation.duration`, with the conventions' buckets and
/// attributes, never the session or request ids; a failed request says its
/// error type.
#[tokio::test]
async fn mcp_requests_are_timed_on_both_sides_whatever_the_sampler() {
    let t = telemetry(Sampler::AlwaysOff);
    let client = mcp_tools::connected().await;
    for _ in 0..3 {
        client
            .call_tool(rmcp::model::CallToolRequestParams::new("weather"))
            .await
            .unwrap();
    }
    client
        .call_tool(rmcp::model::CallToolRequestParams::new("broken"))
        .await
        .unwrap();
    drop(client);
    assert_eq!(t.spans(), 0);
    for name in [
        "mcp.client.operation.duration",
        "mcp.server.operation.duration",
    ] {
        let weather = t.point(
            name,
            &[
                ("gen_ai.tool.name", "weather"),
                ("mcp.method.name", "tools/call"),
            ],
        );
        assert_eq!(weather.count, 3, "{name}");
        assert_eq!(weather.attributes["gen_ai.operation.name"], "execute_tool");
        assert_eq!(weather.attributes.get("error.type"), None);
        assert_eq!(weather.attributes.get("mcp.session.id"), None);
        assert_eq!(weather.attributes.get("jsonrpc.request.id"), None);
        assert_eq!(weather.bounds.first(), Some(&0.01));
        assert_eq!(weather.bounds.last(), Some(&300.0));
        assert_eq!(weather.bounds.len(), 14);
        let broken = t.point(name, &[("gen_ai.tool.name", "broken")]);
        assert_eq!(broken.count, 1);
        assert_eq!(broken.attributes["error.type"], "tool_error");
    }
}
