//! One MCP request as a span and a duration, as the GenAI conventions' MCP
//! page names them: `{mcp.method.name} {target}`, kind client or server,
//! `error.type` and an error status for a JSON-RPC error or a tool result
//! marked `isError`; a tool's arguments and result under the same content
//! rules, limits and redaction as `#[observe]`.

use std::time::{Duration, Instant};

use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue, StringValue, global};
use rmcp::model::{CallToolResult, JsonObject};

use crate::attributes::{self as attr, error_type, span_kind};
use crate::json::text::json_text;
use crate::pipeline::{self, TRACER_NAME};
use crate::settings::{self, Placement};
use crate::text::cut_bytes_owned;
use crate::{metrics, redact};

/// Which side of the request the span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

/// What a request is: its method and the attributes both sides know.
#[derive(Debug, Default)]
pub(crate) struct Request {
    pub(crate) method: &'static str,
    /// The tool of `tools/call`.
    pub(crate) tool: Option<StringValue>,
    /// The prompt of `prompts/get`.
    pub(crate) prompt: Option<StringValue>,
    /// The resource of `resources/read`.
    pub(crate) resource: Option<StringValue>,
    pub(crate) request_id: Option<StringValue>,
    pub(crate) protocol: Option<StringValue>,
    pub(crate) session: Option<StringValue>,
    /// `pipe` or `tcp`, with `http` when it is.
    pub(crate) transport: Option<(&'static str, Option<&'static str>)>,
    /// The server's host and port, on the client.
    pub(crate) server: Option<(StringValue, i64)>,
}

/// How a request ended.
pub(crate) enum Outcome<'a> {
    Ok,
    /// A tool's result marked `isError`, with its text.
    ToolError(&'a str),
    /// A JSON-RPC error: its code and message.
    JsonRpc(i32, &'a str),
    /// Any other failure: a low-cardinality type and a description.
    Other(&'static str, String),
}

/// One request under way: its span's context (the parent of what runs for
/// it, and what goes in `_meta`) and what its metric needs.
pub(crate) struct McpCall {
    cx: Context,
    side: Side,
    started: Instant,
    metric: Vec<KeyValue>,
    place: Placement,
}

impl McpCall {
    /// Whether requests are traced at all: a pipeline or a meter provider
    /// exists. When not, nothing is built, nothing allocated.
    pub(crate) fn active() -> bool {
        pipeline::epoch() != 0 || metrics::on()
    }

    /// Starts the span of `request` under `parent`, when [`active`](Self::active).
    pub(crate) fn start(side: Side, parent: &Context, request: Request) -> Option<Self> {
        if !Self::active() {
            return None;
        }
        let target = request.tool.as_ref().or(request.prompt.as_ref());
        let name = match target {
            Some(target) => format!("{} {}", request.method, target.as_str()),
            None => request.method.to_owned(),
        };
        let mut metric = Vec::with_capacity(6);
        metric.push(KeyValue::new(attr::MCP_METHOD_NAME, request.method));
        if let Some(tool) = &request.tool {
            metric.push(KeyValue::new(attr::TOOL_NAME, tool.clone()));
            metric.push(KeyValue::new(
                attr::OPERATION_NAME,
                attr::operation::EXECUTE_TOOL,
            ));
        }
        if let Some(prompt) = &request.prompt {
            metric.push(KeyValue::new(attr::PROMPT_NAME, prompt.clone()));
        }
        if let Some(protocol) = &request.protocol {
            metric.push(KeyValue::new(attr::MCP_PROTOCOL_VERSION, protocol.clone()));
        }
        if let Some((transport, protocol)) = request.transport {
            metric.push(KeyValue::new(attr::NETWORK_TRANSPORT, transport));
            if let Some(protocol) = protocol {
                metric.push(KeyValue::new(attr::NETWORK_PROTOCOL_NAME, protocol));
            }
        }
        if let Some((address, port)) = &request.server {
            metric.push(KeyValue::new(attr::SERVER_ADDRESS, address.clone()));
            metric.push(KeyValue::new(attr::SERVER_PORT, *port));
        }
        let mut attributes = metric.clone();
        if request.tool.is_some() {
            // Last9's kind: a tool span, counted as one by its workflow.
            attributes.push(KeyValue::new(attr::L9_SPAN_KIND, span_kind::TOOL));
        }
        let spanned = [
            (attr::MCP_RESOURCE_URI, request.resource),
            (attr::JSONRPC_REQUEST_ID, request.request_id),
            (attr::MCP_SESSION_ID, request.session),
        ];
        for (key, value) in spanned {
            if let Some(value) = value {
                attributes.push(KeyValue::new(key, value));
            }
        }
        let kind = match side {
            Side::Client => SpanKind::Client,
            Side::Server => SpanKind::Server,
        };
        let tracer = global::tracer(TRACER_NAME);
        let span = tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes)
            .start_with_context(&tracer, parent);
        let place = if span.is_recording() {
            settings::placement()
        } else {
            Placement::NONE
        };
        Some(Self {
            cx: parent.with_span(span),
            side,
            started: Instant::now(),
            metric,
            place,
        })
    }

    /// The context the request runs in: its span as the current one.
    pub(crate) fn context(&self) -> &Context {
        &self.cx
    }

    /// Writes a tool's arguments, as `#[observe]` writes a tool's: JSON,
    /// redacted, within the capture limit.
    pub(crate) fn arguments(&self, arguments: Option<&JsonObject>) {
        let Some(arguments) = arguments.filter(|_| self.place.any()) else {
            return;
        };
        let rules = redact::rules();
        let text = json_text(
            arguments,
            settings::capture_limit(),
            rules.enabled().then_some(&*rules),
        );
        self.content(attr::TOOL_CALL_ARGUMENTS, rules.scrub_json_owned(text));
    }

    /// Ends a tool's call with its result: written as a tool's result is
    /// (its text content, else its structured content as JSON, redacted,
    /// within the capture limit); a result marked `isError` is an error of
    /// type `tool_error` described by that same text.
    pub(crate) fn end_tool(self, result: &CallToolResult) {
        let failed = result.is_error == Some(true);
        if !self.place.any() && !failed {
            return self.end(Outcome::Ok);
        }
        let text = redact::rules()
            .scrub_text(&result_text(result))
            .into_owned();
        let text = cut_bytes_owned(text, settings::capture_limit());
        if self.place.any() {
            self.content(attr::TOOL_CALL_RESULT, text.clone());
        }
        self.end(if failed {
            Outcome::ToolError(&text)
        } else {
            Outcome::Ok
        });
    }

    /// Content in its layout's place: the conventions' key on the span or
    /// in their event; in the Python SDK's layout, its manual API's key.
    fn content(&self, key: &'static str, text: String) {
        let span = self.cx.span();
        let place = self.place;
        if place.conventions_span {
            span.set_attribute(KeyValue::new(key, text.clone()));
        }
        if place.conventions_event {
            span.add_event(
                attr::EVENT_INFERENCE_DETAILS,
                vec![KeyValue::new(key, text.clone())],
            );
        }
        if place.python && place.args {
            let python = if key == attr::TOOL_CALL_ARGUMENTS {
                attr::FUNCTION_CALL_ARGUMENTS
            } else {
                attr::FUNCTION_CALL_RESULT
            };
            span.set_attribute(KeyValue::new(python, text));
        }
    }

    /// Ends the span and records the request's duration.
    pub(crate) fn end(mut self, outcome: Outcome<'_>) {
        let elapsed = self.started.elapsed();
        let span = self.cx.span();
        let failure = match outcome {
            Outcome::Ok => None,
            Outcome::ToolError(text) => {
                Some((error_type::TOOL_ERROR.into(), None, text.to_owned()))
            }
            Outcome::JsonRpc(code, message) => {
                let code: StringValue = code.to_string().into();
                Some((code.clone(), Some(code), message.to_owned()))
            }
            Outcome::Other(kind, description) => Some((kind.into(), None, description)),
        };
        if let Some((kind, code, description)) = failure {
            let description = redact::rules().scrub_text(&description).into_owned();
            let description = cut_bytes_owned(description, settings::capture_limit());
            span.set_attribute(KeyValue::new(attr::ERROR_TYPE, kind.clone()));
            self.metric.push(KeyValue::new(attr::ERROR_TYPE, kind));
            if let Some(code) = code {
                span.set_attribute(KeyValue::new(attr::RPC_RESPONSE_STATUS_CODE, code.clone()));
                self.metric
                    .push(KeyValue::new(attr::RPC_RESPONSE_STATUS_CODE, code));
            }
            span.set_status(Status::error(description));
        } else {
            span.set_status(Status::Ok);
        }
        span.end();
        record(self.side, elapsed, &self.metric);
    }
}

fn record(side: Side, elapsed: Duration, attributes: &[KeyValue]) {
    metrics::record_mcp(side == Side::Server, elapsed, attributes);
}

/// A tool result as text: its text parts, joined by new lines; else its
/// structured content as JSON.
fn result_text(result: &CallToolResult) -> String {
    let texts: Vec<&str> = result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.as_str()))
        .collect();
    if texts.is_empty()
        && let Some(structured) = &result.structured_content
    {
        let rules = redact::rules();
        return json_text(
            structured,
            settings::capture_limit(),
            rules.enabled().then_some(&*rules),
        );
    }
    texts.join("\n")
}
