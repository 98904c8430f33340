//! `install()` reads the standard variables. Each case runs this binary
//! again as a child process with the variables set (a process reads its
//! environment once); the collector stays in the parent.

mod collector;

use std::process::Command;

use collector::{HttpCollector, attribute};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Proto;

/// Runs the ignored test `name` in a child with `vars`; true if it passed.
fn child(name: &str, vars: &[(&str, String)]) -> bool {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([name, "--exact", "--include-ignored", "--nocapture"]);
    for key in [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        last9_genai::PRICING_FILE_ENV,
    ] {
        command.env_remove(key);
    }
    command.envs(vars.iter().map(|(k, v)| (*k, v.as_str())));
    command.status().unwrap().success()
}

fn pricing_file(name: &str, json: &str) -> String {
    let path = std::env::temp_dir().join(format!("l9-{}-{name}", std::process::id()));
    std::fs::write(&path, json).unwrap();
    path.display().to_string()
}

#[test]
fn endpoint_service_resource_sampler_and_pricing_file_are_honoured() {
    let collector = HttpCollector::start();
    let file = pricing_file("ok.json", r#"{"gpt-4o": {"input": 2.5, "output": 10.0}}"#);
    assert!(child(
        "child_exports_one_priced_span",
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", collector.port)
            ),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret%3D1".into()),
            ("OTEL_SERVICE_NAME", "env-service".into()),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=test".into()
            ),
            ("OTEL_TRACES_SAMPLER", "always_on".into()),
            (last9_genai::PRICING_FILE_ENV, file),
        ],
    ));
    let requests = collector.requests();
    assert_eq!(requests[0].path, "/v1/traces");
    assert!(
        requests[0]
            .headers
            .contains(&("x-api-key".into(), "secret=1".into()))
    );
    let request = <opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest as prost::Message>::decode(&requests[0].body[..]).unwrap();
    let resource = request.resource_spans[0].resource.as_ref().unwrap();
    assert_eq!(
        attribute(&resource.attributes, "service.name"),
        Some(Proto::StringValue("env-service".into()))
    );
    assert_eq!(
        attribute(&resource.attributes, "deployment.environment"),
        Some(Proto::StringValue("test".into()))
    );
    let spans = collector.spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(
        attribute(&spans[0].1.attributes, "gen_ai.usage.cost_usd"),
        Some(Proto::DoubleValue(0.0075))
    );
}

#[test]
fn the_traces_endpoint_wins_and_the_sampler_can_drop_everything() {
    let collector = HttpCollector::start();
    assert!(child(
        "child_exports_one_priced_span_unpriced",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1".into()),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                format!("http://127.0.0.1:{}/custom/path", collector.port)
            ),
        ],
    ));
    assert_eq!(collector.requests()[0].path, "/custom/path");
    let silent = HttpCollector::start();
    assert!(child(
        "child_exports_one_priced_span_unpriced",
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", silent.port)
            ),
            ("OTEL_TRACES_SAMPLER", "always_off".into()),
        ],
    ));
    assert!(silent.spans().is_empty());
}

#[test]
fn malformed_headers_an_unknown_protocol_and_a_bad_pricing_file_are_clear_errors() {
    assert!(child(
        "child_install_fails_with",
        &[
            ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization".into()),
            ("EXPECTED", "\"Authorization\" is not `key=value`".into())
        ],
    ));
    assert!(child(
        "child_install_fails_with",
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json".into()),
            ("EXPECTED", "unknown protocol \"http/json\"".into())
        ],
    ));
    let file = pricing_file("bad.json", "{\n \"gpt-4o\": {\"input\": 2.5,}\n}");
    assert!(child(
        "child_install_fails_with",
        &[
            (last9_genai::PRICING_FILE_ENV, file.clone()),
            ("EXPECTED", format!("{file}:2:"))
        ],
    ));
}

#[last9_genai::observe]
fn chat() -> serde_json::Value {
    serde_json::json!({ "model": "gpt-4o", "choices": [], "usage": { "prompt_tokens": 1000, "completion_tokens": 500 } })
}

#[test]
#[ignore = "run as a child process by the tests above"]
fn child_exports_one_priced_span() {
    let guard = last9_genai::install().unwrap();
    chat();
    drop(guard);
}

#[test]
#[ignore = "run as a child process by the tests above"]
fn child_exports_one_priced_span_unpriced() {
    child_exports_one_priced_span();
}

#[test]
#[ignore = "run as a child process by the tests above"]
fn child_install_fails_with() {
    let expected = std::env::var("EXPECTED").unwrap();
    let err = last9_genai::install().unwrap_err().to_string();
    assert!(
        err.contains(&expected),
        "{err:?} does not contain {expected:?}"
    );
}
