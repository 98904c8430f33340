//! [`ConsoleExporter`]: each trace printed as an indented tree, readable at
//! a glance: span name and kind, model, tokens, cost, latency and status,
//! with the conversation on the trace's line and totals on workflow lines.
//!
//! ```text
//! trace 4bf92f3577b34da6 · conversation session_123 · user user_456
//! └─ rag_search  workflow rag_search · 2 LLM calls · 1 tool call · $0.018750  3.1ms ok
//!    ├─ vector_search  tool  0.2ms ok
//!    ├─ chat gpt-4o  llm · gpt-4o · 1200→300 tokens · $0.006000  1.1ms ok
//!    └─ chat claude-sonnet-4-5  llm · claude-sonnet-4-5 · 2000→450 tokens · $0.012750  1.4ms ok
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::attributes as attr;
use crate::redact;
use crate::text::printable;

/// Spans kept while their trace's root has not ended; past this, the oldest
/// trace is printed as it is.
const MAX_BUFFERED_SPANS: usize = 10_000;

/// Prints each trace as an indented tree when its root span ends.
///
/// Colours are used only when writing to a terminal (and `NO_COLOR` is not
/// set). Use it with a `SimpleSpanProcessor` wrapped by
/// [`Last9SpanProcessor`](crate::Last9SpanProcessor), or let
/// [`install`](crate::install) do it when no endpoint is configured.
///
/// ```
/// use last9_genai::{ConsoleExporter, Last9SpanProcessor};
/// use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor};
///
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(Last9SpanProcessor::builder().wrap(SimpleSpanProcessor::new(ConsoleExporter::stderr())))
///     .build();
/// ```
pub struct ConsoleExporter {
    state: Mutex<State>,
    colors: bool,
}

struct State {
    writer: Box<dyn Write + Send>,
    pending: HashMap<TraceId, Vec<SpanData>>,
    order: Vec<TraceId>,
    buffered: usize,
}

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleExporter")
            .field("colors", &self.colors)
            .finish_non_exhaustive()
    }
}

impl ConsoleExporter {
    /// Writes to standard error, in colour on a terminal.
    ///
    /// ```
    /// let exporter = last9_genai::ConsoleExporter::stderr();
    /// ```
    pub fn stderr() -> Self {
        let colors = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self::new(Box::new(std::io::stderr()), colors)
    }

    /// Writes to `writer`, without colours.
    ///
    /// ```
    /// let exporter = last9_genai::ConsoleExporter::to_writer(Vec::<u8>::new());
    /// ```
    pub fn to_writer(writer: impl Write + Send + 'static) -> Self {
        Self::new(Box::new(writer), false)
    }

    /// Uses colours or not.
    ///
    /// ```
    /// let exporter = last9_genai::ConsoleExporter::to_writer(std::io::stdout()).colors(true);
    /// ```
    pub fn colors(mut self, colors: bool) -> Self {
        self.colors = colors;
        self
    }

    fn new(writer: Box<dyn Write + Send>, colors: bool) -> Self {
        Self {
            state: Mutex::new(State {
                writer,
                pending: HashMap::new(),
                order: Vec::new(),
                buffered: 0,
            }),
            colors,
        }
    }

    fn flush_all(&self) -> OTelSdkResult {
        let mut state = self.lock()?;
        let traces: Vec<TraceId> = state.order.drain(..).collect();
        for trace in traces {
            self.print(&mut state, trace)?;
        }
        state
            .writer
            .flush()
            .map_err(|e| OTelSdkError::InternalFailure(e.to_string()))
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, OTelSdkError> {
        self.state
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("console exporter poisoned".into()))
    }

    fn print(&self, state: &mut State, trace: TraceId) -> OTelSdkResult {
        let Some(spans) = state.pending.remove(&trace) else {
            return Ok(());
        };
        state.buffered -= spans.len();
        state.order.retain(|t| *t != trace);
        let text = render(&spans, self.colors);
        state
            .writer
            .write_all(text.as_bytes())
            .map_err(|e| OTelSdkError::InternalFailure(e.to_string()))
    }
}

impl SpanExporter for ConsoleExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut state = self.lock()?;
        let mut finished = Vec::new();
        for span in batch {
            let trace = span.span_context.trace_id();
            let is_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
            if !state.pending.contains_key(&trace) {
                state.order.push(trace);
            }
            state.pending.entry(trace).or_default().push(span);
            state.buffered += 1;
            if is_root {
                finished.push(trace);
            }
        }
        for trace in finished {
            self.print(&mut state, trace)?;
        }
        while state.buffered > MAX_BUFFERED_SPANS {
            let oldest = state.order[0];
            self.print(&mut state, oldest)?;
        }
        state
            .writer
            .flush()
            .map_err(|e| OTelSdkError::InternalFailure(e.to_string()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.flush_all()
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        self.flush_all()
    }
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The tree of one trace's spans.
fn render(spans: &[SpanData], colors: bool) -> String {
    let paint = Paint(colors);
    let ids: std::collections::HashSet<SpanId> =
        spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
    let mut roots = Vec::new();
    for span in spans {
        if ids.contains(&span.parent_span_id) {
            children.entry(span.parent_span_id).or_default().push(span);
        } else {
            roots.push(span);
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|s| s.start_time);
    }
    roots.sort_by_key(|s| s.start_time);

    let mut out = String::new();
    let trace_id = spans[0].span_context.trace_id().to_string();
    let mut header = vec![paint.wrap("2", &format!("trace {}", &trace_id[..16]))];
    let first = |key: &str| spans.iter().find_map(|s| string(&s.attributes, key));
    if let Some(conversation) = first(attr::CONVERSATION_ID) {
        header.push(format!("conversation {}", paint.wrap("1", &conversation)));
    }
    if let Some(user) = first(attr::USER_ID) {
        header.push(format!("user {user}"));
    }
    let _ = writeln!(out, "{}", header.join(" · "));
    for (i, root) in roots.iter().enumerate() {
        write_span(&mut out, root, &children, "", i + 1 == roots.len(), &paint);
    }
    out
}

fn write_span(
    out: &mut String,
    span: &SpanData,
    children: &HashMap<SpanId, Vec<&SpanData>>,
    prefix: &str,
    last: bool,
    paint: &Paint,
) {
    let branch = if last { "└─ " } else { "├─ " };
    let _ = writeln!(out, "{prefix}{branch}{}", describe(span, paint));
    let below = format!("{prefix}{}", if last { "   " } else { "│  " });
    if let Some(kids) = children.get(&span.span_context.span_id()) {
        for (i, child) in kids.iter().enumerate() {
            write_span(out, child, children, &below, i + 1 == kids.len(), paint);
        }
    }
}

/// One span's line.
fn describe(span: &SpanData, paint: &Paint) -> String {
    let a = &span.attributes;
    let mut parts = Vec::new();
    // A workflow's own span is the one carrying its totals.
    if let (Some(workflow), Some(llm)) = (
        string(a, attr::WORKFLOW_ID),
        integer(a, attr::WORKFLOW_LLM_CALLS),
    ) {
        let tools = integer(a, attr::WORKFLOW_TOOL_CALLS).unwrap_or(0);
        let cost = float(a, attr::WORKFLOW_TOTAL_COST_USD).unwrap_or(0.0);
        parts.push(paint.wrap("35", &format!("workflow {workflow}")));
        parts.push(format!("{llm} LLM call{}", plural(llm)));
        parts.push(format!("{tools} tool call{}", plural(tools)));
        parts.push(paint.wrap("33", &format!("${cost:.6}")));
        parts.extend(budget(a, paint));
    } else if let Some(kind) = string(a, attr::L9_SPAN_KIND) {
        parts.push(paint.wrap("36", &kind));
    }
    // An MCP request's two sides, told apart.
    if find(a, attr::MCP_METHOD_NAME).is_some() {
        match span.span_kind {
            SpanKind::Client => parts.push("mcp client".to_owned()),
            SpanKind::Server => parts.push("mcp server".to_owned()),
            _ => {}
        }
    }
    let model = string(a, attr::RESPONSE_MODEL).or_else(|| string(a, attr::REQUEST_MODEL));
    if let Some(model) = &model {
        parts.push(model.clone());
    }
    if let (Some(input), Some(output)) = (
        integer(a, attr::USAGE_INPUT_TOKENS),
        integer(a, attr::USAGE_OUTPUT_TOKENS),
    ) {
        parts.push(format!("{input}→{output} tokens"));
    }
    if let Some(cost) = float(a, attr::USAGE_COST_USD) {
        parts.push(paint.wrap("33", &format!("${cost:.6}")));
    } else if find(a, attr::L9_USAGE_INVALID).is_some() {
        parts.push(paint.wrap("31", "invalid token counts, no price"));
    } else if model.is_some() && integer(a, attr::USAGE_INPUT_TOKENS).is_some() {
        parts.push(paint.wrap("31", "no price"));
    }
    if let Some(first) = float(a, attr::RESPONSE_TIME_TO_FIRST_CHUNK) {
        parts.push(format!("first chunk {:.1}ms", first * 1000.0));
    }
    let ms = span
        .end_time
        .duration_since(span.start_time)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let cancelled = matches!(find(a, attr::L9_CANCELLED), Some(Value::Bool(true)));
    let status = match &span.status {
        Status::Unset if cancelled => paint.wrap("33", "cancelled"),
        Status::Ok => paint.wrap("32", "ok"),
        Status::Unset => paint.wrap("2", "-"),
        Status::Error { description } => {
            // Spans of other instrumentation were never redacted.
            let description = redact::rules().scrub_text(description).into_owned();
            paint.wrap("31", &format!("error: {}", printable(&description)))
        }
    };
    let details = if parts.is_empty() {
        String::new()
    } else {
        format!("  {}", parts.join(" · "))
    };
    format!(
        "{}{details}  {ms:.1}ms {status}",
        paint.wrap("1", &printable(&span.name))
    )
}

/// A budgeted workflow's budgets, marked when spent.
fn budget(a: &[KeyValue], paint: &Paint) -> Option<String> {
    let usd = float(a, attr::WORKFLOW_BUDGET_USD).map(|usd| format!("${usd:.6}"));
    let tokens = integer(a, attr::WORKFLOW_BUDGET_TOKENS).map(|t| format!("{t} tokens"));
    let budgets: Vec<String> = usd.into_iter().chain(tokens).collect();
    if budgets.is_empty() {
        return None;
    }
    let text = format!("budget {}", budgets.join(", "));
    Some(
        if matches!(find(a, attr::WORKFLOW_OVER_BUDGET), Some(Value::Bool(true))) {
            paint.wrap("31", &format!("OVER BUDGET ({text})"))
        } else {
            text
        },
    )
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// A string attribute, made printable.
fn string(attributes: &[KeyValue], key: &str) -> Option<String> {
    match find(attributes, key)? {
        Value::String(s) => Some(printable(s.as_str()).into_owned()),
        _ => None,
    }
}

fn integer(attributes: &[KeyValue], key: &str) -> Option<i64> {
    match find(attributes, key)? {
        Value::I64(n) => Some(*n),
        _ => None,
    }
}

fn float(attributes: &[KeyValue], key: &str) -> Option<f64> {
    match find(attributes, key)? {
        Value::F64(f) => Some(*f),
        _ => None,
    }
}
