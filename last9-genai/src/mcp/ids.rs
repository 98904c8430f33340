//! What rmcp decides only as it sends a request, brought back to the
//! request's client span: the JSON-RPC id it was sent with and, over
//! Streamable HTTP, the session it was sent in. A client's transport (or
//! HTTP client) that `McpClient` put in place sees each request go out; the
//! `traceparent` in its `_meta` names the span that is waiting for it.
//!
//! Spans are listed here only while their request is under way, and only
//! for clients that have such a transport.

use std::sync::{Mutex, PoisonError};

use opentelemetry::trace::{SpanId, TraceContextExt as _};
use opentelemetry::{Context, KeyValue, StringValue};
use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, JsonRpcMessage, RequestId, RequestMetaObject,
};

use crate::attributes as attr;
use crate::propagation::trace_context;
use crate::text::cut_bytes;

/// A client span waiting for its request to go out; what it was told.
struct Waiting {
    span_id: SpanId,
    cx: Context,
    /// The first request's id is the span's (a `tools/call` that needs
    /// input from the client sends more than one).
    id: bool,
    session: bool,
}

/// The client spans waiting for their request to be sent.
static WAITING: Mutex<Vec<Waiting>> = Mutex::new(Vec::new());

/// Lists `cx`'s span as waiting for its request.
pub(crate) fn wait(cx: &Context) {
    let span_id = cx.span().span_context().span_id();
    let mut waiting = WAITING.lock().unwrap_or_else(PoisonError::into_inner);
    waiting.push(Waiting {
        span_id,
        cx: cx.clone(),
        id: false,
        session: false,
    });
}

/// Takes `cx`'s span off the list: its request ended.
pub(crate) fn done(cx: &Context) {
    let span_id = cx.span().span_context().span_id();
    let removed = {
        let mut waiting = WAITING.lock().unwrap_or_else(PoisonError::into_inner);
        let at = waiting.iter().position(|w| w.span_id == span_id);
        at.map(|at| waiting.swap_remove(at))
    };
    // Its context dropped out of the lock.
    drop(removed);
}

/// `message` is going out through a client's transport: a request whose
/// `_meta` names a waiting span gives that span its id.
pub(crate) fn sent(message: &ClientJsonRpcMessage) {
    told(message, |waiting, id| {
        (!std::mem::replace(&mut waiting.id, true))
            .then(|| KeyValue::new(attr::JSONRPC_REQUEST_ID, StringValue::from(id.to_string())))
    });
}

/// `message` is going out over HTTP in `session`: the waiting span it
/// names gets the session.
pub(crate) fn posted(message: &ClientJsonRpcMessage, session: Option<&str>) {
    let Some(session) = session else {
        return;
    };
    told(message, |waiting, _| {
        (!std::mem::replace(&mut waiting.session, true)).then(|| {
            KeyValue::new(
                attr::MCP_SESSION_ID,
                StringValue::from(cut_bytes(session, 256).into_owned()),
            )
        })
    });
}

/// The waiting span `message` names, told what `tell` gives once.
fn told(
    message: &ClientJsonRpcMessage,
    tell: impl FnOnce(&mut Waiting, &RequestId) -> Option<KeyValue>,
) {
    let JsonRpcMessage::Request(request) = message else {
        return;
    };
    let Some(span_id) = meta(&request.request)
        .and_then(|meta| meta.get("traceparent")?.as_str())
        .and_then(trace_context::span_id)
    else {
        return;
    };
    let (cx, attribute) = {
        let mut waiting = WAITING.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(entry) = waiting.iter_mut().find(|w| w.span_id == span_id) else {
            return;
        };
        let Some(attribute) = tell(entry, &request.id) else {
            return;
        };
        (entry.cx.clone(), attribute)
    };
    cx.span().set_attribute(attribute);
}

/// The `_meta` of the requests `McpClient` traces.
fn meta(request: &ClientRequest) -> Option<&RequestMetaObject> {
    match request {
        ClientRequest::CallToolRequest(r) => r.params.meta.as_ref(),
        ClientRequest::ReadResourceRequest(r) => r.params.meta.as_ref(),
        ClientRequest::GetPromptRequest(r) => r.params.meta.as_ref(),
        ClientRequest::CompleteRequest(r) => r.params.meta.as_ref(),
        ClientRequest::ListToolsRequest(r) => r.params.as_ref()?.meta.as_ref(),
        ClientRequest::ListPromptsRequest(r) => r.params.as_ref()?.meta.as_ref(),
        ClientRequest::ListResourcesRequest(r) => r.params.as_ref()?.meta.as_ref(),
        ClientRequest::ListResourceTemplatesRequest(r) => r.params.as_ref()?.meta.as_ref(),
        _ => None,
    }
}
