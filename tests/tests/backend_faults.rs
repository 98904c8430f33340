//! A backend in trouble never slows or breaks the application, and every
//! span is accounted for. Each case runs this binary again as a child that
//! installs the pipeline against a faulty peer on 127.0.0.1 (over HTTP or
//! gRPC), makes 5 000 observed calls, shuts down and reports; the parent
//! checks what must hold and prints the figures RELIABILITY.md records:
//!
//! ```sh
//! cargo test -p tests --test backend_faults -- --nocapture
//! ```
//!
//! Held, whatever the fault: exported + dropped + failed + still queued at
//! shutdown = spans made, exactly; shutdown returns within its timeout (plus
//! a margin for a loaded machine: this catches a hang, not a slowness).

mod collector;
mod common;

use std::time::{Duration, Instant};

use collector::{Fault, HttpCollector, faulty_http, refusing_port, silent_port};
use last9_genai::observe;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};

const CALLS: usize = 5_000;
/// The default shutdown timeout of `install()`.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

#[observe]
fn step(i: usize) -> usize {
    i + 1
}

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child_calls_through_a_backend() {
    let guard = last9_genai::install().unwrap();
    let mut latencies = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        let start = Instant::now();
        assert_eq!(step(i), i + 1);
        latencies.push(start.elapsed().as_nanos());
    }
    latencies.sort_unstable();
    let shutdown = Instant::now();
    let counts = guard.shutdown();
    let shutdown_ms = shutdown.elapsed().as_millis();
    println!(
        "REPORT {} {} {shutdown_ms} {} {} {} {} {}",
        latencies[CALLS / 2],
        latencies[CALLS * 99 / 100],
        counts.exported,
        counts.dropped,
        counts.failed,
        counts.queued,
        peak_rss_kib()
    );
}

/// What a child reported.
#[derive(Debug)]
struct Report {
    p50_ns: u64,
    p99_ns: u64,
    shutdown_ms: u64,
    exported: u64,
    dropped: u64,
    failed: u64,
    queued: u64,
    peak_rss_kib: u64,
}

fn run(name: &str, protocol: &str, endpoint: &str) -> Report {
    let output = common::run_child(
        "child_calls_through_a_backend",
        &[
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_TRACES_SAMPLER",
            "OTEL_TRACES_EXPORTER",
            "OTEL_SDK_DISABLED",
            "OTEL_BSP_MAX_QUEUE_SIZE",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        ],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "1000"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("REPORT "))
        .expect("the child reports");
    let n: Vec<u64> = line.split(' ').map(|n| n.parse().unwrap()).collect();
    let report = Report {
        p50_ns: n[0],
        p99_ns: n[1],
        shutdown_ms: n[2],
        exported: n[3],
        dropped: n[4],
        failed: n[5],
        queued: n[6],
        peak_rss_kib: n[7],
    };
    println!(
        "| {name} | {protocol} | {:.1} µs | {:.1} µs | {} ms | {} | {} | {} | {} | {} MiB |",
        report.p50_ns as f64 / 1000.0,
        report.p99_ns as f64 / 1000.0,
        report.shutdown_ms,
        report.exported,
        report.dropped,
        report.failed,
        report.queued,
        report.peak_rss_kib / 1024
    );
    assert_eq!(
        report.exported + report.dropped + report.failed + report.queued,
        CALLS as u64,
        "{name} over {protocol}: every span accounted for: {report:?}"
    );
    assert!(
        report.shutdown_ms < (SHUTDOWN_TIMEOUT + Duration::from_secs(3)).as_millis() as u64,
        "{name} over {protocol}: shutdown hung: {report:?}"
    );
    report
}

/// Runs a case where the backend takes nothing: every span is lost, and
/// counted so.
fn all_lost(name: &str, protocol: &str, endpoint: &str) {
    let report = run(name, protocol, endpoint);
    assert_eq!(report.exported, 0, "{name} over {protocol}: {report:?}");
}

fn http(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

#[test]
fn http_faults_are_counted_and_never_reach_the_call() {
    let healthy = HttpCollector::start();
    // 5 000 calls in a burst can outrun the default queue (2048): what is
    // not exported is counted dropped; nothing fails.
    let report = run("healthy", "http/protobuf", &http(healthy.port));
    assert_eq!((report.failed, report.queued), (0, 0));
    assert_eq!(healthy.spans().len() as u64, report.exported);
    all_lost("refused", "http/protobuf", &http(refusing_port()));
    all_lost("never answers", "http/protobuf", &http(silent_port()));
    let port = faulty_http(Fault::ServerError);
    all_lost("500", "http/protobuf", &http(port));
    let port = faulty_http(Fault::TooManyRequests);
    all_lost("429, Retry-After: 30", "http/protobuf", &http(port));
    let port = faulty_http(Fault::OneBytePerSecond);
    all_lost("1 byte per second", "http/protobuf", &http(port));
}

/// A gRPC collector answering every export with `status`.
#[derive(Clone)]
struct Refusing(tonic::Code);

#[tonic::async_trait]
impl TraceService for Refusing {
    async fn export(
        &self,
        _: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        Err(tonic::Status::new(self.0, "refused by the test"))
    }
}

fn grpc_refusing(code: tonic::Code) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime
            .block_on(
                tonic::transport::Server::builder()
                    .add_service(TraceServiceServer::new(Refusing(code)))
                    .serve(addr),
            )
            .unwrap();
    });
    for _ in 0..200 {
        if std::net::TcpStream::connect(addr).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    format!("http://{addr}")
}

#[test]
fn grpc_faults_are_counted_and_never_reach_the_call() {
    all_lost("refused", "grpc", &http(refusing_port()));
    all_lost("never answers", "grpc", &http(silent_port()));
    let unavailable = grpc_refusing(tonic::Code::Unavailable);
    all_lost("UNAVAILABLE", "grpc", &unavailable);
    let exhausted = grpc_refusing(tonic::Code::ResourceExhausted);
    all_lost("RESOURCE_EXHAUSTED", "grpc", &exhausted);
}
