//! OTLP collectors on 127.0.0.1 for the tests: HTTP/protobuf, and peers
//! that refuse or never answer.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

/// One request received: its headers (lower-cased names) and body.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The header `name` (lower case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as the exporter encoded it, undone of its
    /// `content-encoding` (gzip, zstd).
    pub fn decoded_body(&self) -> Vec<u8> {
        match self.header("content-encoding") {
            Some("gzip") => {
                let mut body = Vec::new();
                flate2::read::GzDecoder::new(&self.body[..])
                    .read_to_end(&mut body)
                    .unwrap();
                body
            }
            Some("zstd") => zstd::decode_all(&self.body[..]).unwrap(),
            Some(other) => panic!("unknown content-encoding {other}"),
            None => self.body.clone(),
        }
    }
}

/// An OTLP/HTTP collector answering every request with 200.
#[derive(Clone)]
pub struct HttpCollector {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl HttpCollector {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let store = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || serve(stream, &store));
            }
        });
        Self { port, requests }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/v1/traces", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Every span received, with the service name of its resource.
    pub fn spans(&self) -> Vec<(String, Span)> {
        self.requests()
            .iter()
            .filter(|r| r.path == "/v1/traces")
            .flat_map(|r| {
                spans_of(&ExportTraceServiceRequest::decode(&r.decoded_body()[..]).unwrap())
            })
            .collect()
    }

    /// Every metric received at `/v1/metrics`, with the service name of its
    /// resource, in the order they came.
    pub fn metrics(&self) -> Vec<(String, Metric)> {
        let mut metrics = Vec::new();
        for request in self.requests().iter().filter(|r| r.path == "/v1/metrics") {
            let request = ExportMetricsServiceRequest::decode(&request.body[..]).unwrap();
            for resource in request.resource_metrics {
                let service = resource
                    .resource
                    .as_ref()
                    .and_then(|r| attribute(&r.attributes, "service.name"))
                    .map(|v| match v {
                        any_value::Value::StringValue(s) => s,
                        other => format!("{other:?}"),
                    })
                    .unwrap_or_default();
                for scope in resource.scope_metrics {
                    metrics.extend(scope.metrics.into_iter().map(|m| (service.clone(), m)));
                }
            }
        }
        metrics
    }
}

pub fn spans_of(request: &ExportTraceServiceRequest) -> Vec<(String, Span)> {
    request
        .resource_spans
        .iter()
        .flat_map(|rs| {
            let service = rs
                .resource
                .as_ref()
                .and_then(|r| attribute(&r.attributes, "service.name"))
                .and_then(|v| match v {
                    any_value::Value::StringValue(s) => Some(s),
                    _ => None,
                })
                .unwrap_or_default();
            rs.scope_spans
                .iter()
                .flat_map(|ss| ss.spans.clone())
                .map(move |span| (service.clone(), span))
        })
        .collect()
}

fn serve(stream: TcpStream, store: &Mutex<Vec<Request>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        store.lock().unwrap().push(Request {
            path,
            headers,
            body,
        });
        let response =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// A port on which nothing listens: connections are refused.
pub fn refusing_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A peer that accepts connections and never answers.
pub fn silent_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

pub fn attribute(attributes: &[KeyValue], key: &str) -> Option<any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone())
        .and_then(|v: AnyValue| v.value)
}

/// Runs `f` on a thread and fails the test if it has not finished within
/// `seconds`: a hang, not a slowness, is what this catches.
pub fn finishes_within<T: Send + 'static>(
    seconds: u64,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    result
        .recv_timeout(std::time::Duration::from_secs(seconds))
        .expect("hung: did not finish")
}

/// How a faulty OTLP/HTTP peer answers each request.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// `500 Internal Server Error`.
    ServerError,
    /// `429 Too Many Requests` with `Retry-After: 30`.
    TooManyRequests,
    /// A `200` response written one byte per second (38 bytes).
    OneBytePerSecond,
}

/// A peer that reads each request whole, then answers with `fault`.
pub fn faulty_http(fault: Fault) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer_with(stream, fault));
        }
    });
    port
}

fn answer_with(stream: TcpStream, fault: Fault) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // Bounded: a connection serves at most 10 000 requests.
    for _ in 0..10_000 {
        let mut length = 0;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end().to_ascii_lowercase();
            if header.is_empty() {
                break;
            }
            if let Some(value) = header.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let response: &[u8] = match fault {
            Fault::ServerError => {
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n"
            }
            Fault::TooManyRequests => {
                b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 30\r\ncontent-length: 0\r\n\r\n"
            }
            Fault::OneBytePerSecond => {
                let response = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                for byte in response {
                    if writer.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
                continue;
            }
        };
        if writer.write_all(response).is_err() {
            return;
        }
    }
}
