//! Reading the standard OpenTelemetry variables, with errors that name what
//! is wrong.

use std::time::Duration;

use opentelemetry_sdk::trace::Sampler;

use super::{Compression, Exporter, InstallError, Protocol};
use crate::settings::{CONTENT_LAYOUT_ENV, ContentLayout};
use crate::warn;

fn invalid(name: &'static str, value: &str, expected: &'static str) -> InstallError {
    InstallError::Setting {
        name,
        value: value.to_owned(),
        expected,
    }
}

/// `OTEL_SDK_DISABLED`: `true` (any case) disables; anything else does not,
/// and a value other than `false` or nothing is warned about.
pub(crate) fn parse_disabled(text: &str) -> bool {
    let text = text.trim();
    if text.eq_ignore_ascii_case("true") {
        return true;
    }
    if !text.is_empty() && !text.eq_ignore_ascii_case("false") {
        warn::warn(&format!(
            "OTEL_SDK_DISABLED: {text:?} is neither \"true\" nor \"false\"; telemetry stays on"
        ));
    }
    false
}

/// A switch variable (`LAST9_GENAI_BUNDLED_PRICES`): `true` or `false`,
/// any case, or nothing for `false`.
pub(crate) fn parse_bool(name: &'static str, text: &str) -> Result<bool, InstallError> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") => Ok(true),
        t if t.eq_ignore_ascii_case("false") || t.is_empty() => Ok(false),
        _ => Err(invalid(name, text, "\"true\" or \"false\"")),
    }
}

/// `LAST9_GENAI_CONTENT_LAYOUT`: `conventions`, `python` or `both`, any
/// case.
pub(crate) fn parse_layout(text: &str) -> Result<ContentLayout, InstallError> {
    ContentLayout::parse(text).ok_or_else(|| {
        invalid(
            CONTENT_LAYOUT_ENV,
            text,
            "one of \"conventions\", \"python\", \"both\"",
        )
    })
}

/// `OTEL_TRACES_EXPORTER` or `OTEL_METRICS_EXPORTER` (`name`): `otlp`,
/// `console` or `none`.
pub(crate) fn parse_exporter(name: &'static str, text: &str) -> Result<Exporter, InstallError> {
    match text.trim() {
        "otlp" => Ok(Exporter::Otlp),
        "console" => Ok(Exporter::Console),
        "none" => Ok(Exporter::None),
        _ => Err(invalid(
            name,
            text,
            "one of \"otlp\", \"console\", \"none\"",
        )),
    }
}

/// A count variable (`OTEL_BSP_MAX_QUEUE_SIZE`, …): a whole number above zero.
pub(crate) fn parse_count(name: &'static str, text: &str) -> Result<usize, InstallError> {
    text.trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| invalid(name, text, "a whole number above zero"))
}

/// A duration variable in milliseconds (`OTEL_BSP_SCHEDULE_DELAY`, …).
pub(crate) fn parse_millis(name: &'static str, text: &str) -> Result<Duration, InstallError> {
    text.trim()
        .parse()
        .map(Duration::from_millis)
        .map_err(|_| invalid(name, text, "a whole number of milliseconds"))
}

/// An interval in milliseconds above zero (`OTEL_METRIC_EXPORT_INTERVAL`).
pub(crate) fn parse_interval(name: &'static str, text: &str) -> Result<Duration, InstallError> {
    text.trim()
        .parse()
        .ok()
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .ok_or_else(|| invalid(name, text, "a whole number of milliseconds above zero"))
}

/// A sampling ratio: a number from 0 to 1.
pub(crate) fn parse_ratio(name: &'static str, text: &str) -> Result<f64, InstallError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| invalid(name, text, "a number from 0 to 1"))
}

/// `OTEL_TRACES_SAMPLER` with its argument `OTEL_TRACES_SAMPLER_ARG` (a
/// ratio; 1 when absent).
pub(crate) fn parse_sampler(text: &str, arg: Option<&str>) -> Result<Sampler, InstallError> {
    let ratio = || match arg {
        Some(arg) => parse_ratio("OTEL_TRACES_SAMPLER_ARG", arg),
        None => Ok(1.0),
    };
    Ok(match text.trim() {
        "always_on" => Sampler::AlwaysOn,
        "always_off" => Sampler::AlwaysOff,
        "traceidratio" => Sampler::TraceIdRatioBased(ratio()?),
        "parentbased_always_on" => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        "parentbased_always_off" => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        "parentbased_traceidratio" => {
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio()?)))
        }
        _ => {
            return Err(invalid(
                "OTEL_TRACES_SAMPLER",
                text,
                "one of always_on, always_off, traceidratio, parentbased_always_on, \
                 parentbased_always_off, parentbased_traceidratio",
            ));
        }
    })
}

/// Refuses a sampler whose ratio is not a number from 0 to 1 (the SDK
/// would sample nothing or everything).
pub(crate) fn check_sampler(sampler: &Sampler) -> Result<(), InstallError> {
    match sampler {
        Sampler::TraceIdRatioBased(ratio) if !(0.0..=1.0).contains(ratio) => Err(invalid(
            "Install::sampler",
            &format!("TraceIdRatioBased({ratio})"),
            "a ratio from 0 to 1",
        )),
        // The root sampler is held as a trait object; its `Debug` text is
        // the one thing it shows, `TraceIdRatioBased(r)` for a ratio.
        Sampler::ParentBased(root) => match format!("{root:?}")
            .strip_prefix("TraceIdRatioBased(")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|ratio| ratio.parse::<f64>().ok())
        {
            Some(ratio) => check_sampler(&Sampler::TraceIdRatioBased(ratio)),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs separated by commas, the
/// values percent-encoded.
pub(crate) fn parse_headers(text: &str) -> Result<Vec<(String, String)>, InstallError> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .enumerate()
        .map(|(i, entry)| {
            let bad = |key: Option<&str>, reason| InstallError::Headers {
                entry: i + 1,
                key: key.map(str::to_owned),
                reason,
            };
            let (key, value) = entry
                .split_once('=')
                .ok_or_else(|| bad(None, "not `key=value`"))?;
            let key = key.trim();
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(bad(None, "the key is empty or not printable ASCII"));
            }
            let value = percent_decode(value.trim())
                .ok_or_else(|| bad(Some(key), "the value is not percent-encoded UTF-8"))?;
            Ok((key.to_owned(), value))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A signal's compression: its own variable (`name`, holding `own`), else
/// `OTEL_EXPORTER_OTLP_COMPRESSION` (`general`); an unknown value is an
/// error naming the variable that holds it.
pub(crate) fn compression(
    name: &'static str,
    own: Option<String>,
    general: Option<String>,
) -> Result<Option<Compression>, InstallError> {
    let (name, text) = match (own, general) {
        (Some(text), _) => (name, text),
        (None, Some(text)) => ("OTEL_EXPORTER_OTLP_COMPRESSION", text),
        (None, None) => return Ok(None),
    };
    Compression::parse(&text)
        .map(Some)
        .ok_or_else(|| invalid(name, &text, "one of \"gzip\", \"zstd\", \"none\""))
}

/// `OTEL_EXPORTER_OTLP_PROTOCOL`.
pub(crate) fn parse_protocol(text: &str) -> Result<Protocol, InstallError> {
    match text.trim() {
        "http/protobuf" => Ok(Protocol::HttpProtobuf),
        "grpc" => Ok(Protocol::Grpc),
        other => Err(InstallError::Protocol {
            value: other.to_owned(),
        }),
    }
}

/// The traces endpoint: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended for HTTP.
pub(crate) fn traces_endpoint(
    traces: Option<String>,
    base: Option<String>,
    protocol: Protocol,
) -> Option<String> {
    let traces = traces.filter(|s| !s.trim().is_empty());
    let base = base.filter(|s| !s.trim().is_empty());
    traces.or_else(|| {
        base.map(|base| match protocol {
            Protocol::HttpProtobuf => format!("{}/v1/traces", base.trim_end_matches('/')),
            Protocol::Grpc => base,
        })
    })
}

/// Where metrics go: `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (`metrics`) as
/// it is; else `OTEL_EXPORTER_OTLP_ENDPOINT` (`base`) with `/v1/metrics` for
/// HTTP; else beside the traces endpoint given (`/v1/traces` made
/// `/v1/metrics`; for gRPC, the same endpoint). `None`: the default.
pub(crate) fn metrics_endpoint(
    metrics: Option<String>,
    base: Option<String>,
    traces: Option<&str>,
    protocol: Protocol,
) -> Option<String> {
    let metrics = metrics.filter(|s| !s.trim().is_empty());
    let base = base.filter(|s| !s.trim().is_empty());
    metrics
        .or_else(|| {
            base.map(|base| match protocol {
                Protocol::HttpProtobuf => format!("{}/v1/metrics", base.trim_end_matches('/')),
                Protocol::Grpc => base,
            })
        })
        .or_else(|| {
            let traces = traces?;
            match protocol {
                Protocol::HttpProtobuf => traces
                    .strip_suffix("/v1/traces")
                    .map(|base| format!("{base}/v1/metrics")),
                Protocol::Grpc => Some(traces.to_owned()),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_pairs_with_percent_encoded_values() {
        assert_eq!(
            parse_headers("Authorization=Basic%20abc, x-tenant = acme ,").unwrap(),
            [
                ("Authorization".into(), "Basic abc".into()),
                ("x-tenant".into(), "acme".into())
            ]
        );
        for (bad, said) in [
            ("sk-secret-novalue", "entry 1: not `key=value`"),
            (
                "=sk-secret",
                "entry 1: the key is empty or not printable ASCII",
            ),
            (
                "k=%zzsecret",
                "entry 1 (\"k\"): the value is not percent-encoded UTF-8",
            ),
            (
                "a=1,k=%4",
                "entry 2 (\"k\"): the value is not percent-encoded UTF-8",
            ),
            (
                "a b=secret",
                "entry 1: the key is empty or not printable ASCII",
            ),
        ] {
            let err = parse_headers(bad).unwrap_err().to_string();
            assert_eq!(err, format!("OTEL_EXPORTER_OTLP_HEADERS: {said}"));
            assert!(!err.contains("secret"), "{err}");
        }
    }

    #[test]
    fn samplers_refuse_ratios_that_are_not_from_0_to_1() {
        for bad in ["NaN", "-1", "2", "abc", "", "inf"] {
            let err = parse_sampler("traceidratio", Some(bad)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "OTEL_TRACES_SAMPLER_ARG: {bad:?} is not valid: expected a number from 0 to 1"
                )
            );
            assert!(parse_sampler("parentbased_traceidratio", Some(bad)).is_err());
        }
        assert!(matches!(
            parse_sampler("traceidratio", Some(" 0.25 ")).unwrap(),
            Sampler::TraceIdRatioBased(r) if r == 0.25
        ));
        assert!(matches!(
            parse_sampler("traceidratio", None).unwrap(),
            Sampler::TraceIdRatioBased(r) if r == 1.0
        ));
        assert!(matches!(
            parse_sampler("parentbased_always_off", Some("junk")).unwrap(),
            Sampler::ParentBased(inner) if format!("{inner:?}") == "AlwaysOff"
        ));
        assert!(
            parse_sampler("jaeger_remote", None)
                .unwrap_err()
                .to_string()
                .contains("\"jaeger_remote\"")
        );
        for bad in [f64::NAN, -0.5, 1.5] {
            assert!(check_sampler(&Sampler::TraceIdRatioBased(bad)).is_err());
            assert!(
                check_sampler(&Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                    bad
                ))))
                .is_err()
            );
        }
        assert!(check_sampler(&Sampler::TraceIdRatioBased(0.0)).is_ok());
    }

    #[test]
    fn metrics_go_beside_traces_unless_told() {
        let http = Protocol::HttpProtobuf;
        let own = Some("http://m:4318/v1/metrics".to_owned());
        let base = Some("http://b:4318/".to_owned());
        let traces = Some("http://t:4318/v1/traces");
        assert_eq!(
            metrics_endpoint(own.clone(), base.clone(), traces, http).as_deref(),
            Some("http://m:4318/v1/metrics")
        );
        assert_eq!(
            metrics_endpoint(None, base, traces, http).as_deref(),
            Some("http://b:4318/v1/metrics")
        );
        assert_eq!(
            metrics_endpoint(None, None, traces, http).as_deref(),
            Some("http://t:4318/v1/metrics")
        );
        assert_eq!(
            metrics_endpoint(None, None, Some("http://t:4318/spans"), http),
            None
        );
        assert_eq!(
            metrics_endpoint(None, None, Some("http://t:4317"), Protocol::Grpc).as_deref(),
            Some("http://t:4317")
        );
        assert_eq!(metrics_endpoint(Some(" ".into()), None, None, http), None);
    }

    #[test]
    fn switches_counts_and_durations() {
        assert!(parse_disabled("TRUE"));
        assert!(!parse_disabled("false"));
        assert!(!parse_disabled("yes"));
        assert!(matches!(
            parse_exporter("OTEL_TRACES_EXPORTER", "none").unwrap(),
            Exporter::None
        ));
        assert!(matches!(
            parse_exporter("OTEL_METRICS_EXPORTER", " console ").unwrap(),
            Exporter::Console
        ));
        assert_eq!(
            parse_exporter("OTEL_TRACES_EXPORTER", "zipkin")
                .unwrap_err()
                .to_string(),
            "OTEL_TRACES_EXPORTER: \"zipkin\" is not valid: expected one of \"otlp\", \"console\", \"none\""
        );
        assert_eq!(
            parse_exporter("OTEL_METRICS_EXPORTER", "prometheus")
                .unwrap_err()
                .to_string(),
            "OTEL_METRICS_EXPORTER: \"prometheus\" is not valid: expected one of \"otlp\", \"console\", \"none\""
        );
        assert_eq!(
            parse_count("OTEL_BSP_MAX_QUEUE_SIZE", "4096").unwrap(),
            4096
        );
        for bad in ["0", "-1", "1.5", "x"] {
            assert!(parse_count("OTEL_BSP_MAX_QUEUE_SIZE", bad).is_err());
            assert!(parse_interval("OTEL_METRIC_EXPORT_INTERVAL", bad).is_err());
        }
        assert_eq!(
            parse_interval("OTEL_METRIC_EXPORT_INTERVAL", " 250 ").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_millis("OTEL_BSP_SCHEDULE_DELAY", "250").unwrap(),
            Duration::from_millis(250)
        );
        assert!(parse_millis("OTEL_BSP_SCHEDULE_DELAY", "1s").is_err());
    }

    #[test]
    fn protocols_and_endpoints() {
        assert_eq!(parse_protocol("grpc").unwrap(), Protocol::Grpc);
        assert!(
            parse_protocol("http/json")
                .unwrap_err()
                .to_string()
                .contains("http/json")
        );
        assert_eq!(
            traces_endpoint(None, Some("http://h:4318/".into()), Protocol::HttpProtobuf).as_deref(),
            Some("http://h:4318/v1/traces")
        );
        assert_eq!(
            traces_endpoint(
                Some("http://t/x".into()),
                Some("http://h".into()),
                Protocol::HttpProtobuf
            )
            .as_deref(),
            Some("http://t/x")
        );
        assert_eq!(
            traces_endpoint(None, Some("http://h:4317".into()), Protocol::Grpc).as_deref(),
            Some("http://h:4317")
        );
        assert_eq!(
            traces_endpoint(Some(" ".into()), None, Protocol::Grpc),
            None
        );
    }

    /// A signal's own variable wins over the general one; an unknown value
    /// is an error naming the variable that holds it.
    #[test]
    fn compression_per_signal_and_unknown_values() {
        let some = |s: &str| Some(s.to_owned());
        let traces = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
        assert_eq!(compression(traces, None, None).unwrap(), None);
        assert_eq!(
            compression(traces, None, some("GZIP")).unwrap(),
            Some(Compression::Gzip)
        );
        assert_eq!(
            compression(traces, some("zstd"), some("gzip")).unwrap(),
            Some(Compression::Zstd)
        );
        assert_eq!(
            compression(traces, some("none"), some("gzip")).unwrap(),
            Some(Compression::None)
        );
        let err = compression(traces, some("brotli"), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: \"brotli\" is not valid: expected one of \"gzip\", \"zstd\", \"none\""
        );
        let err = compression(traces, None, some("lz4")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("OTEL_EXPORTER_OTLP_COMPRESSION: \"lz4\""),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_layout_is_an_error_naming_it() {
        assert_eq!(parse_layout("Both").unwrap(), ContentLayout::Both);
        let err = parse_layout("openllmetry").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("LAST9_GENAI_CONTENT_LAYOUT: \"openllmetry\""),
            "{err}"
        );
    }
}
