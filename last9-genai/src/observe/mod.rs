//! What `#[observe]` expands to calls: the span of one observed call, value
//! capture, and usage from return values. Private to the macro
//! (`last9_genai::__private`), except the recording functions re-exported at
//! the crate root.

#[cfg(feature = "aws-bedrock")]
pub(crate) mod bedrock;
pub(crate) mod capture;
mod end;
pub(crate) mod eventstream;
pub(crate) mod follow;
pub(crate) mod known;
mod metered;
pub(crate) mod panics;
mod recorded;
mod recording_span;
pub(crate) mod stream;
pub(crate) mod tracer;

use std::fmt::{Debug, Display};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use opentelemetry::trace::{Span as _, SpanContext, SpanId, TraceContextExt};
use opentelemetry::{Array, Context, ContextGuard, KeyValue, StringValue, Value};
use pin_project_lite::pin_project;
use serde::Serialize;

use crate::attributes as attr;
use crate::context::{ScopeState, ScopeTotals};
use crate::cost::TokenUsage;
use crate::metrics;
use crate::pricing::PricingTable;
use crate::record::conventions;
use crate::record::detect_provider;
use crate::record::messages::{self, Message};
use crate::record::request::{self, RequestInfo};
use crate::record::response::{self, ResponseInfo};
use crate::record::{ObservationKind, model_attribute, usage_attributes};
use crate::redact::{self, REDACTED, Rules};
use crate::settings::{self, Placement};
use crate::text::{MAX_MODEL_NAME_LEN, cut_bytes, cut_bytes_owned};
use capture::{Bounds, CAPTURE_FAILED, Captured, Wrap, debug_limited, guarded, json_within};
use metered::Metering;
use recording_span::RecordingSpan;

/// What the macro knows of an observed function at compile time.
#[derive(Debug)]
pub struct Meta {
    /// Span name.
    pub name: &'static str,
    /// `gen_ai.l9.span.kind`.
    pub kind: ObservationKind,
    /// `tags`.
    pub tags: &'static [&'static str],
    /// `metadata.{key}` attribute keys with their values, already text.
    pub metadata: &'static [(&'static str, &'static str)],
    /// Whether arguments and the prompt are captured.
    pub capture_input: bool,
    /// Whether the completion is captured.
    pub capture_output: bool,
    /// Per-function capture limit, in bytes.
    pub capture_limit: Option<usize>,
    /// Whether the redaction rules apply (`redaction = false` turns them
    /// off for the function).
    pub redact: bool,
    /// `model = "…"`: the model asked for, when no argument tells.
    pub model: Option<&'static str>,
    /// `provider = "…"`: `gen_ai.provider.name`, else guessed from the
    /// model's name or the response's shape.
    pub provider: Option<&'static str>,
    /// Whether the return type may be a model response (not a number, text,
    /// or nothing): only then is the prompt kept to be written as the
    /// user's message of a model call.
    pub may_respond: bool,
    /// `pricing = …`: the function prices its own calls, and what its body
    /// records with `record_usage` is kept for them, sampled or not.
    pub prices: bool,
    /// The function's one warning that it returned a value no format
    /// recognises is said.
    pub said: Said,
}

/// A warning said once per function, remembered in its [`Meta`] without a
/// lock.
#[derive(Debug, Default)]
pub struct Said(std::sync::atomic::AtomicBool);

impl Said {
    /// Not said yet.
    pub const fn new() -> Self {
        Self(std::sync::atomic::AtomicBool::new(false))
    }

    /// Whether it is said.
    fn is_said(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Says it: `true` the first time only.
    fn first(&self) -> bool {
        !self.0.swap(true, Ordering::Relaxed)
    }
}

/// The span of one observed call.
///
/// The span is held directly, and written without locks, until the
/// arguments are recorded; then it moves into the context that is current
/// while the body runs.
#[derive(Debug)]
pub struct Observation {
    meta: &'static Meta,
    /// The span before the body runs. `None` when no pipeline is installed
    /// (then nothing at all is done) or once it moved into `cx`.
    span: Option<RecordingSpan>,
    /// The context inside the call, its span current.
    cx: Option<Context>,
    recording: bool,
    /// What the call's metrics need, when metrics are recorded.
    metering: Option<Box<Metering>>,
    /// The totals of the workflow the call runs in, when the processor
    /// never sees the call: the sampler dropped its span, or no pipeline
    /// makes one (then only in a budgeted scope). The call counts itself
    /// when it ends.
    totals: Option<Arc<ScopeTotals>>,
    /// When the call started; taken only for spans that record and calls
    /// whose metrics are recorded.
    start: Option<Instant>,
    pricing: Option<PricingTable>,
    /// The span the body's `record_usage` is kept under, for a call with
    /// its own prices whose span the sampler dropped (one that records
    /// keeps it under its context's span).
    recorded_span: Option<SpanId>,
    args: Vec<Arg>,
    finished: bool,
    /// `gen_ai.request.model` is written.
    model_written: bool,
    /// The model the call asked for (a `model` parameter, a request), to
    /// price a response that names none (Bedrock Converse, Cohere); kept
    /// only when the call's output is read.
    asked_model: Option<Arc<str>>,
    /// `gen_ai.provider.name` is written.
    provider_written: bool,
    /// The provider written was guessed from the model's name: a response
    /// whose body names its provider by a marker is written over it.
    provider_guess: Option<&'static str>,
    /// The model request an argument holds, its texts scrubbed.
    request: Option<RequestInfo>,
    /// The prompt text of a model call whose arguments held no messages:
    /// the user's message, once the response shows it was a model call.
    prompt: Option<String>,
    /// The `function.arg.*` attributes that prompt says, written only if
    /// the call's output shows it was no model call: else its user message
    /// holds them.
    pending_args: Vec<KeyValue>,
    /// Where the call's content goes, read once when its span records.
    place: Placement,
    /// A parameter told a `gen_ai.request.*` value: a request object's do
    /// not repeat it.
    parameters_written: bool,
    /// The attributes of the conventions'
    /// `gen_ai.client.inference.operation.details` event, when content goes
    /// there: the input messages, then the output's; added when the call
    /// ends.
    details: Option<Vec<KeyValue>>,
}

/// An argument as captured: its `function.arg.*` key, its name, its value,
/// and whether it held the model request (then written as messages, never
/// as `function.arg.*`).
#[derive(Debug)]
struct Arg {
    key: &'static str,
    name: &'static str,
    value: Captured,
    request: bool,
}

impl Observation {
    /// Starts the span of a call, as a child of the current context.
    /// `request_model` is the model the call asks for, when an argument
    /// tells (a parameter named `model`, a request type the crate knows).
    /// `client_provider` is the provider a client argument tells
    /// ([`ProviderHint`](known::ProviderHint)).
    pub fn start(
        meta: &'static Meta,
        request_model: Option<&str>,
        client_provider: Option<&'static str>,
    ) -> Self {
        let (name, tags, metadata) = (meta.name, meta.tags, meta.metadata);
        let mut observation = Self {
            meta,
            span: None,
            cx: None,
            recording: false,
            metering: None,
            totals: None,
            start: None,
            pricing: None,
            recorded_span: None,
            args: Vec::new(),
            finished: false,
            model_written: false,
            asked_model: None,
            provider_written: false,
            provider_guess: None,
            request: None,
            prompt: None,
            pending_args: Vec::new(),
            place: Placement::NONE,
            parameters_written: false,
            details: None,
        };
        let metered = metrics::on();
        if metered {
            observation.metering = Context::map_current(|parent| {
                Some(Box::new(Metering::start(
                    meta,
                    request_model,
                    client_provider,
                    parent,
                )))
            });
        }
        if !tracer::active() {
            // No pipeline, no span: a call inside a budgeted scope still
            // counts toward the budget, so that `check_budget()` stops a
            // loop whatever is installed. Nothing else is done.
            observation.totals =
                Context::map_current(|parent| open_scope(parent).filter(|t| t.budgeted()));
            if observation.totals.is_some() {
                observation.asked_model = request_model.map(Arc::from);
            }
            if metered {
                observation.start = Some(Instant::now());
            }
            return observation;
        }
        let attributes = observation.sampled_attributes(request_model, client_provider);
        Context::map_current(|parent| match tracer::start(name, parent, attributes) {
            Some(tracer::Started::Recording(span)) => {
                observation.recording = true;
                observation.place = settings::placement();
                observation.span = Some(span);
            }
            Some(tracer::Started::Dropped(span_context)) => {
                // A function with its own prices keeps what its body
                // records under a span id of its own.
                observation.cx = if meta.prices {
                    Some(parent.with_remote_span_context(span_context))
                } else {
                    dropped_span_context(parent, span_context)
                };
                observation.totals = open_scope(parent);
            }
            Some(tracer::Started::Unregistered) => {
                observation.unregistered(parent, request_model, client_provider);
            }
            None => {}
        });
        if observation.span.is_none() {
            if metered {
                observation.start = Some(Instant::now());
            }
            return observation;
        }
        let metadata: Vec<(&'static str, String)> = if metadata.is_empty() {
            Vec::new()
        } else {
            observation.redacting(|rules| {
                metadata
                    .iter()
                    .map(|(key, value)| (*key, scrub_owned(rules, (*value).to_owned())))
                    .collect()
            })
        };
        if let Some(span) = &mut observation.span {
            observation.start = Some(Instant::now());
            if !tags.is_empty() {
                let tags = tags.iter().map(|t| StringValue::from(*t)).collect();
                span.set_attribute(KeyValue::new(attr::TAGS, Value::Array(Array::String(tags))));
            }
            for (key, value) in metadata {
                if key == attr::METADATA_CATEGORY {
                    span.set_attribute(KeyValue::new(attr::USER_CATEGORY, value.clone()));
                }
                span.set_attribute(KeyValue::new(key, value));
            }
        }
        observation
    }

    /// No provider is registered: the span is made through a
    /// tracing-opentelemetry layer when one is current (feature `tracing`),
    /// else nothing is, and a warning names the missing call once.
    fn unregistered(
        &mut self,
        parent: &Context,
        request_model: Option<&str>,
        client_provider: Option<&'static str>,
    ) {
        #[cfg(feature = "tracing")]
        {
            let attributes = self.sampled_attributes(request_model, client_provider);
            if let Some(span) = crate::bridge::tracing_span(self.meta.name, parent, attributes) {
                if span.is_recording() {
                    self.recording = true;
                    self.span = Some(RecordingSpan::Tracing(Box::new(span)));
                } else {
                    self.cx = dropped_span_context(parent, span.span_context().clone());
                }
                return;
            }
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (parent, request_model, client_provider);
        crate::pipeline::unregistered();
    }

    /// The attributes a sampler sees at span start: what the call is
    /// (`gen_ai.l9.span.kind`, `gen_ai.operation.name`, a tool's name) and,
    /// for a model call, the model asked for and its provider.
    fn sampled_attributes(
        &mut self,
        request_model: Option<&str>,
        client_provider: Option<&'static str>,
    ) -> Vec<KeyValue> {
        let meta = self.meta;
        let mut attributes = Vec::with_capacity(6);
        attributes.push(KeyValue::new(attr::L9_SPAN_KIND, meta.kind.as_str()));
        if let Some(operation) = meta.kind.operation() {
            attributes.push(KeyValue::new(attr::OPERATION_NAME, operation));
        }
        match meta.kind {
            ObservationKind::Tool => attributes.push(KeyValue::new(attr::TOOL_NAME, meta.name)),
            // The conventions' `invoke_workflow` gives Phoenix no kind.
            ObservationKind::Chain => {
                attributes.push(KeyValue::new(attr::OPENINFERENCE_SPAN_KIND, "CHAIN"));
            }
            _ => {}
        }
        let model = request_model.or(meta.model);
        if let Some(model) = model {
            // One allocation for the attribute and the name kept to price.
            let name: Arc<str> = Arc::from(cut_bytes(model, MAX_MODEL_NAME_LEN));
            if request_model.is_some() {
                self.asked_model = Some(Arc::clone(&name));
            }
            attributes.push(KeyValue::new(attr::REQUEST_MODEL, StringValue::from(name)));
            self.model_written = true;
        }
        // Said, then told by the client, then guessed from the model's name.
        let told = meta.provider.or(client_provider);
        let guess = model.and_then(detect_provider).filter(|_| told.is_none());
        if let Some(provider) = told.or(guess) {
            attributes.extend(conventions::provider_attributes(provider));
            self.provider_written = true;
            self.provider_guess = guess;
        }
        attributes
    }

    /// Prices the call's usage with `table` instead of leaving it to the
    /// span processor.
    pub fn with_pricing(mut self, table: Option<&PricingTable>) -> Self {
        if self.reads_output() {
            self.pricing = table.cloned();
        }
        // Usage the body records counts in the metrics and totals of a call
        // the sampler dropped too: kept under the dropped span's id.
        if self.pricing.is_some()
            && !self.recording
            && let Some(cx) = &self.cx
        {
            let span_id = cx.span().span_context().span_id();
            if span_id != SpanId::INVALID {
                recorded::open(span_id);
                self.recorded_span = Some(span_id);
            }
        }
        self
    }

    /// Whether the span records: when it does not, nothing is captured.
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Whether the call's output is read when it ends: its span records, or
    /// its metrics are recorded.
    pub fn reads_output(&self) -> bool {
        self.recording || self.metering.is_some() || self.totals.is_some()
    }

    /// Whether the call's metrics are recorded (and not yet).
    pub(crate) fn metered(&self) -> bool {
        self.metering.is_some()
    }

    /// Whether argument capture is wanted: the span records and content
    /// capture is on for inputs.
    pub fn captures_input(&self) -> bool {
        self.recording && self.meta.capture_input && self.place.any()
    }

    /// The limit of one captured value.
    pub fn limit(&self) -> usize {
        self.meta
            .capture_limit
            .unwrap_or_else(settings::capture_limit)
    }

    /// How a value of this call is captured: the limit, and whether the
    /// keys of a `Serialize` value are judged as they are written.
    pub fn bounds(&self) -> Bounds {
        let mut bounds = Bounds::new(self.limit(), self.meta.redact);
        // The output's text only when it is written: a span that records,
        // capturing it (an unsampled call, or one counted with no pipeline,
        // reads its output for the usage alone).
        bounds.text = self.recording && self.meta.capture_output && self.place.any();
        // Only a recorded model call says what it returned, and once.
        bounds.name_unrecognised =
            self.recording && self.meta.kind == ObservationKind::Llm && !self.meta.said.is_said();
        bounds
    }

    /// Runs `f` with the redaction rules, or `None` when they do not apply
    /// to this call.
    fn redacting<R>(&self, f: impl FnOnce(Option<&Rules>) -> R) -> R {
        if !self.meta.redact {
            return f(None);
        }
        redact::with_rules(|rules| f(rules.enabled().then_some(rules)))
    }

    /// Whether parameter `name` is secret by the redaction rules: then its
    /// value is not captured at all. `seen` is the call site's memory of the
    /// answer, asked again only when the rules change.
    pub fn secret(&self, name: &'static str, seen: &SecretName) -> bool {
        if !self.meta.redact {
            return false;
        }
        let epoch = redact::epoch();
        seen.get(epoch).unwrap_or_else(|| {
            let secret = redact::with_rules(|rules| rules.secret_name(name));
            seen.set(epoch, secret);
            secret
        })
    }

    /// Records argument `name`, written under `key` (`function.arg.{name}`)
    /// unless its text goes out under another key, with the secrets inside
    /// its value cut out.
    pub fn arg(&mut self, key: &'static str, name: &'static str, value: Captured) {
        // No secret fits in less than three bytes.
        let value = match &value {
            Captured::Str(s) | Captured::Json(s) | Captured::Text(s) if s.len() >= 3 => self
                .redacting(|rules| match rules {
                    Some(rules) => value.scrubbed(rules),
                    None => value,
                }),
            _ => value,
        };
        if value == Captured::Failed
            && let Some(span) = &mut self.span
        {
            span.set_attribute(KeyValue::new(attr::L9_CAPTURE_FAILED, true));
        }
        self.args.push(Arg {
            key,
            name,
            value,
            request: false,
        });
    }

    /// Records a request parameter given by the argument of that name
    /// (`temperature`, `top_p`, `max_tokens`, `frequency_penalty`,
    /// `presence_penalty`) as `gen_ai.request.{name}`: `max_tokens` as an
    /// integer, the others as floats; a value that is no number is left out.
    pub fn request_parameter(&mut self, name: &'static str, value: Captured) {
        let number = match &value {
            Captured::Int(n) => Some(*n as f64),
            Captured::Float(f) => Some(*f),
            Captured::Json(text) => text.parse::<f64>().ok(),
            _ => None,
        }
        .filter(|n| n.is_finite());
        let (Some(number), Some(span)) = (number, &mut self.span) else {
            return;
        };
        if let Some(attribute) = request_parameter_attribute(name, number) {
            span.set_attribute(attribute);
            self.parameters_written = true;
        }
    }

    /// Records the id of the tool call a tool span answers
    /// (`gen_ai.tool.call.id`), from a parameter named `tool_call_id` or
    /// `call_id`; a value that is not text is left out.
    pub fn tool_call_id(&mut self, value: Captured) {
        if let (Captured::Str(id), Some(span)) = (value, &mut self.span)
            && !id.is_empty()
        {
            span.set_attribute(KeyValue::new(attr::TOOL_CALL_ID, id));
        }
    }

    /// Records argument `name` of a model call: as [`Observation::arg`]
    /// does, and when it holds a model request (chat messages, a request
    /// object), the request too. The first argument that holds one wins.
    pub fn arg_request(
        &mut self,
        key: &'static str,
        name: &'static str,
        (value, tree): (Captured, Option<serde_json::Value>),
    ) {
        if self.request.is_none()
            && let Some(mut request) = tree.as_ref().and_then(request::read)
        {
            self.redacting(|rules| {
                let mut clean = |text: String| scrub_owned(rules, text);
                for message in request.system.iter_mut().chain(&mut request.messages) {
                    message.map_texts(&mut clean);
                }
            });
            self.request = Some(request);
            // Written as messages, never as itself: neither scrubbed nor
            // kept.
            self.args.push(Arg {
                key,
                name,
                value: Captured::Text(String::new()),
                request: true,
            });
            return;
        }
        self.arg(key, name, value);
    }

    /// Records argument `name` as redacted: `[REDACTED]` in its attribute and
    /// in the prompt, never the prompt itself.
    pub fn redacted(&mut self, key: &'static str, name: &'static str) {
        self.arg(key, name, Captured::Text(REDACTED.to_owned()));
    }

    /// Records the prompt from the captured arguments, each text once per
    /// layout ([`Placement`]): for a model request, its model, parameters
    /// and messages as the conventions write them (`gen_ai.input.messages`,
    /// `gen_ai.system_instructions`); for a tool, its arguments
    /// (`gen_ai.tool.call.arguments`); the Python SDK's prompt text
    /// (`gen_ai.prompt`, on the `gen_ai.content.prompt` event); and as
    /// `function.arg.*` the arguments whose text no other key of the span
    /// holds. A model call's prompt with no messages is its user message,
    /// written when it ends (see [`Observation::end`]).
    pub fn args_done(&mut self) {
        let request = self.request.take();
        let args = std::mem::take(&mut self.args);
        if self.span.is_none() || (args.is_empty() && request.is_none()) {
            return;
        }
        let place = self.place;
        let limit = self.limit();
        let mut attributes = Vec::new();
        let tool = self.meta.kind == ObservationKind::Tool;
        let has_messages = request.as_ref().is_some_and(|r| !r.messages.is_empty());
        if tool && place.conventions() {
            let arguments = cut_bytes_owned(tool_arguments(&args), limit);
            let arguments = vec![KeyValue::new(attr::TOOL_CALL_ARGUMENTS, arguments)];
            self.conventions_content(&mut attributes, arguments, place.conventions_span);
        }
        // A model call with no messages: its prompt is its user message once
        // the response shows it was one, standing on the span for the
        // arguments it says. In events, any call's but a tool's is.
        let model_prompt = !has_messages
            && !tool
            && self.meta.kind == ObservationKind::Llm
            && self.meta.may_respond;
        let keep_prompt = !has_messages
            && !tool
            && ((model_prompt && place.conventions()) || place.conventions_event);
        let python = place.python_span || place.python_event;
        let (prompt, said) = if python || keep_prompt {
            let (text, said) = prompt_text(&args, request.as_ref());
            (Some(cut_bytes_owned(text, limit)), said)
        } else {
            (None, Vec::new())
        };
        if place.args && !(tool && place.conventions_span) {
            let deferred = model_prompt && place.conventions_span;
            for arg in args.into_iter().filter(|arg| !arg.request) {
                let attribute = KeyValue::new(arg.key, arg.value.into_value());
                if deferred && said.contains(&arg.name) {
                    self.pending_args.push(attribute);
                } else {
                    attributes.push(attribute);
                }
            }
        }
        if let Some(request) = &request {
            attributes.extend(self.request_model(request));
            attributes.extend(self.request_parameters(request));
            if has_messages && place.conventions() {
                let input = input_attributes(request, limit);
                self.conventions_content(&mut attributes, input, place.conventions_span);
            }
        }
        let prompt = match (keep_prompt, python) {
            (true, true) => {
                self.prompt.clone_from(&prompt);
                prompt
            }
            (true, false) => {
                self.prompt = prompt;
                None
            }
            (false, _) => prompt,
        };
        if let (Some(prompt), true) = (&prompt, place.python_span) {
            attributes.push(KeyValue::new(attr::PROMPT, prompt.clone()));
        }
        if let Some(span) = &mut self.span {
            span.set_attributes(attributes);
            if let (Some(prompt), true) = (prompt, place.python_event) {
                span.add_event(
                    attr::EVENT_CONTENT_PROMPT,
                    vec![KeyValue::new(attr::PROMPT, prompt)],
                );
            }
        }
    }

    /// Adds the conventions' `content` to the span's `attributes` when
    /// `on_span`, and to the `gen_ai.client.inference.operation.details`
    /// event when content goes there; shared, not copied, when both.
    fn conventions_content(
        &mut self,
        attributes: &mut Vec<KeyValue>,
        content: Vec<KeyValue>,
        on_span: bool,
    ) {
        match (on_span, self.place.conventions_event) {
            (true, true) => {
                let shared: Vec<KeyValue> = content.into_iter().map(shared).collect();
                let details = self.details.get_or_insert_with(Vec::new);
                details.extend(shared.iter().cloned());
                attributes.extend(shared);
            }
            (true, false) => attributes.extend(content),
            (false, true) => self.details.get_or_insert_with(Vec::new).extend(content),
            (false, false) => {}
        }
    }

    /// The parameters a request object asks for (temperature, top_p,
    /// max_tokens, frequency and presence penalties) as `gen_ai.request.*`,
    /// unless parameters of those names told them.
    fn request_parameters(&self, request: &RequestInfo) -> Vec<KeyValue> {
        if self.parameters_written {
            return Vec::new();
        }
        request
            .parameters
            .iter()
            .filter_map(|(name, number)| request_parameter_attribute(name, *number))
            .collect()
    }

    /// The model a request asks for, when nothing named one at span start,
    /// and its provider.
    fn request_model(&mut self, request: &RequestInfo) -> Vec<KeyValue> {
        let mut attributes = Vec::new();
        if let Some(model) = request.model.as_deref().filter(|_| !self.model_written) {
            attributes.push(model_attribute(attr::REQUEST_MODEL, model));
            self.model_written = true;
            self.asked_model = Some(Arc::from(model));
            if let Some(provider) = detect_provider(model).filter(|_| !self.provider_written) {
                attributes.extend(conventions::provider_attributes(provider));
                self.provider_written = true;
                self.provider_guess = Some(provider);
            }
        }
        attributes
    }

    /// The context inside the call: the span moves into it the first time.
    fn context(&mut self) -> Option<&Context> {
        if let Some(span) = self.span.take() {
            let cx = Context::current_with_span(span);
            if self.pricing.is_some() {
                recorded::open(cx.span().span_context().span_id());
            }
            self.cx = Some(cx);
        }
        self.cx.as_ref()
    }

    /// The context to make current in the body. A span that records is
    /// still needed to finish the call; one that does not can give its
    /// context away.
    fn body_context(&mut self) -> Option<Context> {
        if self.recording {
            self.context().cloned()
        } else {
            self.cx.take()
        }
    }

    /// Makes the call's span current on this thread until the guard drops.
    pub fn enter(&mut self) -> Option<ContextGuard> {
        self.body_context().map(Context::attach)
    }

    /// Runs `future` with the call's span current on every poll.
    pub fn instrument<F: Future>(&mut self, future: F) -> Instrumented<F> {
        Instrumented {
            inner: future,
            cx: self.body_context(),
        }
    }
}

/// The request parameter `name` as its `gen_ai.request.*` attribute:
/// `max_tokens` as an integer, the others as floats.
fn request_parameter_attribute(name: &str, number: f64) -> Option<KeyValue> {
    Some(match name {
        "max_tokens" => KeyValue::new(attr::REQUEST_MAX_TOKENS, number as i64),
        "temperature" => KeyValue::new(attr::REQUEST_TEMPERATURE, number),
        "top_p" => KeyValue::new(attr::REQUEST_TOP_P, number),
        "frequency_penalty" => KeyValue::new(attr::REQUEST_FREQUENCY_PENALTY, number),
        "presence_penalty" => KeyValue::new(attr::REQUEST_PRESENCE_PENALTY, number),
        _ => return None,
    })
}

/// `attribute` with its text held once behind a reference count, so that
/// the span and an event can both carry it without a copy.
fn shared(attribute: KeyValue) -> KeyValue {
    match attribute.value {
        Value::String(text) => KeyValue::new(
            attribute.key,
            StringValue::from(Arc::<str>::from(text.as_str())),
        ),
        _ => attribute,
    }
}

/// The totals of the innermost workflow or conversation open in `parent`.
fn open_scope(parent: &Context) -> Option<Arc<ScopeTotals>> {
    parent.get::<ScopeState>()?.totals().cloned()
}

/// `text` with its secrets cut out by `rules`, or as it is without them
/// (not copied when there is nothing to cut).
fn scrub_owned(rules: Option<&Rules>, text: String) -> String {
    match rules {
        Some(rules) => rules.scrub_text_owned(text),
        None => text,
    }
}

/// What to make current in the body of a call whose span the sampler
/// dropped. Children need the trace id and the decision not to sample, so
/// the span's context is made current, unless the current span already
/// carries both: then children are made under it, as under the dropped span
/// they would have been dropped alike, and the call costs no context.
fn dropped_span_context(parent: &Context, span_context: SpanContext) -> Option<Context> {
    let outer = parent.span();
    let outer = outer.span_context();
    let inherited =
        outer.is_valid() && !outer.is_sampled() && outer.trace_id() == span_context.trace_id();
    (!inherited).then(|| parent.with_remote_span_context(span_context))
}

/// The prompt text, and the names of the arguments it says: a model
/// request's messages as `role: text` lines; else a single string argument
/// as is; chat messages as `role: content` lines; a single argument as its
/// text; else `name=value` pairs. A parameter named `model` names the model
/// (`gen_ai.request.model`), never the prompt, when there are others: it is
/// said all the same.
fn prompt_text(args: &[Arg], request: Option<&RequestInfo>) -> (String, Vec<&'static str>) {
    if let Some(request) = request.filter(|r| !r.messages.is_empty()) {
        let lines: Vec<String> = request
            .system
            .iter()
            .chain(&request.messages)
            .map(Message::line)
            .collect();
        let read = args.iter().filter(|arg| arg.request).map(|arg| arg.name);
        return (lines.join("\n"), read.collect());
    }
    let model = args.len() > 1;
    let said: Vec<&Arg> = args
        .iter()
        .filter(|arg| !(model && arg.name == "model"))
        .collect();
    let with_model = |name| {
        let mut names = vec![name];
        names.extend(
            args.iter()
                .map(|arg| arg.name)
                .filter(|n| model && *n == "model"),
        );
        names
    };
    let mut strings = said
        .iter()
        .filter(|arg| matches!(arg.value, Captured::Str(_)));
    if let (Some(single), None) = (strings.next(), strings.next())
        && let Captured::Str(text) = &single.value
    {
        return (text.clone(), with_model(single.name));
    }
    if let Some((name, lines)) = said
        .iter()
        .find_map(|arg| chat_lines(&arg.value).map(|lines| (arg.name, lines)))
    {
        return (lines, with_model(name));
    }
    let names = args.iter().map(|arg| arg.name).collect();
    if let [single] = said.as_slice() {
        return (single.value.as_text().into_owned(), names);
    }
    let pairs: Vec<String> = said
        .iter()
        .map(|arg| format!("{}={}", arg.name, arg.value.as_text()))
        .collect();
    (pairs.join(", "), names)
}

/// The input messages and system instructions of `request` as the
/// conventions write them, fitted within `limit`.
fn input_attributes(request: &RequestInfo, limit: usize) -> Vec<KeyValue> {
    messages::conventions_input(
        &messages::fitted(&request.system, limit),
        &messages::fitted(&request.messages, limit),
    )
}

/// A tool's arguments as a JSON object of the captured arguments: numbers,
/// booleans and strings as they are, JSON values as JSON, anything else as
/// its text.
fn tool_arguments(args: &[Arg]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = args
        .iter()
        .map(|Arg { name, value, .. }| {
            let value = match value {
                Captured::Int(n) => serde_json::Value::from(*n),
                Captured::Float(f) => serde_json::Value::from(*f),
                Captured::Bool(b) => serde_json::Value::from(*b),
                Captured::Json(text) => serde_json::from_str(text)
                    .unwrap_or_else(|_| serde_json::Value::from(text.as_str())),
                other => serde_json::Value::from(other.as_text().into_owned()),
            };
            ((*name).to_owned(), value)
        })
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// `role: content` lines of a JSON array of chat messages.
fn chat_lines(value: &Captured) -> Option<String> {
    let Captured::Json(json) = value else {
        return None;
    };
    // Only an array of messages is parsed: any other JSON (a list of
    // records, a document) is not read twice.
    if !json.starts_with('[') || !json.contains("\"role\"") {
        return None;
    }
    let messages: Vec<serde_json::Value> = serde_json::from_str(json).ok()?;
    let lines: Option<Vec<String>> = messages
        .iter()
        .map(|m| {
            let role = m.get("role")?.as_str()?;
            let content = match m.get("content")? {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(format!("{role}: {content}"))
        })
        .collect();
    lines.filter(|l| !l.is_empty()).map(|l| l.join("\n"))
}

pin_project! {
    /// A future with an observed call's span current on every poll.
    #[derive(Debug)]
    pub struct Instrumented<F> {
        #[pin]
        inner: F,
        cx: Option<Context>,
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _guard = this.cx.clone().map(Context::attach);
        panics::note_panic(|| this.inner.poll(task))
    }
}

pin_project! {
    /// The future returned by an observed function that returns a future
    /// (`impl Future`, `Pin<Box<dyn Future>>`, `#[async_trait]` methods):
    /// the call's span is current on every poll and ends when it completes.
    pub struct ObservedFuture<F: Future, D> {
        #[pin]
        inner: F,
        cx: Option<Context>,
        observation: Option<Observation>,
        done: D,
    }
}

impl<F: Future, D: FnMut(Observation, &F::Output)> ObservedFuture<F, D> {
    /// Wraps `inner`; `done` ends the observation with the output.
    pub fn new(mut observation: Observation, inner: F, done: D) -> Self {
        Self {
            inner,
            cx: observation.body_context(),
            observation: Some(observation),
            done,
        }
    }
}

impl<F: Future, D: FnMut(Observation, &F::Output)> Future for ObservedFuture<F, D> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let guard = this.cx.clone().map(Context::attach);
        let poll = panics::note_panic(|| this.inner.poll(task));
        drop(guard);
        if let Poll::Ready(output) = &poll
            && let Some(observation) = this.observation.take()
        {
            (this.done)(observation, output);
        }
        poll
    }
}

/// A call site's memory of whether a parameter name is secret, for the
/// rules of one epoch: one atomic load per call instead of a look at the
/// name.
#[derive(Debug)]
pub struct SecretName(AtomicU64);

impl SecretName {
    /// Nothing known yet.
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// The answer for the rules of `epoch`, when known.
    fn get(&self, epoch: u64) -> Option<bool> {
        let seen = self.0.load(Ordering::Relaxed);
        (seen != 0 && seen >> 1 == epoch + 1).then_some(seen & 1 == 1)
    }

    fn set(&self, epoch: u64, secret: bool) {
        self.0
            .store(((epoch + 1) << 1) | u64::from(secret), Ordering::Relaxed);
    }
}

impl Default for SecretName {
    fn default() -> Self {
        Self::new()
    }
}

/// Says once per function that the model call of `meta` returned an object
/// no wire format recognises (its first `keys`): no provider, model or
/// tokens are read from it, rather than guessed.
fn warn_unrecognised(meta: &Meta, keys: &str) {
    if meta.said.first() {
        let name = meta.name;
        crate::warn::warn(&format!(
            "{name}: the value it returned (keys {keys}) is no model response the crate \
             reads; its span carries no provider, model or tokens. Return the provider's \
             response, or record usage with `record_usage`"
        ));
    }
}

/// The output of a call, as captured.
#[derive(Debug, Default)]
pub struct Output {
    /// What a model response says of itself.
    pub info: Option<ResponseInfo>,
    /// The output as text.
    pub text: Option<String>,
    /// The text is JSON whose keys were judged as it was written.
    pub json: bool,
    /// The output's `Serialize` or `Debug` panicked.
    pub capture_failed: bool,
    /// The output was an object no wire format recognised: its first keys,
    /// for the warning of a model call that returned it.
    pub unrecognised: Option<String>,
}

impl Output {
    /// The output of a value whose capture panicked.
    fn failed() -> Self {
        Self {
            info: None,
            text: Some(CAPTURE_FAILED.to_owned()),
            json: false,
            capture_failed: true,
            unrecognised: None,
        }
    }
}

/// First choice for outputs: strings and numbers as they are.
pub trait OutputNative {
    /// Captures the output.
    fn l9_output(&self, bounds: Bounds) -> Output;
}

impl<T: capture::NativeValue + ?Sized> OutputNative for &&&Wrap<'_, T> {
    fn l9_output(&self, bounds: Bounds) -> Output {
        Output {
            text: bounds
                .text
                .then(|| self.0.native(bounds.limit).as_text().into_owned()),
            ..Output::default()
        }
    }
}

/// Second choice for outputs: `Serialize`, read as a model response when
/// it is one, else as JSON.
pub trait OutputSerialize {
    /// Captures the output.
    fn l9_output(&self, bounds: Bounds) -> Output;
}

impl<T: Serialize + ?Sized> OutputSerialize for &&Wrap<'_, T> {
    /// Bounded walks, neither copying the value: the fields a model
    /// response is read from, and when it is no response, the JSON text up
    /// to the limit (a response's completion is its text).
    fn l9_output(&self, bounds: Bounds) -> Output {
        let walked = guarded(|| {
            let tree = crate::json::tree::response_tree(self.0, bounds.limit);
            let info = tree
                .as_ref()
                .and_then(|tree| response::read(tree, bounds.limit));
            // A value holding keys responses have, yet no response: said.
            let unrecognised = tree
                .filter(|tree| {
                    bounds.name_unrecognised
                        && info.is_none()
                        && tree.as_object().is_some_and(|o| !o.is_empty())
                })
                .and_then(|tree| response::unrecognised_keys(&tree));
            let text = (info.is_none() && bounds.text).then(|| json_within(self.0, bounds));
            (info, text, unrecognised)
        });
        match walked {
            Some((info, text, unrecognised)) => Output {
                info,
                json: text.is_some(),
                text,
                capture_failed: false,
                unrecognised,
            },
            None => Output::failed(),
        }
    }
}

/// Third choice for outputs: `Debug`.
pub trait OutputDebug {
    /// Captures the output.
    fn l9_output(&self, bounds: Bounds) -> Output;
}

impl<T: Debug + ?Sized> OutputDebug for &Wrap<'_, T> {
    fn l9_output(&self, bounds: Bounds) -> Output {
        if !bounds.text {
            return Output::default();
        }
        guarded(|| debug_limited(self.0, bounds.limit)).map_or_else(Output::failed, |text| Output {
            text: Some(text),
            ..Output::default()
        })
    }
}

/// Last choice for outputs: nothing to say.
pub trait OutputNone {
    /// Captures the output.
    fn l9_output(&self, bounds: Bounds) -> Output;
}

impl<T: ?Sized> OutputNone for Wrap<'_, T> {
    fn l9_output(&self, _: Bounds) -> Output {
        Output::default()
    }
}

/// First choice for errors: `Display`.
pub trait ErrorDisplay {
    /// The error's message.
    fn l9_message(&self) -> String;
}

impl<T: Display + ?Sized> ErrorDisplay for &&Wrap<'_, T> {
    fn l9_message(&self) -> String {
        guarded(|| self.0.to_string()).unwrap_or_else(|| CAPTURE_FAILED.to_owned())
    }
}

/// Second choice for errors: `Debug`.
pub trait ErrorDebug {
    /// The error's message.
    fn l9_message(&self) -> String;
}

impl<T: Debug + ?Sized> ErrorDebug for &Wrap<'_, T> {
    fn l9_message(&self) -> String {
        guarded(|| format!("{:?}", self.0)).unwrap_or_else(|| CAPTURE_FAILED.to_owned())
    }
}

/// Last choice for errors: the type's name.
pub trait ErrorName {
    /// The error's message.
    fn l9_message(&self) -> String;
}

impl<T: ?Sized> ErrorName for Wrap<'_, T> {
    fn l9_message(&self) -> String {
        std::any::type_name::<T>().to_owned()
    }
}

/// The name of `T`, shortened to its last path segment.
pub fn type_name_of<T: ?Sized>(_: &T) -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// What `pricing = EXPR` accepts, borrowed (the expansion passes
/// `&(EXPR)`): a table, a `LazyLock` of one, or the result of building one.
pub trait IntoPricing {
    /// The table; an error is reported once and prices nothing.
    fn into_pricing(self) -> Option<PricingTable>;
}

impl IntoPricing for &PricingTable {
    fn into_pricing(self) -> Option<PricingTable> {
        Some(self.clone())
    }
}

impl<F: FnOnce() -> PricingTable> IntoPricing for &std::sync::LazyLock<PricingTable, F> {
    fn into_pricing(self) -> Option<PricingTable> {
        Some((**self).clone())
    }
}

impl<E: Display> IntoPricing for &Result<PricingTable, E> {
    fn into_pricing(self) -> Option<PricingTable> {
        match self {
            Ok(table) => Some(table.clone()),
            Err(err) => {
                tracing::warn!(target: "last9_genai::observe", "pricing for #[observe] failed: {err}");
                None
            }
        }
    }
}

/// Records the model and token usage of the current observed call, for a
/// function whose return value does not carry them (one that returns plain
/// text, say). They are written on the call's span, and priced with the
/// function's `pricing` when it has one (else by the span processor).
///
/// Outside an observed call this writes on the current span, if any.
///
/// ```
/// use last9_genai::{TokenUsage, observe, record_usage};
///
/// #[observe(name = "summarize")]
/// fn summarize(text: &str) -> String {
///     // ... call the model ...
///     record_usage("gpt-4o", TokenUsage::new(1200, 80));
///     "a summary".to_owned()
/// }
/// # summarize("long text");
/// ```
pub fn record_usage(model: &str, usage: TokenUsage) {
    Context::map_current(|cx| {
        let span = cx.span();
        if recorded::record(span.span_context().span_id(), model, usage) {
            return;
        }
        span.set_attribute(model_attribute(attr::RESPONSE_MODEL, model));
        span.set_attributes(usage_attributes(&usage));
    });
}

/// Adds attributes to the current observed call's span (or the current
/// span).
///
/// ```
/// use last9_genai::{observe, record_attributes};
/// use opentelemetry::KeyValue;
///
/// #[observe]
/// fn rerank(docs: Vec<String>) -> usize {
///     record_attributes([KeyValue::new("rerank.kept", 3)]);
///     3
/// }
/// # rerank(vec![]);
/// ```
pub fn record_attributes(attributes: impl IntoIterator<Item = KeyValue>) {
    Context::map_current(|cx| cx.span().set_attributes(attributes));
}
