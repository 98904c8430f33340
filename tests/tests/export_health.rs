//! Export health: every span handed to export is exported, counted dropped
//! (queue full) or counted failed, exactly, and a warning says so while it
//! happens. `install()` registers globally, so each case runs this binary
//! again as a child process with the variables set.

mod collector;
mod common;

use std::collections::HashSet;

use collector::{HttpCollector, refusing_port};
use last9_genai::{ExportCounts, conversation, observe, workflow};

#[observe]
fn step(i: usize) -> usize {
    last9_genai::record_usage("gpt-4o", last9_genai::TokenUsage::new(10, 5));
    i + 1
}

/// The variables `install()` reads, removed before a child runs.
const VARS: &[&str] = &[
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_EXPORTER",
    "OTEL_SDK_DISABLED",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_SCHEDULE_DELAY",
];

fn var(name: &str) -> usize {
    std::env::var(name).unwrap().parse().unwrap()
}

/// A line `COUNTS exported dropped failed queued` the parent reads.
fn report(counts: ExportCounts) {
    println!(
        "COUNTS {} {} {} {}",
        counts.exported, counts.dropped, counts.failed, counts.queued
    );
}

/// Calls per thread of the load tests: 2 000, or `LOAD_CALLS` (the
/// reliability script runs 100 000).
fn load_calls() -> u64 {
    std::env::var("LOAD_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

fn counts_of(stdout: &[u8]) -> [u64; 4] {
    let stdout = String::from_utf8_lossy(stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("COUNTS "))
        .expect("the child reports its counts");
    let numbers: Vec<u64> = line.split(' ').map(|n| n.parse().unwrap()).collect();
    numbers.try_into().unwrap()
}

/// `THREADS` threads each make `CALLS` observed calls inside one workflow
/// of their own conversation, then the child flushes and reports.
#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child_makes_observed_calls_on_threads() {
    // Room to flush 800 000 spans at shutdown when the load is large.
    let guard = last9_genai::Install::from_env()
        .unwrap()
        .shutdown_timeout(std::time::Duration::from_secs(60))
        .install()
        .unwrap();
    let (threads, calls) = (var("THREADS"), var("CALLS"));
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let _c = conversation(format!("c{t}")).enter();
                let wf = workflow(format!("w{t}")).enter();
                for i in 0..calls {
                    assert_eq!(step(i), i + 1);
                }
                // Exact under load: every call counted once, whether its
                // span was exported or dropped.
                assert_eq!(wf.llm_calls(), calls as u64);
                drop(wf);
            });
        }
    });
    report(guard.shutdown());
}

/// Regression: 561 000 spans lost to a closed port printed nothing.
#[test]
fn spans_refused_by_the_backend_are_counted_failed_and_said() {
    let endpoint = format!("http://127.0.0.1:{}", refusing_port());
    let output = common::run_child(
        "child_makes_observed_calls_on_threads",
        VARS,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "20"),
            ("THREADS", "2"),
            ("CALLS", "50"),
        ],
    );
    // 2 × (50 calls + 1 workflow span), all failed, none left.
    assert_eq!(counts_of(&output.stdout), [0, 0, 102, 0]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("spans failed to export so far"))
        .collect();
    assert_eq!(
        said.len(),
        1,
        "rate-limited to one in ten seconds:\n{stderr}"
    );
    assert!(
        stderr.contains(
            "telemetry shut down with spans lost: 0 spans exported, 0 dropped (queue full), 102 failed to export, 0 queued"
        ),
        "{stderr}"
    );
}

/// A queue too small for a burst: what is not exported is counted dropped,
/// exactly, and the collector received exactly the spans counted exported.
#[test]
fn a_burst_past_the_queue_is_counted_dropped_exactly() {
    let collector = HttpCollector::start();
    let endpoint = format!("http://127.0.0.1:{}", collector.port);
    let calls = load_calls();
    let output = common::run_child(
        "child_makes_observed_calls_on_threads",
        VARS,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "64"),
            ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
            ("THREADS", "8"),
            ("CALLS", &calls.to_string()),
        ],
    );
    let [exported, dropped, failed, queued] = counts_of(&output.stdout);
    println!("burst of 8 × {calls}: {exported} exported, {dropped} dropped");
    assert_eq!(exported + dropped, 8 * (calls + 1));
    assert_eq!((failed, queued), (0, 0));
    assert!(dropped > 0, "a queue of 64 cannot hold a burst of 16 008");
    assert_eq!(collector.spans().len() as u64, exported);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("spans dropped so far: the export queue (64 spans) is full"),
        "{stderr}"
    );
}

/// With a queue sized for the load, every span arrives exactly once, in
/// its conversation, under its workflow.
#[test]
fn a_queue_sized_for_the_load_exports_every_span_exactly_once() {
    let collector = HttpCollector::start();
    let endpoint = format!("http://127.0.0.1:{}", collector.port);
    let calls = load_calls();
    let spans = 8 * (calls + 1);
    let output = common::run_child(
        "child_makes_observed_calls_on_threads",
        VARS,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_MAX_QUEUE_SIZE", &spans.to_string()),
            ("THREADS", "8"),
            ("CALLS", &calls.to_string()),
        ],
    );
    assert_eq!(counts_of(&output.stdout), [spans, 0, 0, 0]);
    let spans = collector.spans();
    assert_eq!(spans.len() as u64, 8 * (calls + 1));
    let ids: HashSet<Vec<u8>> = spans.iter().map(|(_, s)| s.span_id.clone()).collect();
    assert_eq!(ids.len(), spans.len(), "no span twice");
    let workflows: Vec<_> = spans
        .iter()
        .filter(|(_, s)| s.name.starts_with('w'))
        .collect();
    assert_eq!(workflows.len(), 8);
    for (_, wf) in workflows {
        let t = &wf.name[1..];
        assert_eq!(
            collector::attribute(&wf.attributes, "workflow.llm_calls"),
            Some(opentelemetry_proto::tonic::common::v1::any_value::Value::IntValue(calls as i64))
        );
        let steps: Vec<_> = spans
            .iter()
            .filter(|(_, s)| s.parent_span_id == wf.span_id)
            .collect();
        assert_eq!(
            steps.len() as u64,
            calls,
            "every step of {} under it",
            wf.name
        );
        for (_, s) in steps {
            assert_eq!(s.name, "step");
            assert_eq!(
                collector::attribute(&s.attributes, "gen_ai.conversation.id"),
                Some(
                    opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(format!(
                        "c{t}"
                    ))
                )
            );
        }
    }
}

/// Observed calls at `RATE` per second for two seconds, paced every
/// millisecond, with the default queue and batch settings; reports counts.
#[test]
#[ignore = "run as a child process by sustained_rates_the_defaults_carry"]
fn child_calls_at_a_steady_rate() {
    let guard = last9_genai::install().unwrap();
    let per_ms = var("RATE") / 1000;
    let start = std::time::Instant::now();
    for ms in 0..2000u32 {
        for i in 0..per_ms {
            assert_eq!(step(i), i + 1);
        }
        let next = std::time::Duration::from_millis(u64::from(ms) + 1);
        if let Some(wait) = next.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    report(guard.shutdown());
}

/// A measurement, not a check: the rates the default settings carry with
/// nothing lost, for RELIABILITY.md. Run it optimized:
/// `cargo test --release -p tests --test export_health -- --ignored --nocapture sustained`.
#[test]
#[ignore = "a measurement for RELIABILITY.md; see its doc comment"]
fn sustained_rates_the_defaults_carry() {
    let collector = HttpCollector::start();
    let endpoint = format!("http://127.0.0.1:{}", collector.port);
    for rate in ["10000", "50000", "100000", "200000"] {
        let output = common::run_child(
            "child_calls_at_a_steady_rate",
            VARS,
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("RATE", rate)],
        );
        let [exported, dropped, failed, queued] = counts_of(&output.stdout);
        println!("| {rate} spans/s | {exported} | {dropped} | {failed} | {queued} |");
        assert_eq!(
            exported + dropped + failed + queued,
            2 * rate.parse::<u64>().unwrap()
        );
    }
}
