//! The span of an observed call before its body runs, held without a lock:
//! the SDK's own span when the pipeline is an `SdkTracerProvider`, else the
//! global API's boxed span, or (no provider registered) a span made through
//! a tracing-opentelemetry layer.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry::global::BoxedSpan;
use opentelemetry::trace::{Span, SpanContext, Status};

/// A recording span, boxed either way so that moving it costs a pointer.
#[derive(Debug)]
pub(crate) enum RecordingSpan {
    Sdk(Box<opentelemetry_sdk::trace::Span>),
    Global(BoxedSpan),
    #[cfg(feature = "tracing")]
    Tracing(Box<crate::bridge::TracingSpan>),
}

/// Calls `$method` on whichever span is held.
macro_rules! each {
    ($self:ident, $span:ident => $call:expr) => {
        match $self {
            RecordingSpan::Sdk($span) => $call,
            RecordingSpan::Global($span) => $call,
            #[cfg(feature = "tracing")]
            RecordingSpan::Tracing($span) => $call,
        }
    };
}

impl Span for RecordingSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        each!(self, span => span.add_event_with_timestamp(name, timestamp, attributes));
    }

    fn span_context(&self) -> &SpanContext {
        each!(self, span => span.span_context())
    }

    fn is_recording(&self) -> bool {
        each!(self, span => span.is_recording())
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        each!(self, span => span.set_attribute(attribute));
    }

    fn set_status(&mut self, status: Status) {
        each!(self, span => span.set_status(status));
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        each!(self, span => span.update_name(new_name));
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        each!(self, span => span.add_link(span_context, attributes));
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        each!(self, span => span.end_with_timestamp(timestamp));
    }
}
