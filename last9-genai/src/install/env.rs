//! Reading the standard OpenTelemetry variables, with errors that name what
//! is wrong.

use super::{InstallError, Protocol};

/// `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs separated by commas, the
/// values percent-encoded.
pub(crate) fn parse_headers(text: &str) -> Result<Vec<(String, String)>, InstallError> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let bad = || InstallError::Headers {
                entry: entry.to_owned(),
            };
            let (key, value) = entry.split_once('=').ok_or_else(bad)?;
            let key = key.trim();
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(bad());
            }
            Ok((
                key.to_owned(),
                percent_decode(value.trim()).ok_or_else(bad)?,
            ))
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
        for bad in ["novalue", "=v", "k=%zz", "k=%4", "a b=c"] {
            let err = parse_headers(bad).unwrap_err();
            assert!(err.to_string().contains(bad.trim()), "{err}");
        }
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
}
