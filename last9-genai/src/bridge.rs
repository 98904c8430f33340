//! Spans made through a tracing-opentelemetry layer (feature `tracing`),
//! for workflows and observed calls when no tracer provider is registered.
//!
//! An app that builds its own `SdkTracerProvider` and hands it to
//! tracing-opentelemetry's layer, never registering it globally, leaves
//! `#[observe]` and `workflow()` no tracer of their own: a `SpanProcessor`
//! is never told its provider, and the layer keeps its tracer private. The
//! layer makes spans with it, though: a `tracing` span made here, with its
//! parent set to the scope's context and its name in `otel.name`, is a real
//! span of the app's provider, reached through its OpenTelemetry context
//! and written like any other.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::trace::{Span, SpanContext, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// A span of the provider behind a tracing-opentelemetry layer, written
/// through its context; it ends when ended, or when the last handle drops.
#[derive(Debug)]
pub(crate) struct TracingSpan {
    /// The layer's context for the span: the real span is current in it.
    cx: Context,
    span_context: SpanContext,
    /// Keeps the `tracing` span open while the span is in use.
    _span: tracing::Span,
}

/// A span named `name` under `parent`, with `attributes`, made through the
/// current subscriber's tracing-opentelemetry layer; `None` when there is
/// no such layer, or it made no span.
pub(crate) fn tracing_span(
    name: &str,
    parent: &Context,
    attributes: Vec<KeyValue>,
) -> Option<TracingSpan> {
    let span = tracing::info_span!(target: "last9_genai", "last9_genai", otel.name = name);
    if span.is_disabled() {
        return None;
    }
    // Fails when no tracing-opentelemetry layer sees the span.
    span.set_parent(parent.clone()).ok()?;
    let cx = span.context();
    let span_context = cx.span().span_context().clone();
    if !span_context.is_valid() {
        return None;
    }
    cx.span().set_attributes(attributes);
    Some(TracingSpan {
        cx,
        span_context,
        _span: span,
    })
}

impl Span for TracingSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        self.cx
            .span()
            .add_event_with_timestamp(name, timestamp, attributes);
    }

    fn span_context(&self) -> &SpanContext {
        &self.span_context
    }

    fn is_recording(&self) -> bool {
        self.cx.span().is_recording()
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        self.cx.span().set_attribute(attribute);
    }

    fn set_status(&mut self, status: Status) {
        self.cx.span().set_status(status);
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        self.cx.span().update_name(new_name);
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        self.cx.span().add_link(span_context, attributes);
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        self.cx.span().end_with_timestamp(timestamp);
    }
}
