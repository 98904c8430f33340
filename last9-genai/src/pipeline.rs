//! The pipeline observed functions and workflows write to: the tracer name,
//! registering a tracer provider, and the epoch that tells observed
//! functions to look their tracer up again.
//!
//! OpenTelemetry offers no cheap way to know whether a provider is installed
//! or when it changes, so this crate keeps an epoch that every
//! `Last9SpanProcessor` built and every [`set_tracer_provider`] call moves
//! on. At epoch zero no pipeline exists: an observed function then does no
//! telemetry work at all.
//!
//! A provider registered through [`set_tracer_provider`] that is an
//! `SdkTracerProvider` is also kept here, typed: its tracer makes spans
//! without the global API's box, so that a span the sampler drops costs no
//! allocation. Any other provider is reached through the global API.
//! Building a `Last9SpanProcessor` forgets the typed provider, since the
//! processor's pipeline may then be registered through
//! `opentelemetry::global` directly.

use opentelemetry::Context;
use opentelemetry::trace::{Span, SpanContext, TraceContextExt, Tracer, TracerProvider};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::current::Current;
use crate::warn;

/// The name of the tracer that makes workflow spans when none is given.
///
/// ```
/// assert_eq!(last9_genai::TRACER_NAME, "last9-genai");
/// ```
pub const TRACER_NAME: &str = "last9-genai";

/// The provider last registered through `set_tracer_provider`, when it is
/// an `SdkTracerProvider`; its epoch moves on every change of pipeline,
/// typed or not.
static SDK_PROVIDER: Current<SdkTracerProvider> = Current::new();

/// Registers `provider` as the global tracer provider, as
/// [`opentelemetry::global::set_tracer_provider`] does, and tells observed
/// functions to use it from their next call.
///
/// Observed functions keep the global tracer they looked up; building a
/// [`Last9SpanProcessor`](crate::Last9SpanProcessor) or calling this function
/// makes them look it up again. Until either has happened, an observed
/// function does no telemetry work at all.
///
/// ```
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder().build();
/// last9_genai::set_tracer_provider(provider.clone());
/// ```
pub fn set_tracer_provider<P, T, S>(provider: P)
where
    S: Span + Send + Sync + 'static,
    T: Tracer<Span = S> + Send + Sync + 'static,
    P: TracerProvider<Tracer = T> + Send + Sync + 'static,
{
    let sdk = (&provider as &dyn std::any::Any)
        .downcast_ref::<SdkTracerProvider>()
        .cloned();
    opentelemetry::global::set_tracer_provider(provider);
    changed(sdk);
}

/// Notes that the pipeline changed, now registered as `provider` when it is
/// an `SdkTracerProvider` (else through the global API): observed functions
/// look their tracer up again.
pub(crate) fn changed(provider: Option<SdkTracerProvider>) {
    SDK_PROVIDER.replace(provider);
}

/// The current epoch: zero while no pipeline exists.
pub(crate) fn epoch() -> u64 {
    SDK_PROVIDER.epoch()
}

/// The tracer named [`TRACER_NAME`] of the provider registered through
/// [`set_tracer_provider`], when it is an `SdkTracerProvider`.
pub(crate) fn sdk_tracer() -> Option<SdkTracer> {
    SDK_PROVIDER
        .load()
        .map(|provider| provider.tracer(TRACER_NAME))
}

/// Whether a span that does not record, made under `parent`, came from a
/// no-op tracer: it has no context of its own (invalid, or its parent's).
/// A real SDK's tracer gives even a span its sampler drops a new span id.
///
/// When a pipeline exists (a `Last9SpanProcessor` was built), a no-op
/// tracer means that pipeline's provider was never registered. Such a span
/// must not become a parent: under it, the SDK's parent-based sampler would
/// drop every child. The caller makes the span through a tracing-opentelemetry
/// layer when there is one, else calls [`unregistered`].
pub(crate) fn is_noop(span_context: &SpanContext, parent: &Context) -> bool {
    !span_context.is_valid() || *span_context == *parent.span().span_context()
}

/// Says once, when a pipeline exists, that `#[observe]` and `workflow()`
/// made no span because its provider is not registered, naming the call
/// that fixes it.
pub(crate) fn unregistered() {
    if epoch() == 0 {
        return;
    }
    static UNREGISTERED: warn::Once = warn::Once::new();
    UNREGISTERED.warn(|| {
        "#[observe] and workflow() made no span: a Last9SpanProcessor was built, but its \
         tracer provider is not registered, and they make spans with the global one. Call \
         `last9_genai::set_tracer_provider(provider.clone())` once after building the \
         provider. Spans made by other instrumentation are exported as before."
            .to_owned()
    });
}
