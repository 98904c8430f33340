//! Working with `tracing` (feature `tracing`): the tracing-opentelemetry
//! layer wired to the installed provider, and the manual API on `tracing`
//! spans.
//!
//! Scopes live in the OpenTelemetry context, which tracing-opentelemetry
//! reads when it starts a span, so `tracing` spans carry the current scope
//! and `#[observe]` spans nest with them both ways.

use opentelemetry::KeyValue;
use opentelemetry::global::{self, BoxedTracer};
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt as _};
use tracing_subscriber::registry::LookupSpan;

use crate::record::SpanTarget;

/// The name of the tracer [`tracing_layer`] makes spans with.
pub const TRACING_TRACER_NAME: &str = "last9-genai-tracing";

/// tracing-opentelemetry's layer, exporting through the global tracer
/// provider (set it up first, with [`install`](crate::install) or
/// [`set_tracer_provider`](crate::set_tracer_provider)).
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let _telemetry = last9_genai::Install::default().console_writer(std::io::sink()).install()?;
/// let subscriber = tracing_subscriber::registry().with(last9_genai::tracing_layer());
/// tracing::subscriber::with_default(subscriber, || {
///     let _conversation = last9_genai::conversation("c1").enter();
///     tracing::info_span!("retrieve").in_scope(|| {}); // carries gen_ai.conversation.id
/// });
/// # Ok::<(), last9_genai::InstallError>(())
/// ```
pub fn tracing_layer<S>() -> OpenTelemetryLayer<S, BoxedTracer>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    tracing_opentelemetry::layer().with_tracer(global::tracer(TRACING_TRACER_NAME))
}

impl SpanTarget for tracing::Span {
    fn add_attributes(&mut self, attributes: Vec<KeyValue>) {
        for KeyValue { key, value, .. } in attributes {
            self.set_attribute(key, value);
        }
    }

    fn add_span_event(&mut self, name: &'static str, attributes: Vec<KeyValue>) {
        self.add_event(name, attributes);
    }
}
