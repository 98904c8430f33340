//! One MCP request as a span and a duration, as the GenAI conventions' MCP
//! page names them: `{mcp.method.name} {target}`, kind client or server,
//! `error.type` and an error status for a JSON-RPC error or a tool result
//! marked `isError`; a tool's arguments and result under the same content
//! rules, limits and redaction as `#[observe]`.

use std::borrow::Cow;
use std::time::Instant;

use opentelemetry::trace::{SpanBuilder, SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, StringValue};
use rmcp::model::{CallToolResult, JsonObject, ProtocolVersion};

use super::ids;
use crate::attributes::{self as attr, error_type, span_kind};
use crate::json::text::json_text;
use crate::observe::{panics, tracer};
use crate::pipeline;
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
    /// A traced caller's span holds the arguments and result: this one
    /// leaves them out (on the server, under a client's span).
    pub(crate) content_with_caller: bool,
}

/// A name rmcp holds, as an attribute value: a name the program wrote
/// (`&'static str`) is not copied.
#[expect(clippy::ptr_arg, reason = "whether it is borrowed is what is read")]
pub(crate) fn name_value(name: &Cow<'static, str>) -> StringValue {
    match name {
        Cow::Borrowed(name) => StringValue::from(*name),
        Cow::Owned(name) => StringValue::from(name.clone()),
    }
}

/// A protocol version as an attribute value: the versions rmcp knows are
/// not copied.
pub(crate) fn protocol_value(version: &ProtocolVersion) -> StringValue {
    const NAMES: [&str; 5] = [
        "2026-07-28",
        "2025-11-25",
        "2025-06-18",
        "2025-03-26",
        "2024-11-05",
    ];
    let version = version.as_str();
    match NAMES.iter().find(|name| **name == version) {
        Some(name) => StringValue::from(*name),
        None => StringValue::from(version.to_owned()),
    }
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
    /// The handler panicked, with this message.
    Panicked(String),
    /// Its future was dropped before it finished.
    Cancelled,
}

/// One request under way: its span's context (the parent of what runs for
/// it, and what goes in `_meta`) and what its metric needs. Dropped before
/// it ends, it ends as cancelled (or, while a panic unwinds, as panicked).
pub(crate) struct McpCall {
    cx: Context,
    side: Side,
    started: Instant,
    /// The metric's attributes, when a meter provider is set.
    metric: Option<Vec<KeyValue>>,
    place: Placement,
    /// The span current in `cx` is this request's: with no pipeline (a
    /// meter provider only), it is the caller's, never touched.
    own: bool,
    ended: bool,
    /// Listed in `ids` while under way.
    waiting: bool,
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
            Some(target) => {
                let target = target.as_str();
                let mut name = String::with_capacity(request.method.len() + 1 + target.len());
                name.push_str(request.method);
                name.push(' ');
                name.push_str(target);
                Cow::Owned(name)
            }
            None => Cow::Borrowed(request.method),
        };
        // The metric's attributes first; the span has those and more.
        let mut attributes = Vec::with_capacity(12);
        attributes.push(KeyValue::new(attr::MCP_METHOD_NAME, request.method));
        let tool = request.tool.is_some();
        if let Some(tool) = request.tool {
            attributes.push(KeyValue::new(attr::TOOL_NAME, tool));
            attributes.push(KeyValue::new(
                attr::OPERATION_NAME,
                attr::operation::EXECUTE_TOOL,
            ));
        }
        if let Some(prompt) = request.prompt {
            attributes.push(KeyValue::new(attr::PROMPT_NAME, prompt));
        }
        if let Some(protocol) = request.protocol {
            attributes.push(KeyValue::new(attr::MCP_PROTOCOL_VERSION, protocol));
        }
        if let Some((transport, protocol)) = request.transport {
            attributes.push(KeyValue::new(attr::NETWORK_TRANSPORT, transport));
            if let Some(protocol) = protocol {
                attributes.push(KeyValue::new(attr::NETWORK_PROTOCOL_NAME, protocol));
            }
        }
        if let Some((address, port)) = request.server {
            attributes.push(KeyValue::new(attr::SERVER_ADDRESS, address));
            attributes.push(KeyValue::new(attr::SERVER_PORT, port));
        }
        let metric = metrics::on().then(|| attributes.clone());
        if tool {
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
        let builder = SpanBuilder::from_name(name)
            .with_kind(kind)
            .with_attributes(attributes);
        // No pipeline (only a meter provider): the parent goes on as it is.
        let (cx, own) = match tracer::start_in(builder, parent) {
            Some(cx) => (cx, true),
            None => (parent.clone(), false),
        };
        let place = if own && cx.span().is_recording() && !request.content_with_caller {
            settings::placement()
        } else {
            Placement::NONE
        };
        Some(Self {
            cx,
            side,
            started: Instant::now(),
            metric,
            place,
            own,
            ended: false,
            waiting: false,
        })
    }

    /// Lists the span for the JSON-RPC id (and session) its request will
    /// be sent with, until it ends.
    pub(crate) fn waiting_for_ids(mut self) -> Self {
        if self.own && self.cx.span().is_recording() {
            ids::wait(&self.cx);
            self.waiting = true;
        }
        self
    }

    /// Whether this request's span holds the tool's arguments and result.
    pub(crate) fn holds_content(&self) -> bool {
        self.place.any()
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
        let text = redact::rules().scrub_text_owned(result_text(result));
        let text = cut_bytes_owned(text, settings::capture_limit());
        if failed {
            if self.place.any() {
                self.content(attr::TOOL_CALL_RESULT, text.clone());
            }
            self.end(Outcome::ToolError(&text));
        } else {
            self.content(attr::TOOL_CALL_RESULT, text);
            self.end(Outcome::Ok);
        }
    }

    /// Content in its layout's place: the conventions' key on the span or
    /// in their event; in the Python SDK's layout, its manual API's key.
    fn content(&self, key: &'static str, text: String) {
        let span = self.cx.span();
        let place = self.place;
        let python = place.python && place.args;
        let mut text = Some(StringValue::from(text));
        // Each place but the last takes a copy; the last, the text.
        let mut take = |more: bool| match more {
            true => text.clone(),
            false => text.take(),
        };
        if place.conventions_span
            && let Some(text) = take(place.conventions_event || python)
        {
            span.set_attribute(KeyValue::new(key, text));
        }
        if place.conventions_event
            && let Some(text) = take(python)
        {
            span.add_event(
                attr::EVENT_INFERENCE_DETAILS,
                vec![KeyValue::new(key, text)],
            );
        }
        if python && let Some(text) = take(false) {
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
        self.close(outcome);
    }

    fn close(&mut self, outcome: Outcome<'_>) {
        self.ended = true;
        if self.waiting {
            ids::done(&self.cx);
        }
        let elapsed = self.started.elapsed();
        let cancelled = matches!(outcome, Outcome::Cancelled);
        let failure = match outcome {
            Outcome::Ok | Outcome::Cancelled => None,
            Outcome::ToolError(text) => {
                Some((error_type::TOOL_ERROR.into(), None, text.to_owned()))
            }
            Outcome::JsonRpc(code, message) => {
                let code: StringValue = code.to_string().into();
                Some((code.clone(), Some(code), message.to_owned()))
            }
            Outcome::Other(kind, description) => Some((kind.into(), None, description)),
            Outcome::Panicked(message) => Some((panics::PANIC.into(), None, message)),
        };
        let metric = self.metric.take().map(|mut metric| {
            if let Some((kind, code, _)) = &failure {
                metric.push(KeyValue::new(attr::ERROR_TYPE, kind.clone()));
                if let Some(code) = code {
                    metric.push(KeyValue::new(attr::RPC_RESPONSE_STATUS_CODE, code.clone()));
                }
            }
            metric
        });
        if self.own {
            self.end_span(failure, cancelled);
        }
        if let Some(metric) = metric {
            metrics::record_mcp(self.side == Side::Server, elapsed, &metric);
        }
    }

    /// Ends this request's span: an error with its type, code and redacted
    /// description; cancelled, its status unset, as an observed call's; or
    /// ok.
    fn end_span(
        &self,
        failure: Option<(StringValue, Option<StringValue>, String)>,
        cancelled: bool,
    ) {
        let span = self.cx.span();
        match failure {
            Some((kind, code, description)) => {
                let description = redact::rules().scrub_text_owned(description);
                let description = cut_bytes_owned(description, settings::capture_limit());
                span.set_attribute(KeyValue::new(attr::ERROR_TYPE, kind));
                if let Some(code) = code {
                    span.set_attribute(KeyValue::new(attr::RPC_RESPONSE_STATUS_CODE, code));
                }
                span.set_status(Status::error(description));
            }
            None if cancelled => span.set_attribute(KeyValue::new(attr::L9_CANCELLED, true)),
            None => span.set_status(Status::Ok),
        }
        span.end();
    }
}

impl Drop for McpCall {
    /// A request dropped before it ended: its future was cancelled. (A
    /// panic of the request itself ended it already, in `Traced`; a panic
    /// elsewhere that drops it is not its own.)
    fn drop(&mut self) {
        if !self.ended {
            self.close(Outcome::Cancelled);
        }
    }
}

/// A tool result as text: its text parts, joined by new lines; else its
/// structured content as JSON.
fn result_text(result: &CallToolResult) -> String {
    let mut texts = result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.as_str()));
    if let Some(first) = texts.next() {
        let mut text = first.to_owned();
        for more in texts {
            text.push('\n');
            text.push_str(more);
        }
        return text;
    }
    let Some(structured) = &result.structured_content else {
        return String::new();
    };
    let rules = redact::rules();
    json_text(
        structured,
        settings::capture_limit(),
        rules.enabled().then_some(&*rules),
    )
}
