//! Spans from another process in this one's console tree: an OTLP/HTTP
//! receiver on 127.0.0.1 hands the spans a child process exports to the
//! same [`ConsoleExporter`] this process's pipeline prints with, so that a
//! trace that goes through the child is printed as one tree.
//!
//! This is for running the examples on one machine without a backend: with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, both processes export there, as in
//! production, and the backend joins the trace.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use last9_genai::{ConsoleExporter, Last9SpanProcessor};
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, KeyValue, Value};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, status};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    SdkTracerProvider, SimpleSpanProcessor, SpanData, SpanEvents, SpanExporter, SpanLinks,
};
use prost::Message;

/// The console exporter, shared by this process's pipeline and the
/// receiver.
#[derive(Debug, Clone)]
struct SharedConsole(Arc<ConsoleExporter>);

impl SpanExporter for SharedConsole {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.export(batch).await
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
}

/// This process's telemetry, and what its child processes are told.
pub enum Telemetry {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` is set: both export there; the child
    /// inherits the environment.
    Installed(last9_genai::TelemetryGuard),
    /// No endpoint: one console tree for both.
    Tree(Tree),
}

impl Telemetry {
    /// As the environment says: [`crate::telemetry`] with an endpoint, else
    /// a [`Tree`].
    pub async fn start() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
            return Ok(Self::Installed(crate::telemetry()?));
        }
        Ok(Self::Tree(Tree::start().await?))
    }

    /// Sets a child's environment to send its spans where this process's go.
    pub fn configure(&self, command: &mut tokio::process::Command) {
        if let Self::Tree(tree) = self {
            // Plain protobuf to the receiver, whatever this process was told.
            for key in [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "OTEL_EXPORTER_OTLP_COMPRESSION",
                "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            ] {
                command.env_remove(key);
            }
            command
                .env("OTEL_EXPORTER_OTLP_ENDPOINT", tree.endpoint())
                .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .env("OTEL_METRICS_EXPORTER", "none");
        }
    }
}

/// This process's pipeline, printing to stderr, and the receiver that adds
/// a child's spans to its trees.
pub struct Tree {
    provider: SdkTracerProvider,
    endpoint: String,
}

impl Tree {
    /// Starts the receiver on the current runtime and registers a pipeline
    /// with the example prices that prints each trace as a tree on stderr.
    pub async fn start() -> std::io::Result<Self> {
        let console = SharedConsole(Arc::new(ConsoleExporter::stderr()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let app = axum::Router::new()
            .route("/v1/traces", post(receive))
            .route("/v1/metrics", post(|| async {}))
            .with_state(console.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let provider = SdkTracerProvider::builder()
            .with_span_processor(
                Last9SpanProcessor::builder()
                    .pricing(crate::pricing())
                    .wrap(SimpleSpanProcessor::new(console)),
            )
            .build();
        last9_genai::set_tracer_provider(provider.clone());
        Ok(Self { provider, endpoint })
    }

    /// Where a child process exports to: its `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for Tree {
    /// Prints what is left.
    fn drop(&mut self) {
        let _ = self.provider.shutdown();
    }
}

/// One export request: its spans, as this process's own, in the tree.
async fn receive(State(console): State<SharedConsole>, body: Bytes) {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return;
    };
    let spans = request
        .resource_spans
        .into_iter()
        .flat_map(|resource| resource.scope_spans)
        .flat_map(|scope| scope.spans)
        .filter_map(span_data)
        .collect();
    let _ = console.export(spans).await;
}

/// An exported span as the SDK holds one. Its parent, when it has one, is
/// in this process: the tree joins them.
fn span_data(span: Span) -> Option<SpanData> {
    let trace_id = TraceId::from_bytes(span.trace_id.try_into().ok()?);
    let span_id = SpanId::from_bytes(span.span_id.try_into().ok()?);
    let parent_span_id =
        <[u8; 8]>::try_from(span.parent_span_id).map_or(SpanId::INVALID, SpanId::from_bytes);
    let at = |nanos| SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos);
    let status = match span.status {
        Some(s) if s.code == status::StatusCode::Error as i32 => Status::error(s.message),
        Some(s) if s.code == status::StatusCode::Ok as i32 => Status::Ok,
        _ => Status::Unset,
    };
    Some(SpanData {
        span_context: SpanContext::new(
            trace_id,
            span_id,
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id,
        parent_span_is_remote: false,
        span_kind: match span.kind {
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            _ => SpanKind::Internal,
        },
        name: span.name.into(),
        start_time: at(span.start_time_unix_nano),
        end_time: at(span.end_time_unix_nano),
        attributes: span
            .attributes
            .into_iter()
            .filter_map(|kv| Some(KeyValue::new(kv.key, value(kv.value?)?)))
            .collect(),
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status,
        instrumentation_scope: InstrumentationScope::builder("remote").build(),
    })
}

fn value(value: AnyValue) -> Option<Value> {
    Some(match value.value? {
        any_value::Value::StringValue(s) => Value::from(s),
        any_value::Value::IntValue(i) => Value::from(i),
        any_value::Value::DoubleValue(d) => Value::from(d),
        any_value::Value::BoolValue(b) => Value::from(b),
        _ => return None,
    })
}
