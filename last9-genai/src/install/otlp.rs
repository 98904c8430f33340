//! OTLP export (feature `otlp`): a batch processor over HTTP/protobuf or
//! gRPC, exporting on threads of its own so that the application never
//! waits on the network and shutting down never waits on the caller's
//! runtime.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SpanExporter};

use super::{Compression, InstallError, Protocol};
use crate::health::ExportHealth;

/// Where and how to export.
pub(crate) struct Export {
    pub(crate) endpoint: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) protocol: Protocol,
    pub(crate) timeout: Duration,
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
    pub(crate) compression: Compression,
    pub(crate) metrics_compression: Compression,
}

impl Export {
    /// The batch processor over `exporter`, its queue as large as the
    /// admission bound of `health`, so that the counts are exact.
    fn batch<E: SpanExporter + 'static>(
        &self,
        exporter: E,
        health: &ExportHealth,
    ) -> BatchSpanProcessor {
        let config = BatchConfigBuilder::default()
            .with_max_queue_size(self.max_queue_size)
            .with_max_export_batch_size(self.max_export_batch_size)
            .with_scheduled_delay(self.scheduled_delay)
            .build();
        BatchSpanProcessor::builder(health.exporter(exporter))
            .with_batch_config(config)
            .build()
    }
}

/// The exporter's compression of `compression`; none for
/// [`Compression::None`].
fn codec(compression: Compression) -> Option<opentelemetry_otlp::Compression> {
    match compression {
        Compression::None => None,
        Compression::Gzip => Some(opentelemetry_otlp::Compression::Gzip),
        Compression::Zstd => Some(opentelemetry_otlp::Compression::Zstd),
    }
}

/// The endpoint `OTEL_TRACES_EXPORTER=otlp` exports to when none is given,
/// as the OTLP specification defaults it.
pub(crate) fn default_endpoint(protocol: Protocol) -> String {
    match protocol {
        Protocol::HttpProtobuf => "http://localhost:4318/v1/traces".to_owned(),
        Protocol::Grpc => "http://localhost:4317".to_owned(),
    }
}

/// The endpoint `OTEL_METRICS_EXPORTER=otlp` exports to when none is given.
pub(crate) fn default_metrics_endpoint(protocol: Protocol) -> String {
    match protocol {
        Protocol::HttpProtobuf => "http://localhost:4318/v1/metrics".to_owned(),
        Protocol::Grpc => "http://localhost:4317".to_owned(),
    }
}

/// The runtime of the gRPC exporter, shut down in the background when
/// dropped (so that dropping it inside another runtime cannot panic or
/// block).
pub(crate) struct Background(Option<tokio::runtime::Runtime>);

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

fn exporter_error(err: impl std::fmt::Display) -> InstallError {
    InstallError::Exporter(err.to_string())
}

/// The runtime the gRPC exporters need, none for HTTP.
pub(crate) fn background(protocol: Protocol) -> Result<Option<Background>, InstallError> {
    match protocol {
        Protocol::HttpProtobuf => Ok(None),
        Protocol::Grpc => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("last9-genai-otlp")
            .enable_all()
            .build()
            .map(|runtime| Some(Background(Some(runtime))))
            .map_err(exporter_error),
    }
}

/// The headers as gRPC metadata; errors name the entry at fault, never its
/// value.
fn metadata(headers: &[(String, String)]) -> Result<tonic::metadata::MetadataMap, InstallError> {
    let mut metadata = tonic::metadata::MetadataMap::new();
    for (i, (key, value)) in headers.iter().enumerate() {
        let bad = |reason| InstallError::Headers {
            entry: i + 1,
            key: Some(key.clone()),
            reason,
        };
        let name = tonic::metadata::MetadataKey::from_bytes(key.to_ascii_lowercase().as_bytes())
            .map_err(|_| bad("not a valid gRPC metadata key"))?;
        let value = value
            .parse()
            .map_err(|_| bad("the value is not valid gRPC metadata"))?;
        metadata.insert(name, value);
    }
    Ok(metadata)
}

/// The batch processor exporting to `export`; gRPC runs on `background`.
pub(crate) fn batch_processor(
    export: &Export,
    health: &ExportHealth,
    background: Option<&Background>,
) -> Result<BatchSpanProcessor, InstallError> {
    let exporter = match (export.protocol, background.and_then(|b| b.0.as_ref())) {
        (Protocol::Grpc, Some(runtime)) => {
            let metadata = metadata(&export.headers)?;
            let _enter = runtime.enter();
            let mut builder = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(&export.endpoint)
                .with_metadata(metadata)
                .with_timeout(export.timeout);
            if let Some(codec) = codec(export.compression) {
                builder = builder.with_compression(codec);
            }
            builder.build().map_err(exporter_error)?
        }
        _ => {
            let headers: HashMap<String, String> = export.headers.iter().cloned().collect();
            let mut builder = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(&export.endpoint)
                .with_headers(headers)
                .with_timeout(export.timeout);
            if let Some(codec) = codec(export.compression) {
                builder = builder.with_compression(codec);
            }
            builder.build().map_err(exporter_error)?
        }
    };
    Ok(export.batch(exporter, health))
}

/// The metric exporter sending to `endpoint` as `export` says (headers,
/// protocol, timeout); gRPC runs on `background`.
pub(crate) fn metric_exporter(
    export: &Export,
    endpoint: &str,
    background: Option<&Background>,
) -> Result<opentelemetry_otlp::MetricExporter, InstallError> {
    match (export.protocol, background.and_then(|b| b.0.as_ref())) {
        (Protocol::Grpc, Some(runtime)) => {
            let metadata = metadata(&export.headers)?;
            let _enter = runtime.enter();
            let mut builder = opentelemetry_otlp::MetricExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .with_metadata(metadata)
                .with_timeout(export.timeout);
            if let Some(codec) = codec(export.metrics_compression) {
                builder = builder.with_compression(codec);
            }
            builder.build().map_err(exporter_error)
        }
        _ => {
            let headers: HashMap<String, String> = export.headers.iter().cloned().collect();
            let mut builder = opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(endpoint)
                .with_headers(headers)
                .with_timeout(export.timeout);
            if let Some(codec) = codec(export.metrics_compression) {
                builder = builder.with_compression(codec);
            }
            builder.build().map_err(exporter_error)
        }
    }
}
