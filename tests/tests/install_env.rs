//! `install()` reads the standard variables. Each case runs this binary
//! again as a child process with the variables set (a process reads its
//! environment once); the collector stays in the parent.

mod collector;
mod common;

use collector::{HttpCollector, attribute};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Proto;

/// Runs the ignored test `name` in a child with `vars` and no other
/// variable of the crate's; fails unless exactly that test ran and passed.
fn child(name: &str, vars: &[(&str, String)]) -> std::process::Output {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    common::run_child(
        name,
        &[
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "OTEL_SERVICE_NAME",
            "OTEL_RESOURCE_ATTRIBUTES",
            "OTEL_TRACES_SAMPLER",
            "OTEL_TRACES_SAMPLER_ARG",
            "OTEL_TRACES_EXPORTER",
            "OTEL_SDK_DISABLED",
            "OTEL_METRICS_EXPORTER",
            "OTEL_METRIC_EXPORT_INTERVAL",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            last9_genai::PRICING_FILE_ENV,
            last9_genai::BUNDLED_PRICES_ENV,
            last9_genai::PREVIOUS_KEYS_ENV,
        ],
        &vars,
    )
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
    child(
        "child_exports_one_priced_span",
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", collector.port),
            ),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret%3D1".into()),
            ("OTEL_SERVICE_NAME", "env-service".into()),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=test".into(),
            ),
            ("OTEL_TRACES_SAMPLER", "always_on".into()),
            (last9_genai::PRICING_FILE_ENV, file),
        ],
    );
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

/// `LAST9_GENAI_BUNDLED_PRICES=true` prices a model no table was given
/// for, from the bundled table, and the span says so; unset, it is not
/// priced.
#[test]
fn the_bundled_prices_variable_prices_from_the_bundled_table() {
    for (value, cost, marked) in [
        (Some("TRUE"), Some(Proto::DoubleValue(0.0075)), true),
        (None, None, false),
    ] {
        let collector = HttpCollector::start();
        let mut vars = vec![(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{}", collector.port),
        )];
        vars.extend(value.map(|v| (last9_genai::BUNDLED_PRICES_ENV, v.to_owned())));
        child("child_exports_one_priced_span_unpriced", &vars);
        let spans = collector.spans();
        let attributes = &spans[0].1.attributes;
        assert_eq!(
            attribute(attributes, "gen_ai.usage.cost_usd"),
            cost,
            "{value:?}"
        );
        assert_eq!(
            attribute(attributes, "gen_ai.l9.cost.prices"),
            marked.then(|| Proto::StringValue(format!(
                "bundled {}",
                last9_genai::BUNDLED_PRICES_DATE
            )))
        );
    }
}

#[test]
fn the_traces_endpoint_wins_and_the_sampler_can_drop_everything() {
    let collector = HttpCollector::start();
    child(
        "child_exports_one_priced_span_unpriced",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1".into()),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                format!("http://127.0.0.1:{}/custom/path", collector.port),
            ),
        ],
    );
    assert_eq!(collector.requests()[0].path, "/custom/path");
    let silent = HttpCollector::start();
    child(
        "child_exports_one_priced_span_unpriced",
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", silent.port),
            ),
            ("OTEL_TRACES_SAMPLER", "always_off".into()),
        ],
    );
    assert!(silent.spans().is_empty());
}

#[test]
fn malformed_headers_an_unknown_protocol_and_a_bad_pricing_file_are_clear_errors() {
    child(
        "child_install_fails_with",
        &[
            ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization".into()),
            (
                "EXPECTED",
                "OTEL_EXPORTER_OTLP_HEADERS: entry 1: not `key=value`".into(),
            ),
        ],
    );
    child(
        "child_install_fails_with",
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json".into()),
            ("EXPECTED", "unknown protocol \"http/json\"".into()),
        ],
    );
    let file = pricing_file("bad.json", "{\n \"gpt-4o\": {\"input\": 2.5,}\n}");
    child(
        "child_install_fails_with",
        &[
            (last9_genai::PRICING_FILE_ENV, file.clone()),
            ("EXPECTED", format!("{file}:2:")),
        ],
    );
}

#[test]
fn the_standard_switches_turn_export_off_or_to_the_console() {
    let collector = HttpCollector::start();
    let endpoint = format!("http://127.0.0.1:{}", collector.port);
    // Disabled: nothing is set up, not even the workflow's counting.
    let output = child(
        "child_counts_one_call_in_a_workflow",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()),
            ("OTEL_SDK_DISABLED", "true".into()),
            ("LLM_CALLS", "0".into()),
        ],
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("chat"));
    // none: processed (the workflow counts the call), not exported, and
    // no span said to be dropped.
    let output = child(
        "child_counts_one_call_in_a_workflow",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()),
            ("OTEL_TRACES_EXPORTER", "none".into()),
            ("LLM_CALLS", "1".into()),
        ],
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("dropped"));
    // console: the tree on stderr, though an endpoint is set.
    let output = child(
        "child_counts_one_call_in_a_workflow",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_TRACES_EXPORTER", "console".into()),
            ("LLM_CALLS", "1".into()),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("chat"), "{stderr}");
    assert!(stderr.contains("gpt-4o"), "{stderr}");
    assert!(!stderr.contains("dropped"), "{stderr}");
    assert!(collector.requests().is_empty());
}

#[test]
fn sampler_ratios_and_queue_sizes_that_cannot_be_right_are_errors() {
    for (vars, expected) in [
        (
            vec![
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "2"),
            ],
            "OTEL_TRACES_SAMPLER_ARG: \"2\" is not valid: expected a number from 0 to 1",
        ),
        (
            vec![
                ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "NaN"),
            ],
            "OTEL_TRACES_SAMPLER_ARG: \"NaN\" is not valid",
        ),
        (
            vec![("OTEL_BSP_MAX_QUEUE_SIZE", "0")],
            "OTEL_BSP_MAX_QUEUE_SIZE: \"0\" is not valid: expected a whole number above zero",
        ),
        (
            vec![("OTEL_TRACES_EXPORTER", "zipkin")],
            "OTEL_TRACES_EXPORTER: \"zipkin\" is not valid",
        ),
        (
            vec![(last9_genai::BUNDLED_PRICES_ENV, "yes")],
            "LAST9_GENAI_BUNDLED_PRICES: \"yes\" is not valid: expected \"true\" or \"false\"",
        ),
    ] {
        let mut vars: Vec<(&str, String)> =
            vars.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
        vars.push(("EXPECTED", expected.to_owned()));
        child("child_install_fails_with", &vars);
    }
    for ratio in [f64::NAN, -1.0, 2.0] {
        let err = last9_genai::Install::default()
            .sampler(opentelemetry_sdk::trace::Sampler::ParentBased(Box::new(
                opentelemetry_sdk::trace::Sampler::TraceIdRatioBased(ratio),
            )))
            .console_writer(std::io::sink())
            .install()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Install::sampler: \"TraceIdRatioBased({ratio})\" is not valid: expected a ratio from 0 to 1"
            )
        );
    }
}

#[test]
#[ignore = "run as a child process by the tests above"]
fn child_counts_one_call_in_a_workflow() {
    let guard = last9_genai::install().unwrap();
    let wf = last9_genai::workflow("w").enter();
    chat();
    assert_eq!(
        wf.llm_calls().to_string(),
        std::env::var("LLM_CALLS").unwrap()
    );
    drop(wf);
    drop(guard);
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

/// `OTEL_METRICS_EXPORTER=none` keeps traces and sends no metric;
/// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` sends them elsewhere;
/// `OTEL_METRIC_EXPORT_INTERVAL` exports while the application runs; bad
/// values are errors that name the variable.
#[test]
fn the_metrics_variables_are_honoured() {
    let paths =
        |c: &HttpCollector| -> Vec<String> { c.requests().into_iter().map(|r| r.path).collect() };
    let collector = HttpCollector::start();
    let base = format!("http://127.0.0.1:{}", collector.port);
    child(
        "child_exports_one_priced_span",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", base.clone()),
            ("OTEL_METRICS_EXPORTER", "none".into()),
        ],
    );
    assert_eq!(paths(&collector), ["/v1/traces"]);

    let elsewhere = HttpCollector::start();
    child(
        "child_exports_one_priced_span",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", base.clone()),
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                format!("http://127.0.0.1:{}/custom/metrics", elsewhere.port),
            ),
        ],
    );
    assert_eq!(paths(&collector), ["/v1/traces", "/v1/traces"]);
    assert_eq!(paths(&elsewhere), ["/custom/metrics"]);

    // The child never shuts down: what arrives came from the interval.
    let running = HttpCollector::start();
    child(
        "child_lives_past_one_metrics_interval",
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", running.port),
            ),
            ("OTEL_METRIC_EXPORT_INTERVAL", "100".into()),
        ],
    );
    assert!(
        paths(&running).iter().any(|p| p == "/v1/metrics"),
        "{:?}",
        paths(&running)
    );
    let names: Vec<String> = running.metrics().into_iter().map(|(_, m)| m.name).collect();
    assert!(
        names.iter().any(|n| n == "gen_ai.client.token.usage"),
        "{names:?}"
    );

    for (name, value, expected) in [
        (
            "OTEL_METRIC_EXPORT_INTERVAL",
            "0",
            "a whole number of milliseconds above zero",
        ),
        (
            "OTEL_METRIC_EXPORT_INTERVAL",
            "soon",
            "a whole number of milliseconds above zero",
        ),
        (
            "OTEL_METRICS_EXPORTER",
            "prometheus",
            "one of \"otlp\", \"console\", \"none\"",
        ),
    ] {
        child(
            "child_install_fails_with",
            &[
                (name, value.into()),
                (
                    "EXPECTED",
                    format!("{name}: {value:?} is not valid: expected {expected}"),
                ),
            ],
        );
    }
}

#[test]
#[ignore = "run as a child process by the tests above"]
fn child_lives_past_one_metrics_interval() {
    let guard = last9_genai::install().unwrap();
    chat();
    std::thread::sleep(std::time::Duration::from_millis(600));
    // No shutdown, so no export at shutdown.
    std::mem::forget(guard);
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

/// Regression: an `install()` refused for a setting changed the content
/// layout of the whole process all the same.
#[test]
fn a_refused_install_leaves_the_content_layout_alone() {
    use last9_genai::ContentLayout;
    let before = last9_genai::content_layout();
    let other = if before == ContentLayout::Python {
        ContentLayout::Both
    } else {
        ContentLayout::Python
    };
    let refused = last9_genai::Install::default()
        .content_layout(other)
        .sampler(opentelemetry_sdk::trace::Sampler::TraceIdRatioBased(2.0))
        .install();
    assert!(refused.is_err());
    assert_eq!(last9_genai::content_layout(), before);
}

/// `LAST9_GENAI_PREVIOUS_KEYS`: `true` (any case, blanks around) writes the
/// renamed keys under their previous names too; a value that is neither
/// `true` nor `false` refuses the install, naming the variable.
#[test]
fn the_previous_keys_switch_is_read_and_a_bad_value_is_refused() {
    child(
        "child_install_fails_with",
        &[
            (last9_genai::PREVIOUS_KEYS_ENV, "yes".into()),
            ("EXPECTED", "LAST9_GENAI_PREVIOUS_KEYS".into()),
        ],
    );
    for (child_test, value) in [
        ("child_writes_previous_keys", " TRUE "),
        ("child_writes_new_keys_only", "false"),
    ] {
        child(
            child_test,
            &[
                (last9_genai::PREVIOUS_KEYS_ENV, value.into()),
                ("OTEL_TRACES_EXPORTER", "none".into()),
                ("OTEL_METRICS_EXPORTER", "none".into()),
            ],
        );
    }
}

#[test]
#[ignore = "run as a child process by the tests above"]
fn child_writes_previous_keys() {
    let _guard = last9_genai::install().unwrap();
    assert!(last9_genai::previous_keys());
}

#[test]
#[ignore = "run as a child process by the tests above"]
fn child_writes_new_keys_only() {
    let _guard = last9_genai::install().unwrap();
    assert!(!last9_genai::previous_keys());
}
