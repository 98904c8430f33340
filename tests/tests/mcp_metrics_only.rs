//! A meter provider handed to the crate, and no pipeline of ours: the
//! application registered its own tracer provider through
//! `opentelemetry::global`. An MCP request is then timed in its metric, and
//! the caller's span, current around it, is left alone: not ended by the
//! request, not marked with its error, no content written on it.
//!
//! Regression: the request used the caller's span as its own when no
//! pipeline existed, and ended it.

mod mcp_tools;

use opentelemetry::trace::{TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};
use rmcp::model::CallToolRequestParams;

#[tokio::test]
async fn with_only_a_meter_provider_the_callers_span_is_left_alone() {
    let metrics = InMemoryMetricExporter::default();
    let meters = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(metrics.clone()).build())
        .build();
    last9_genai::set_meter_provider(meters.clone());
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(SimpleSpanProcessor::new(spans.clone()))
        .build();
    let tracer = provider.tracer("app");

    let client = mcp_tools::connected().await;
    let caller = tracer.start("agent_step");
    let cx = Context::current_with_span(caller);
    {
        let _attached = cx.clone().attach();
        client
            .call_tool(CallToolRequestParams::new("broken"))
            .await
            .unwrap();
        client
            .call_tool(CallToolRequestParams::new("weather"))
            .await
            .unwrap();
    }
    assert!(
        spans.get_finished_spans().unwrap().is_empty(),
        "the caller's span is still open"
    );
    cx.span().set_attribute(KeyValue::new("after", true));
    cx.span().end();
    drop(client);

    let finished = spans.get_finished_spans().unwrap();
    assert_eq!(finished.len(), 1, "{finished:?}");
    let caller = &finished[0];
    assert_eq!(caller.name, "agent_step");
    let keys: Vec<&str> = caller.attributes.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(
        keys,
        ["after"],
        "nothing of the requests on the caller's span"
    );
    assert_eq!(caller.status, opentelemetry::trace::Status::Unset);

    // The requests were timed all the same, the failed one with its type.
    meters.force_flush().unwrap();
    let exported = metrics.get_finished_metrics().unwrap();
    let last = exported.last().expect("metrics exported");
    let mut tools = Vec::new();
    for metric in last.scope_metrics().flat_map(|s| s.metrics()) {
        if metric.name() != "mcp.client.operation.duration" {
            continue;
        }
        let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() else {
            panic!("a histogram");
        };
        for point in h.data_points() {
            let get = |key: &str| {
                point
                    .attributes()
                    .find(|kv| kv.key.as_str() == key)
                    .map(|kv| kv.value.as_str().into_owned())
            };
            tools.push((get("gen_ai.tool.name"), get("error.type"), point.count()));
        }
    }
    tools.sort();
    assert_eq!(
        tools,
        [
            (Some("broken".into()), Some("tool_error".into()), 1),
            (Some("weather".into()), None, 1),
        ]
    );
}
