//! A backend in trouble never slows or breaks the application, and every
//! span is accounted for. Each case runs this binary again as a child that
//! installs the pipeline the way users do (`install()` with nothing but
//! the endpoint and protocol set: the default batch settings and export
//! timeout, metrics exported too) against a faulty peer on 127.0.0.1 (over
//! HTTP or gRPC), makes 5 000 observed calls spread over longer than one
//! export timeout, shuts down and reports; the parent runs the cases side
//! by side (one at a time with `L9_FAULTS_ONE_AT_A_TIME=1`, as
//! `scripts/reliability.sh` measures them), checks what must hold and
//! prints the figures RELIABILITY.md records:
//!
//! ```sh
//! cargo test -p tests --test backend_faults -- --nocapture
//! ```
//!
//! Held, whatever the fault: exported + dropped + failed + still queued at
//! shutdown = spans made, exactly, and said when any was lost; shutdown,
//! traces and metrics together, returns within its timeout (plus a margin
//! for a loaded machine: this catches a hang, or a second timeout after
//! the first, not a slowness).

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

/// The default export timeout of `install()`: the calls are spread over
/// longer than it, so that exports time out while calls are still made.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child_calls_through_a_backend() {
    let guard = last9_genai::install().unwrap();
    assert!(guard.meter_provider().is_some(), "metrics are exported too");
    let mut latencies = Vec::with_capacity(CALLS);
    // 100 bursts of 50 calls, one every 60 ms: 6 s of calls.
    let pause = (EXPORT_TIMEOUT + Duration::from_secs(1)) / 100;
    for burst in 0..100 {
        for i in burst * 50..(burst + 1) * 50 {
            let start = Instant::now();
            assert_eq!(step(i), i + 1);
            latencies.push(start.elapsed().as_nanos());
        }
        std::thread::sleep(pause);
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
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "OTEL_TRACES_SAMPLER",
            "OTEL_TRACES_EXPORTER",
            "OTEL_METRICS_EXPORTER",
            "OTEL_METRIC_EXPORT_INTERVAL",
            "OTEL_SDK_DISABLED",
            "OTEL_BSP_MAX_QUEUE_SIZE",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            "OTEL_BSP_SCHEDULE_DELAY",
            "OTEL_BSP_EXPORT_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
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
    let lost = report.dropped + report.failed + report.queued;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.contains("telemetry shut"),
        lost > 0,
        "{name} over {protocol}: the loss is said at shutdown, and only then: {stderr}"
    );
    report
}

/// Runs `cases` side by side (one at a time with
/// `L9_FAULTS_ONE_AT_A_TIME=1`), each `(name, protocol, endpoint)`, and
/// returns their reports in order.
fn run_all(cases: Vec<(&'static str, &'static str, String)>) -> Vec<Report> {
    if std::env::var_os("L9_FAULTS_ONE_AT_A_TIME").is_some() {
        return cases
            .iter()
            .map(|(name, protocol, endpoint)| run(name, protocol, endpoint))
            .collect();
    }
    std::thread::scope(|scope| {
        let running: Vec<_> = cases
            .iter()
            .map(|(name, protocol, endpoint)| scope.spawn(move || run(name, protocol, endpoint)))
            .collect();
        running
            .into_iter()
            .map(|case| {
                case.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

fn http(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// Every case over HTTP; every span lost but with the healthy collector,
/// and counted so.
#[test]
fn http_faults_are_counted_and_never_reach_the_call() {
    let healthy = HttpCollector::start();
    let reports = run_all(vec![
        ("healthy", "http/protobuf", http(healthy.port)),
        ("refused", "http/protobuf", http(refusing_port())),
        ("never answers", "http/protobuf", http(silent_port())),
        (
            "500",
            "http/protobuf",
            http(faulty_http(Fault::ServerError)),
        ),
        (
            "429, Retry-After: 30",
            "http/protobuf",
            http(faulty_http(Fault::TooManyRequests)),
        ),
        (
            "1 byte per second",
            "http/protobuf",
            http(faulty_http(Fault::OneBytePerSecond)),
        ),
    ]);
    // Spread over 6 s, the default queue carries every call.
    let healthy_report = &reports[0];
    assert_eq!(
        (
            healthy_report.exported,
            healthy_report.dropped,
            healthy_report.failed,
            healthy_report.queued
        ),
        (CALLS as u64, 0, 0, 0)
    );
    assert_eq!(healthy.spans().len() as u64, healthy_report.exported);
    for report in &reports[1..] {
        assert_eq!(report.exported, 0, "{report:?}");
    }
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
    let reports = run_all(vec![
        ("refused", "grpc", http(refusing_port())),
        ("never answers", "grpc", http(silent_port())),
        (
            "UNAVAILABLE",
            "grpc",
            grpc_refusing(tonic::Code::Unavailable),
        ),
        (
            "RESOURCE_EXHAUSTED",
            "grpc",
            grpc_refusing(tonic::Code::ResourceExhausted),
        ),
    ]);
    for report in &reports {
        assert_eq!(report.exported, 0, "{report:?}");
    }
}
