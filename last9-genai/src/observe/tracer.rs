//! The tracer observed functions use, looked up once per thread and kept
//! until the pipeline changes.
//!
//! The epoch and the typed provider live in [`crate::pipeline`].

use std::cell::RefCell;

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Span, SpanBuilder, SpanContext, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;

use super::recording_span::RecordingSpan;
use crate::pipeline::{self, TRACER_NAME};

/// After this many spans in a row that do not record, the tracer is looked
/// up again, in case it was taken from the global provider before the real
/// one was installed.
const RECHECK_AFTER: u32 = 1024;

enum ObservedTracer {
    Sdk(SdkTracer),
    Global(BoxedTracer),
}

struct Cached {
    epoch: u64,
    tracer: ObservedTracer,
    not_recording: u32,
}

thread_local! {
    static TRACER: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// Whether any pipeline exists.
pub(crate) fn active() -> bool {
    pipeline::epoch() != 0
}

/// A span just started for an observed call.
pub(crate) enum Started {
    /// It records.
    Recording(RecordingSpan),
    /// The sampler dropped it: only its context is left.
    Dropped(SpanContext),
    /// A pipeline exists, but the global tracer is a no-op: its provider
    /// was never registered.
    Unregistered,
}

impl Started {
    /// `span`, held by `hold` when it records.
    fn new<S: Span>(span: S, hold: impl FnOnce(S) -> RecordingSpan) -> Self {
        if span.is_recording() {
            Self::Recording(hold(span))
        } else {
            Self::Dropped(span.span_context().clone())
        }
    }
}

fn lookup(epoch: u64) -> Cached {
    let sdk = pipeline::sdk_tracer();
    Cached {
        epoch,
        tracer: match sdk {
            Some(tracer) => ObservedTracer::Sdk(tracer),
            None => ObservedTracer::Global(global::tracer(TRACER_NAME)),
        },
        not_recording: 0,
    }
}

/// Runs `f` with the tracer kept for this thread, looked up again when
/// the pipeline changed or after too many spans that did not record; `None`
/// when no pipeline exists (or, in a thread-local's destructor, the cache
/// is gone).
fn with_tracer<R>(f: impl FnOnce(&mut Cached) -> R) -> Option<R> {
    let epoch = pipeline::epoch();
    if epoch == 0 {
        return None;
    }
    TRACER
        .try_with(|cell| {
            let mut cell = cell.borrow_mut();
            let cached = match &mut *cell {
                Some(c) if c.epoch == epoch && c.not_recording < RECHECK_AFTER => c,
                slot => slot.insert(lookup(epoch)),
            };
            f(cached)
        })
        .ok()
}

/// Starts a span named `name` under `parent` with `attributes`, which the
/// sampler sees, or `None` when no pipeline exists.
pub(crate) fn start(
    name: &'static str,
    parent: &Context,
    attributes: Vec<KeyValue>,
) -> Option<Started> {
    with_tracer(|cached| {
        let builder = SpanBuilder::from_name(name).with_attributes(attributes);
        let started = match &cached.tracer {
            ObservedTracer::Sdk(tracer) => {
                Started::new(tracer.build_with_context(builder, parent), |span| {
                    RecordingSpan::Sdk(Box::new(span))
                })
            }
            ObservedTracer::Global(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                if !span.is_recording() && pipeline::is_noop(span.span_context(), parent) {
                    // No provider behind the global API.
                    cached.not_recording += 1;
                    return Some(Started::Unregistered);
                }
                Started::new(span, RecordingSpan::Global)
            }
        };
        match started {
            Started::Recording(_) => cached.not_recording = 0,
            Started::Dropped(_) | Started::Unregistered => cached.not_recording += 1,
        }
        Some(started)
    })
    .flatten()
}

/// Starts the span `builder` describes under `parent`, with the same tracer
/// as [`start`], and gives the context with it as the current span (for
/// what runs inside it and what is carried on); `None` when no pipeline
/// exists.
#[cfg(feature = "mcp")]
pub(crate) fn start_in(builder: SpanBuilder, parent: &Context) -> Option<Context> {
    use opentelemetry::trace::TraceContextExt as _;

    with_tracer(|cached| {
        let (cx, recording) = match &cached.tracer {
            ObservedTracer::Sdk(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                let recording = span.is_recording();
                (parent.with_span(span), recording)
            }
            ObservedTracer::Global(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                let recording = span.is_recording();
                (parent.with_span(span), recording)
            }
        };
        if recording {
            cached.not_recording = 0;
        } else {
            cached.not_recording += 1;
        }
        cx
    })
}
