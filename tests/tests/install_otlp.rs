//! `install()` exporting over OTLP/HTTP to a collector on 127.0.0.1: the
//! protobuf that arrives carries the attribute types, parent links,
//! conversation and cost; the guard shuts down in every runtime flavour; an
//! unreachable endpoint never blocks the application.

#![allow(clippy::await_holding_lock)]

mod collector;

use std::sync::Mutex;
use std::time::Duration;

use collector::{HttpCollector, attribute, finishes_within, refusing_port, silent_port};
use last9_genai::{Install, ModelPricing, PricingTable, ScopeExt, conversation, observe, workflow};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Proto;
use serde_json::json;

/// `install()` sets the global provider: these tests take turns.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn pricing() -> PricingTable {
    PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap()
}

#[observe(tags = ["production"])]
fn chat(prompt: &str) -> serde_json::Value {
    let _ = prompt;
    json!({ "id": "chatcmpl-1", "model": "gpt-4o", "choices": [{ "message": { "content": "Paris" }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 1000, "completion_tokens": 500 } })
}

#[observe(kind = "tool")]
fn lookup(city: &str) -> usize {
    city.len()
}

fn scenario() {
    let _c = conversation("session_123").user_id("user_456").enter();
    let _w = workflow("rag_search").enter();
    lookup("paris");
    chat("capital of France?");
}

#[test]
fn the_exported_protobuf_carries_types_links_conversation_and_cost() {
    let _turn = turn();
    let collector = HttpCollector::start();
    let guard = Install::default()
        .endpoint(collector.endpoint())
        .headers("Authorization=Basic%20abc,x-tenant=acme")
        .unwrap()
        .service_name("rag-service")
        .pricing(pricing())
        .install()
        .unwrap();
    scenario();
    drop(guard);

    let requests = collector.requests();
    assert!(!requests.is_empty());
    let request = &requests[0];
    assert_eq!(request.path, "/v1/traces");
    let header = |k: &str| {
        request
            .headers
            .iter()
            .find(|(h, _)| h == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("authorization"), Some("Basic abc"));
    assert_eq!(header("x-tenant"), Some("acme"));
    assert_eq!(header("content-type"), Some("application/x-protobuf"));

    let spans = collector.spans();
    assert_eq!(spans.len(), 3);
    assert!(spans.iter().all(|(service, _)| service == "rag-service"));
    let span = |name: &str| {
        spans
            .iter()
            .map(|(_, s)| s)
            .find(|s| s.name == name)
            .unwrap()
    };
    let (wf, chat, tool) = (span("rag_search"), span("chat"), span("lookup"));
    assert_eq!(chat.parent_span_id, wf.span_id);
    assert_eq!(tool.parent_span_id, wf.span_id);
    assert_eq!(chat.trace_id, wf.trace_id);

    let get =
        |s: &opentelemetry_proto::tonic::trace::v1::Span, k: &str| attribute(&s.attributes, k);
    assert_eq!(
        get(chat, "gen_ai.conversation.id"),
        Some(Proto::StringValue("session_123".into()))
    );
    assert_eq!(
        get(chat, "gen_ai.usage.input_tokens"),
        Some(Proto::IntValue(1000))
    );
    assert_eq!(
        get(chat, "gen_ai.usage.cost_usd"),
        Some(Proto::DoubleValue(0.0075))
    );
    assert!(matches!(
        get(chat, "latency_ms"),
        Some(Proto::DoubleValue(_))
    ));
    assert!(matches!(get(chat, "tags"), Some(Proto::ArrayValue(_))));
    assert!(matches!(
        get(chat, "gen_ai.response.finish_reasons"),
        Some(Proto::ArrayValue(_))
    ));
    assert_eq!(get(wf, "workflow.llm_calls"), Some(Proto::IntValue(1)));
    assert_eq!(get(wf, "workflow.tool_calls"), Some(Proto::IntValue(1)));
    assert_eq!(
        get(wf, "workflow.total_cost_usd"),
        Some(Proto::DoubleValue(0.0075))
    );
}

fn spans_arrive_after_drop_in(run: impl FnOnce(Box<dyn FnOnce() + Send>)) {
    let collector = HttpCollector::start();
    let guard = Install::default()
        .endpoint(collector.endpoint())
        .install()
        .unwrap();
    let collector_then = collector.clone();
    run(Box::new(move || {
        lookup("x");
        drop(guard);
    }));
    assert_eq!(collector_then.spans().len(), 1);
}

#[test]
fn the_guard_shuts_down_with_no_runtime() {
    let _turn = turn();
    finishes_within(60, || spans_arrive_after_drop_in(|work| work()));
}

#[test]
fn the_guard_shuts_down_inside_a_current_thread_runtime() {
    let _turn = turn();
    finishes_within(60, || {
        spans_arrive_after_drop_in(|work| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move { work() });
        })
    });
}

#[test]
fn the_guard_shuts_down_inside_a_multi_thread_runtime() {
    let _turn = turn();
    finishes_within(60, || {
        spans_arrive_after_drop_in(|work| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move { tokio::spawn(async move { work() }).await.unwrap() });
        })
    });
}

fn keeps_working_against(port: u16) {
    let guard = Install::default()
        .endpoint(format!("http://127.0.0.1:{port}/v1/traces"))
        .export_timeout(Duration::from_millis(500))
        .shutdown_timeout(Duration::from_secs(1))
        .install()
        .unwrap();
    // Far more spans than the batch queue holds: the application must
    // neither block nor fail while the endpoint is down.
    let total: usize = (0..5000).map(|_| lookup("paris")).sum();
    assert_eq!(total, 5 * 5000);
    drop(guard);
}

#[test]
fn a_port_that_refuses_never_blocks_the_application() {
    let _turn = turn();
    finishes_within(60, || keeps_working_against(refusing_port()));
}

#[test]
fn a_peer_that_never_answers_never_blocks_the_application() {
    let _turn = turn();
    finishes_within(60, || keeps_working_against(silent_port()));
}

#[tokio::test]
async fn async_code_exports_too() {
    let _turn = turn();
    let collector = HttpCollector::start();
    let guard = Install::default()
        .endpoint(collector.endpoint())
        .install()
        .unwrap();
    async { chat("hi") }
        .with_scope(conversation("async_conv"))
        .await;
    drop(guard);
    let spans = collector.spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(
        attribute(&spans[0].1.attributes, "gen_ai.conversation.id"),
        Some(Proto::StringValue("async_conv".into()))
    );
}

/// Metrics go over OTLP/HTTP beside the traces (`/v1/metrics` on the same
/// collector), with the resource's service name; with a sampler that keeps
/// no trace, every call is still there: tokens, duration, cost, workflow.
#[test]
fn metrics_go_over_otlp_beside_the_traces_whatever_the_sampler() {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    let _turn = turn();
    let collector = HttpCollector::start();
    let guard = Install::default()
        .endpoint(collector.endpoint())
        .service_name("rag-service")
        .pricing(pricing())
        .sampler(opentelemetry_sdk::trace::Sampler::AlwaysOff)
        .install()
        .unwrap();
    scenario();
    drop(guard);

    assert!(collector.spans().is_empty(), "the sampler kept no span");
    let metrics = collector.metrics();
    let services: Vec<(&str, &str)> = metrics
        .iter()
        .map(|(service, m)| (service.as_str(), m.name.as_str()))
        .collect();
    assert!(
        services
            .iter()
            .all(|(service, _)| *service == "rag-service"),
        "{services:?}"
    );
    let metric = |name: &str| {
        metrics
            .iter()
            .rev()
            .find(|(_, m)| m.name == name)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("no {name} in {metrics:#?}"))
    };
    let text = |attributes: &[opentelemetry_proto::tonic::common::v1::KeyValue], key: &str| {
        attribute(attributes, key).map(|v| match v {
            Proto::StringValue(s) => s,
            other => panic!("{key}: {other:?}"),
        })
    };

    let tokens = metric("gen_ai.client.token.usage");
    assert_eq!(tokens.unit, "{token}");
    let Some(Data::Histogram(histogram)) = tokens.data else {
        panic!("token usage is a histogram");
    };
    let by_type = |kind: &str| {
        histogram
            .data_points
            .iter()
            .find(|p| text(&p.attributes, "gen_ai.token.type").as_deref() == Some(kind))
            .unwrap_or_else(|| panic!("no {kind} tokens"))
    };
    let input = by_type("input");
    assert_eq!((input.count, input.sum), (1, Some(1000.0)));
    assert_eq!(by_type("output").sum, Some(500.0));
    assert_eq!(
        text(&input.attributes, "gen_ai.workflow.name").as_deref(),
        Some("rag_search")
    );
    assert_eq!(text(&input.attributes, "gen_ai.conversation.id"), None);
    assert_eq!(input.explicit_bounds.len(), 14);

    let Some(Data::Sum(cost)) = metric("gen_ai.l9.client.cost").data else {
        panic!("cost is a sum");
    };
    assert!(cost.is_monotonic);
    let total: f64 = cost
        .data_points
        .iter()
        .map(|p| match p.value {
            Some(opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsDouble(
                v,
            )) => v,
            other => panic!("{other:?}"),
        })
        .sum();
    assert!((total - 0.0075).abs() < 1e-12, "{total}");

    let duration = metric("gen_ai.client.operation.duration");
    assert_eq!(duration.unit, "s");
    let Some(Data::Histogram(duration)) = duration.data else {
        panic!("duration is a histogram");
    };
    let kinds = |points: &[opentelemetry_proto::tonic::metrics::v1::HistogramDataPoint]| {
        points
            .iter()
            .map(|p| (text(&p.attributes, "gen_ai.operation.name"), p.count))
            .collect::<Vec<_>>()
    };
    // The model call in the conventions' instrument; the tool, which names
    // no provider (that instrument requires one), in Last9's.
    assert_eq!(kinds(&duration.data_points), [(Some("chat".to_owned()), 1)]);
    let other = metric("gen_ai.l9.operation.duration");
    assert_eq!(other.unit, "s");
    let Some(Data::Histogram(other)) = other.data else {
        panic!("Last9's duration is a histogram");
    };
    assert_eq!(
        kinds(&other.data_points),
        [(Some("execute_tool".to_owned()), 1)]
    );
    let Some(Data::Histogram(workflow)) = metric("gen_ai.l9.workflow.duration").data else {
        panic!("workflow duration is a histogram");
    };
    assert_eq!(workflow.data_points.len(), 1);
    assert_eq!(workflow.data_points[0].count, 1);
}

/// `Install::metric_export_interval`: metrics arrive while the application
/// runs, before any shutdown.
#[test]
fn metrics_are_exported_at_the_interval_asked_for() {
    let _turn = turn();
    let collector = HttpCollector::start();
    let guard = Install::default()
        .endpoint(collector.endpoint())
        .metric_export_interval(Duration::from_millis(50))
        .install()
        .unwrap();
    chat("capital of France?");
    let mut seen = false;
    for _ in 0..100 {
        if collector
            .metrics()
            .iter()
            .any(|(_, m)| m.name == "gen_ai.client.token.usage")
        {
            seen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(seen, "no metrics within 2 s at a 50 ms interval");
    drop(guard);
}
