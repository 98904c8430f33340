//! Registering a tracer provider.

use opentelemetry::trace::{Span, Tracer, TracerProvider};

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
        .downcast_ref::<opentelemetry_sdk::trace::SdkTracerProvider>()
        .cloned();
    opentelemetry::global::set_tracer_provider(provider);
    crate::observe::pipeline_changed(sdk);
}
