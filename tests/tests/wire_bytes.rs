//! What one observed chat call sends over the wire, in each content layout:
//! the call of `scripts/compare/bytes_call.json` (a system and a user
//! message, 1.6 KB, and a 0.6 KB answer), made [`CALLS`] times under
//! `install()`, exported over OTLP/HTTP protobuf to a collector on
//! 127.0.0.1. Each layout runs in a child process (the layout and the
//! compression are read from the environment once).
//!
//! The tests hold what does not move with the machine: each text goes out
//! once per layout (twice in `both`), no span is lost, the span and its
//! events carry at most 20 attributes, and compression is honoured.
//! `scripts/compare-python.sh --bytes` compares the bytes per call with the
//! Python SDK's, side by side (`BENCHMARKS.md`).

mod collector;
mod common;

use collector::HttpCollector;
use last9_genai::observe;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use serde_json::{Value, json};

/// Calls per layout.
const CALLS: usize = 200;

const CALL: &str = include_str!("../../scripts/compare/bytes_call.json");

/// Pieces of each text, found once in each copy of it.
const SYSTEM_MARK: &str = "route refund requests to the billing team";
const USER_MARK: &str = "eu-west-2 has been returning 502 errors";
const ANSWER_MARK: &str = "lost part of its capacity at 09:12 UTC";

fn call() -> Value {
    serde_json::from_str(CALL).unwrap()
}

#[observe(pricing = common::pricing())]
fn chat(messages: Value) -> Value {
    let _ = messages;
    call()["response"].clone()
}

/// What arrived at the collector.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
struct Wire {
    layout: String,
    compression: String,
    calls: usize,
    spans: usize,
    /// Bytes as sent (compressed when asked), and as decoded.
    bytes: usize,
    decoded: usize,
    /// Span and event attributes of one span.
    attributes: usize,
    /// How often each text went out, in all.
    system: usize,
    user: usize,
    answer: usize,
    /// The content-encoding of the exports.
    encoding: Option<String>,
}

fn count(haystack: &[u8], needle: &str) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle.as_bytes())
        .count()
}

/// The child: [`CALLS`] calls under `install()` configured from the
/// environment, exported to a collector of its own; prints what arrived.
#[test]
#[ignore = "run by the tests below, in a child process"]
fn child_sends_calls() {
    let collector = HttpCollector::start();
    let guard = last9_genai::Install::from_env()
        .unwrap()
        .endpoint(collector.endpoint())
        .protocol(last9_genai::Protocol::HttpProtobuf)
        .install()
        .unwrap();
    let messages = call()["messages"].clone();
    for _ in 0..CALLS {
        chat(messages.clone());
    }
    let counts = guard.shutdown();
    assert_eq!(counts.exported, CALLS as u64, "{counts:?}");
    let requests: Vec<_> = collector
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/traces")
        .collect();
    let decoded: Vec<Vec<u8>> = requests.iter().map(|r| r.decoded_body()).collect();
    let all: Vec<u8> = decoded.concat();
    let spans = collector.spans();
    let first = &spans[0].1;
    let wire = Wire {
        layout: format!("{:?}", last9_genai::content_layout()).to_lowercase(),
        compression: std::env::var("OTEL_EXPORTER_OTLP_COMPRESSION").unwrap_or_default(),
        calls: CALLS,
        spans: spans.len(),
        bytes: requests.iter().map(|r| r.body.len()).sum(),
        decoded: decoded.iter().map(Vec::len).sum(),
        attributes: first.attributes.len()
            + first
                .events
                .iter()
                .map(|e| e.attributes.len())
                .sum::<usize>(),
        system: count(&all, SYSTEM_MARK),
        user: count(&all, USER_MARK),
        answer: count(&all, ANSWER_MARK),
        encoding: requests[0].header("content-encoding").map(str::to_owned),
    };
    // Every body decodes as an export request.
    for body in &decoded {
        ExportTraceServiceRequest::decode(&body[..]).unwrap();
    }
    println!("WIRE {}", serde_json::to_string(&wire).unwrap());
}

/// Runs the child with `vars` and reads what it reports.
fn wire(vars: &[(&str, &str)]) -> Wire {
    let output = common::run_child(
        "child_sends_calls",
        &[
            last9_genai::CONTENT_LAYOUT_ENV,
            last9_genai::CAPTURE_CONTENT_ENV,
            "OTEL_EXPORTER_OTLP_COMPRESSION",
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_METRICS_EXPORTER",
            "OTEL_TRACES_SAMPLER",
        ],
        vars,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("WIRE "))
        .unwrap_or_else(|| panic!("no report:\n{stdout}"));
    serde_json::from_str(line).unwrap()
}

/// The layout named `layout`, no compression.
fn layout(layout: &str) -> Wire {
    wire(&[
        (last9_genai::CONTENT_LAYOUT_ENV, layout),
        ("OTEL_METRICS_EXPORTER", "none"),
    ])
}

/// Each text went out `copies` times a call, and every span arrived.
fn assert_copies(wire: &Wire, copies: usize) {
    assert_eq!(wire.spans, CALLS, "{wire:?}");
    assert_eq!(wire.system, copies * CALLS, "system prompt: {wire:?}");
    assert_eq!(wire.user, copies * CALLS, "user message: {wire:?}");
    assert_eq!(wire.answer, copies * CALLS, "answer: {wire:?}");
}

/// Regression (issue 30): the prompt went out six times and the answer
/// five, in 29 attributes. The default layout sends each once, in at most
/// 20 attributes.
#[test]
fn the_default_layout_sends_each_text_once_in_at_most_20_attributes() {
    let wire = wire(&[("OTEL_METRICS_EXPORTER", "none")]);
    assert_eq!(wire.layout, "conventions");
    assert_copies(&wire, 1);
    assert!(wire.attributes <= 20, "{wire:?}");
}

#[test]
fn the_python_layout_sends_each_text_once() {
    let wire = layout("python");
    assert_eq!(wire.layout, "python");
    assert_copies(&wire, 1);
    assert!(wire.attributes <= 20, "{wire:?}");
}

#[test]
fn both_layouts_send_each_text_twice() {
    let wire = layout("both");
    assert_eq!(wire.layout, "both");
    assert_copies(&wire, 2);
}

/// Each text once per layout however content is placed: in spans only or
/// in events only.
#[test]
fn each_text_once_in_spans_only_and_in_events_only() {
    for capture in ["SPAN_ONLY", "EVENT_ONLY"] {
        for name in ["conventions", "python"] {
            let wire = wire(&[
                (last9_genai::CONTENT_LAYOUT_ENV, name),
                (last9_genai::CAPTURE_CONTENT_ENV, capture),
                ("OTEL_METRICS_EXPORTER", "none"),
            ]);
            assert_copies(&wire, 1);
        }
    }
}

/// `OTEL_EXPORTER_OTLP_COMPRESSION` is honoured: the exports are encoded
/// as asked, decode to the same spans, and take fewer bytes.
#[test]
fn compression_from_the_environment_is_honoured() {
    for codec in ["gzip", "zstd"] {
        let wire = wire(&[
            ("OTEL_EXPORTER_OTLP_COMPRESSION", codec),
            ("OTEL_METRICS_EXPORTER", "none"),
        ]);
        assert_eq!(wire.encoding.as_deref(), Some(codec), "{wire:?}");
        assert_copies(&wire, 1);
        assert!(wire.bytes * 3 < wire.decoded, "{wire:?}");
    }
    // The traces' own variable wins over the general one.
    let wire = wire(&[
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
        ("OTEL_METRICS_EXPORTER", "none"),
    ]);
    assert_eq!(wire.encoding.as_deref(), Some("gzip"), "{wire:?}");
    let plain = layout("conventions");
    assert_eq!(plain.encoding, None);
    assert_eq!(plain.bytes, plain.decoded);
}

/// For `scripts/compare-python.sh --bytes`: each layout, uncompressed and
/// gzip, as JSON lines in the file `L9_WIRE_OUT` names.
#[test]
#[ignore = "run by scripts/compare-python.sh --bytes"]
fn report_for_the_comparison() {
    let out = std::env::var("L9_WIRE_OUT").expect("L9_WIRE_OUT names the output file");
    let mut lines = Vec::new();
    for name in ["conventions", "python", "both"] {
        for codec in ["none", "gzip"] {
            let wire = wire(&[
                (last9_genai::CONTENT_LAYOUT_ENV, name),
                ("OTEL_EXPORTER_OTLP_COMPRESSION", codec),
                ("OTEL_METRICS_EXPORTER", "none"),
            ]);
            lines.push(json!(wire).to_string());
        }
    }
    std::fs::write(out, lines.join("\n") + "\n").unwrap();
}
