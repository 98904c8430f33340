//! Carrying a trace and a conversation across services (feature `http`):
//! W3C `traceparent` and `baggage` headers in an [`http::HeaderMap`].
//!
//! Carrying conversation, workflow and user ids in baggage is opt-in and
//! limited to the keys a [`Propagation`] allows; values read from a request
//! are untrusted, so they are sanitized (control characters and separators
//! dropped) and capped in length before they become scope attributes.
//!
//! ```
//! use last9_genai::{Propagation, conversation};
//!
//! let propagation = Propagation::new().carry_conversation();
//! let mut headers = http::HeaderMap::new();
//! {
//!     let _c = conversation("session_123").enter();
//!     propagation.inject(&mut headers);
//! }
//! assert!(headers["baggage"].to_str().unwrap().contains("gen_ai.conversation.id=session_123"));
//!
//! let cx = propagation.extract(&headers);
//! let _scope = cx.attach();
//! assert_eq!(last9_genai::current_conversation_id().as_deref(), Some("session_123"));
//! ```

#[cfg(feature = "tower")]
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::BaggagePropagator;

use crate::attributes::{self as attr, previous};
use crate::context::{Layer, ScopeState, layered};
use crate::text::floor_char_boundary;

pub(crate) mod trace_context;

/// The most a carried value may hold, in bytes, by default.
pub const DEFAULT_MAX_VALUE_LEN: usize = 256;

/// Which scope ids cross service boundaries, and how much of them.
///
/// By default only the trace continues (`traceparent`); conversation,
/// workflow and user ids are carried in `baggage` only when asked for.
///
/// ```
/// use last9_genai::Propagation;
///
/// let propagation = Propagation::new()
///     .carry_conversation()
///     .carry_user()
///     .conversation_header(http::HeaderName::from_static("x-conversation-id"))
///     .max_value_len(64);
/// ```
#[derive(Debug, Clone)]
pub struct Propagation {
    conversation: bool,
    user: bool,
    workflow: bool,
    conversation_header: Option<HeaderName>,
    user_header: Option<HeaderName>,
    max_value_len: usize,
}

impl Default for Propagation {
    fn default() -> Self {
        Self::new()
    }
}

impl Propagation {
    /// Continues the trace only.
    ///
    /// ```
    /// let propagation = last9_genai::Propagation::new();
    /// ```
    pub fn new() -> Self {
        Self {
            conversation: false,
            user: false,
            workflow: false,
            conversation_header: None,
            user_header: None,
            max_value_len: DEFAULT_MAX_VALUE_LEN,
        }
    }

    /// Carries `gen_ai.conversation.id` (and the turn number) in baggage.
    ///
    /// ```
    /// let propagation = last9_genai::Propagation::new().carry_conversation();
    /// ```
    pub fn carry_conversation(mut self) -> Self {
        self.conversation = true;
        self
    }

    /// Carries `user.id` in baggage.
    ///
    /// ```
    /// let propagation = last9_genai::Propagation::new().carry_user();
    /// ```
    pub fn carry_user(mut self) -> Self {
        self.user = true;
        self
    }

    /// Carries `workflow.id` and `workflow.type` in baggage (the downstream
    /// spans carry the ids; the workflow's totals stay with its own service).
    ///
    /// ```
    /// let propagation = last9_genai::Propagation::new().carry_workflow();
    /// ```
    pub fn carry_workflow(mut self) -> Self {
        self.workflow = true;
        self
    }

    /// Also reads the conversation id from `header` on incoming requests,
    /// for clients that send one (a header wins over baggage).
    ///
    /// ```
    /// let propagation = last9_genai::Propagation::new()
    ///     .conversation_header(http::HeaderName::from_static("x-conversation-id"));
    /// ```
    pub fn conversation_header(mut self, header: HeaderName) -> Self {
        self.conversation_header = Some(header);
        self
    }

    /// Also reads the user id from `header` on incoming requests, for
    /// clients and gateways that send one (a header wins over baggage).
    ///
    /// ```
    /// let propagation = last9_genai::Propagation::new()
    ///     .user_header(http::HeaderName::from_static("x-user-id"));
    /// ```
    pub fn user_header(mut self, header: HeaderName) -> Self {
        self.user_header = Some(header);
        self
    }

    /// Caps each carried value at `bytes` (default 256).
    ///
    /// ```
    /// let propagation = last9_genai::Propagation::new().max_value_len(64);
    /// ```
    pub fn max_value_len(mut self, bytes: usize) -> Self {
        self.max_value_len = bytes;
        self
    }

    /// Writes the current context into `headers`: `traceparent` (and
    /// `tracestate`), and `baggage` with the allowed scope ids.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// last9_genai::Propagation::new().inject(&mut headers);
    /// ```
    pub fn inject(&self, headers: &mut HeaderMap) {
        Context::map_current(|cx| self.inject_context(cx, headers));
    }

    /// Writes `cx` into `headers`, as [`inject`](Self::inject) does.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// last9_genai::Propagation::new().inject_context(&opentelemetry::Context::new(), &mut headers);
    /// ```
    pub fn inject_context(&self, cx: &Context, headers: &mut HeaderMap) {
        self.inject_into(cx, &mut HeaderInjector(headers));
    }

    /// Writes `cx` into any carrier: `traceparent` (and `tracestate`), and
    /// `baggage` with the allowed scope ids.
    pub(crate) fn inject_into(&self, cx: &Context, injector: &mut dyn Injector) {
        trace_context::inject(cx.span().span_context(), injector);
        let Some(scope) = cx.get::<ScopeState>() else {
            return;
        };
        let entries: Vec<opentelemetry::KeyValue> = scope
            .attributes()
            .iter()
            .filter(|kv| self.allows(kv.key.as_str()))
            .cloned()
            .collect();
        if !entries.is_empty() {
            let with_baggage = cx.with_baggage(entries);
            BaggagePropagator::new().inject_context(&with_baggage, injector);
        }
    }

    /// The context of an incoming request: the remote parent from
    /// `traceparent`, and a conversation scope from the allowed baggage
    /// entries (and the conversation header), sanitized and capped.
    ///
    /// ```
    /// let cx = last9_genai::Propagation::new().extract(&http::HeaderMap::new());
    /// ```
    pub fn extract(&self, headers: &HeaderMap) -> Context {
        let header = |name: &Option<HeaderName>| {
            name.as_ref()
                .and_then(|h| headers.get(h))
                .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
                .and_then(|v| self.sanitize(v))
        };
        self.extract_from(
            &HeaderExtractor(headers),
            header(&self.conversation_header),
            header(&self.user_header),
        )
    }

    /// The context any carrier holds, as [`extract`](Self::extract) reads
    /// it; a conversation or user id said apart (a header) wins over
    /// baggage.
    pub(crate) fn extract_from(
        &self,
        extractor: &dyn Extractor,
        conversation: Option<String>,
        user: Option<String>,
    ) -> Context {
        let mut cx = match trace_context::extract(extractor) {
            Some(remote) => Context::current().with_remote_span_context(remote),
            None => Context::current(),
        };
        // Baggage is read only when some of it may be taken.
        let carried = self.conversation || self.user || self.workflow;
        let with_baggage =
            carried.then(|| BaggagePropagator::new().extract_with_context(&cx, extractor));
        let value = |key: &str| {
            let baggage = with_baggage
                .as_ref()
                .filter(|_| self.allows(key))?
                .baggage();
            self.sanitize(baggage.get(key)?.as_str().as_ref())
        };
        let conversation = conversation.or_else(|| value(attr::CONVERSATION_ID));
        let user = user.or_else(|| value(attr::USER_ID));
        if let Some(id) = conversation {
            let turn = value(attr::CONVERSATION_TURN_NUMBER).and_then(|t| t.parse().ok());
            cx = layered(
                &cx,
                Layer::Conversation {
                    id: id.into(),
                    user_id: user.clone().map(Into::into),
                    turn_number: turn,
                    totals: None,
                },
            );
        }
        if let Some(id) = value(attr::WORKFLOW_ID) {
            cx = layered(
                &cx,
                Layer::RemoteWorkflow {
                    id: id.into(),
                    kind: value(attr::WORKFLOW_TYPE).map(Into::into),
                    // The previous name too: from a service not yet moved.
                    run_id: value(attr::WORKFLOW_RUN_ID)
                        .or_else(|| value(previous::WORKFLOW_RUN_ID))
                        .map(Into::into),
                },
            );
        }
        if cx.get::<ScopeState>().is_none()
            && let Some(user) = user
        {
            cx = layered(&cx, Layer::User(user.into()));
        }
        cx
    }

    fn allows(&self, key: &str) -> bool {
        match key {
            attr::CONVERSATION_ID | attr::CONVERSATION_TURN_NUMBER => self.conversation,
            attr::USER_ID => self.user,
            attr::WORKFLOW_ID
            | attr::WORKFLOW_TYPE
            | attr::WORKFLOW_RUN_ID
            | previous::WORKFLOW_RUN_ID => self.workflow,
            _ => false,
        }
    }

    /// `value` with control characters and separators dropped, trimmed and
    /// cut to the cap on a character boundary; `None` when nothing is left.
    fn sanitize(&self, value: &str) -> Option<String> {
        let mut clean: String = value
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, ',' | ';' | '=' | '"' | '\\'))
            .collect();
        let trimmed = clean.trim();
        if trimmed.len() != clean.len() {
            clean = trimmed.to_owned();
        }
        clean.truncate(floor_char_boundary(&clean, self.max_value_len));
        (!clean.is_empty()).then_some(clean)
    }
}

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(key), HeaderValue::try_from(value)) {
            self.0.insert(name, value);
        }
    }
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        // UTF-8, not only visible ASCII: values are sanitized after.
        self.0
            .get(key)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

/// A `tower` layer for HTTP services (axum, hyper, tonic): each request
/// runs in the context its headers carry, so that its spans continue the
/// caller's trace and carry the caller's conversation (feature `tower`).
///
/// ```
/// use last9_genai::{Propagation, PropagationLayer};
///
/// let layer = PropagationLayer::new(Propagation::new().carry_conversation().carry_user());
/// // axum: Router::new().route(...).layer(layer)
/// ```
#[cfg(feature = "tower")]
#[derive(Debug, Clone)]
pub struct PropagationLayer {
    propagation: Arc<Propagation>,
}

#[cfg(feature = "tower")]
impl PropagationLayer {
    /// A layer extracting with `propagation`.
    ///
    /// ```
    /// let layer = last9_genai::PropagationLayer::new(last9_genai::Propagation::new());
    /// ```
    pub fn new(propagation: Propagation) -> Self {
        Self {
            propagation: Arc::new(propagation),
        }
    }
}

#[cfg(feature = "tower")]
impl<S> tower_layer::Layer<S> for PropagationLayer {
    type Service = PropagationService<S>;

    fn layer(&self, inner: S) -> PropagationService<S> {
        PropagationService {
            inner,
            propagation: self.propagation.clone(),
        }
    }
}

/// The service of [`PropagationLayer`].
///
/// ```
/// use last9_genai::{Propagation, PropagationLayer, PropagationService};
/// use tower_layer::Layer;
///
/// let service: PropagationService<()> = PropagationLayer::new(Propagation::new()).layer(());
/// ```
#[cfg(feature = "tower")]
#[derive(Debug, Clone)]
pub struct PropagationService<S> {
    inner: S,
    propagation: Arc<Propagation>,
}

#[cfg(feature = "tower")]
impl<S, B> tower_service::Service<http::Request<B>> for PropagationService<S>
where
    S: tower_service::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = crate::context::WithScope<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        use crate::context::ScopeExt as _;
        let cx = self.propagation.extract(request.headers());
        let _guard = cx.clone().attach();
        self.inner.call(request).with_scope(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Control characters and separators are dropped, then spaces around
    /// what is left (a control character between spaces leaves them there
    /// for `trim` to find), then the value is cut on a character boundary.
    #[test]
    fn values_are_cleaned_then_trimmed_then_cut() {
        let propagation = Propagation::new().max_value_len(5);
        assert_eq!(
            propagation.sanitize(" \u{7}ab;\"c\" \t"),
            Some("abc".to_owned())
        );
        assert_eq!(propagation.sanitize("abcdéf"), Some("abcd".to_owned()));
        assert_eq!(propagation.sanitize(" \t,; "), None);
    }

    /// The extractor lists the headers a request carries, as propagators
    /// that look for keys by prefix (`uberctx-`, `ot-baggage-`) read them.
    #[test]
    fn headers_are_listed_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert("traceparent", HeaderValue::from_static("00-1-2-01"));
        headers.insert("baggage", HeaderValue::from_static("a=b"));
        let extractor = HeaderExtractor(&headers);
        let mut keys = extractor.keys();
        keys.sort_unstable();
        assert_eq!(keys, ["baggage", "traceparent"]);
    }
}
