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
    let guard = last9_genai::install().unwrap();
    let (threads, calls) = (var("THREADS"), var("CALLS"));
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let _c = conversation(format!("c{t}")).enter();
                let wf = workflow(format!("w{t}")).enter();
                for i in 0..calls {
                    assert_eq!(step(i), i + 1);
                }
                drop(wf);
            });
        }
    });
    let _ = guard.provider().force_flush();
    report(guard.export_counts());
    drop(guard);
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
    let output = common::run_child(
        "child_makes_observed_calls_on_threads",
        VARS,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "64"),
            ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
            ("THREADS", "8"),
            ("CALLS", "2000"),
        ],
    );
    let [exported, dropped, failed, queued] = counts_of(&output.stdout);
    assert_eq!(exported + dropped, 8 * 2001);
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
    let output = common::run_child(
        "child_makes_observed_calls_on_threads",
        VARS,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "20000"),
            ("THREADS", "8"),
            ("CALLS", "2000"),
        ],
    );
    assert_eq!(counts_of(&output.stdout), [8 * 2001, 0, 0, 0]);
    let spans = collector.spans();
    assert_eq!(spans.len(), 8 * 2001);
    let ids: HashSet<Vec<u8>> = spans.iter().map(|(_, s)| s.span_id.clone()).collect();
    assert_eq!(ids.len(), spans.len(), "no span twice");
    let workflows: Vec<_> = spans
        .iter()
        .filter(|(_, s)| s.name.starts_with('w'))
        .collect();
    assert_eq!(workflows.len(), 8);
    for (_, wf) in workflows {
        let t = &wf.name[1..];
        let steps: Vec<_> = spans
            .iter()
            .filter(|(_, s)| s.parent_span_id == wf.span_id)
            .collect();
        assert_eq!(steps.len(), 2000, "every step of {} under it", wf.name);
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
