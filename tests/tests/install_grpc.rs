//! `install()` exporting over OTLP/gRPC to a tonic collector on 127.0.0.1,
//! and shutting down without hanging in every runtime flavour: the trouble
//! opentelemetry-rust users meet (issues 3176, 2583 and 2715 there).

mod collector;

use std::sync::{Arc, Mutex};

use collector::{attribute, finishes_within, spans_of};
use last9_genai::{Install, Protocol, observe};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Proto;

/// Each request with its `x-tenant` metadata.
type Received = Vec<(Option<String>, ExportTraceServiceRequest)>;

/// A metric's name, with its request's `x-tenant` metadata.
type Named = (Option<String>, String);

#[derive(Clone, Default)]
struct GrpcCollector {
    requests: Arc<Mutex<Received>>,
    /// The names of the metrics received, with each request's `x-tenant`.
    metrics: Arc<Mutex<Vec<Named>>>,
    /// Each trace export's `grpc-encoding`, if compressed.
    encodings: Arc<Mutex<Vec<Option<String>>>>,
}

fn tenant<T>(request: &tonic::Request<T>) -> Option<String> {
    request
        .metadata()
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tonic::async_trait]
impl MetricsService for GrpcCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let tenant = tenant(&request);
        let names = request
            .into_inner()
            .resource_metrics
            .into_iter()
            .flat_map(|r| r.scope_metrics)
            .flat_map(|s| s.metrics)
            .map(|m| (tenant.clone(), m.name));
        self.metrics.lock().unwrap().extend(names);
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

#[tonic::async_trait]
impl TraceService for GrpcCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let tenant = tenant(&request);
        let encoding = request
            .metadata()
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.encodings.lock().unwrap().push(encoding);
        self.requests
            .lock()
            .unwrap()
            .push((tenant, request.into_inner()));
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// Starts a collector on its own runtime; returns it and its endpoint.
fn start() -> (GrpcCollector, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let collector = GrpcCollector::default();
    let service = TraceServiceServer::new(collector.clone())
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
        .accept_compressed(tonic::codec::CompressionEncoding::Zstd);
    let metrics = MetricsServiceServer::new(collector.clone());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime
            .block_on(
                tonic::transport::Server::builder()
                    .add_service(service)
                    .add_service(metrics)
                    .serve(addr),
            )
            .unwrap();
    });
    // wait until it accepts
    for _ in 0..200 {
        if std::net::TcpStream::connect(addr).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    (collector, format!("http://{addr}"))
}

#[observe(kind = "tool")]
fn step(n: u32) -> u32 {
    n + 1
}

static TURN: Mutex<()> = Mutex::new(());

fn exports_in(run: impl FnOnce(Box<dyn FnOnce() + Send>)) {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (collector, endpoint) = start();
    let guard = Install::default()
        .protocol(Protocol::Grpc)
        .endpoint(endpoint)
        .headers("x-tenant=acme")
        .unwrap()
        .service_name("grpc-service")
        .install()
        .unwrap();
    run(Box::new(move || {
        assert_eq!(step(1), 2);
        drop(guard);
    }));
    // The tool call's duration (no provider: Last9's instrument, not the
    // conventions'), over gRPC with the same metadata.
    let metrics = collector.metrics.lock().unwrap().clone();
    assert!(
        metrics.contains(&(
            Some("acme".to_owned()),
            "gen_ai.l9.operation.duration".to_owned()
        )),
        "{metrics:?}"
    );
    let requests = collector.requests.lock().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].0.as_deref(), Some("acme"));
    let spans = spans_of(&requests[0].1);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].0, "grpc-service");
    assert_eq!(spans[0].1.name, "step");
    assert_eq!(
        attribute(&spans[0].1.attributes, "gen_ai.tool.call.arguments"),
        Some(Proto::StringValue(r#"{"n":1}"#.to_owned()))
    );
}

#[test]
fn grpc_with_no_runtime() {
    finishes_within(60, || exports_in(|work| work()));
}

#[test]
fn grpc_inside_a_current_thread_runtime() {
    finishes_within(60, || {
        exports_in(|work| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move { work() });
        })
    });
}

#[test]
fn grpc_inside_a_multi_thread_runtime() {
    finishes_within(60, || {
        exports_in(|work| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move { tokio::spawn(async move { work() }).await.unwrap() });
        })
    });
}

/// `Install::compression` (and the variables, read into it) over gRPC:
/// the exports arrive compressed as asked, and whole.
#[test]
fn compressed_exports_over_grpc() {
    use last9_genai::Compression;
    for (compression, encoding) in [(Compression::Gzip, "gzip"), (Compression::Zstd, "zstd")] {
        let _turn = TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (collector, endpoint) = start();
        let guard = Install::default()
            .protocol(Protocol::Grpc)
            .endpoint(endpoint)
            .compression(compression)
            .service_name("grpc-compressed")
            .install()
            .unwrap();
        assert_eq!(step(41), 42);
        drop(guard);
        assert_eq!(
            *collector.encodings.lock().unwrap(),
            [Some(encoding.to_owned())]
        );
        let requests = collector.requests.lock().unwrap();
        let spans = spans_of(&requests[0].1);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].1.name, "step");
    }
}
