//! [`SpanTarget`]: what the manual API writes to.

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanRef};

/// A span that attributes and events can be added to: any OpenTelemetry span
/// (`opentelemetry_sdk::trace::Span`, `BoxedSpan`, ...) or a [`SpanRef`] to
/// the current span.
///
/// ```
/// use last9_genai::{Last9GenAI, SpanTarget};
/// use opentelemetry::Context;
/// use opentelemetry::trace::TraceContextExt;
///
/// let cx = Context::current();
/// Last9GenAI::new().add_prompt_versioning(&mut cx.span(), "Hello {name}", None, Some("v2"));
/// ```
pub trait SpanTarget {
    /// Sets attributes on the span.
    fn add_attributes(&mut self, attributes: Vec<KeyValue>);
    /// Adds an event to the span.
    fn add_span_event(&mut self, name: &'static str, attributes: Vec<KeyValue>);
}

macro_rules! span_targets {
    ($($span:ty),*) => {$(
        impl SpanTarget for $span {
            fn add_attributes(&mut self, attributes: Vec<KeyValue>) {
                self.set_attributes(attributes);
            }

            fn add_span_event(&mut self, name: &'static str, attributes: Vec<KeyValue>) {
                self.add_event(name, attributes);
            }
        }
    )*};
}

span_targets!(
    opentelemetry_sdk::trace::Span,
    opentelemetry::global::BoxedSpan,
    SpanRef<'_>
);
