//! The tracer observed functions use: the global provider's, looked up once
//! per thread and kept until the pipeline changes.
//!
//! OpenTelemetry offers no cheap way to know whether a provider is installed
//! or when it changes, so this crate keeps an epoch that every
//! `Last9SpanProcessor` built and every [`set_tracer_provider`](crate::set_tracer_provider)
//! call moves on. At epoch zero no pipeline exists: an observed function then
//! does no telemetry work at all.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::Context;
use opentelemetry::global::{self, BoxedSpan, BoxedTracer};
use opentelemetry::trace::{Span as _, Tracer as _};

use crate::TRACER_NAME;

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// After this many spans in a row that do not record, the tracer is looked
/// up again, in case it was taken from the global provider before the real
/// one was installed.
const RECHECK_AFTER: u32 = 1024;

struct Cached {
    epoch: u64,
    tracer: BoxedTracer,
    not_recording: u32,
}

thread_local! {
    static TRACER: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// Notes that the pipeline changed: observed functions look their tracer up
/// again.
pub(crate) fn bump_epoch() {
    EPOCH.fetch_add(1, Ordering::Release);
}

/// Whether any pipeline exists.
pub(crate) fn active() -> bool {
    EPOCH.load(Ordering::Acquire) != 0
}

/// Starts a span named `name` under `parent`, or `None` when no pipeline
/// exists.
pub(crate) fn start(name: &'static str, parent: &Context) -> Option<BoxedSpan> {
    let epoch = EPOCH.load(Ordering::Acquire);
    if epoch == 0 {
        return None;
    }
    TRACER
        .try_with(|cell| {
            let mut cell = cell.borrow_mut();
            let cached = match &mut *cell {
                Some(c) if c.epoch == epoch && c.not_recording < RECHECK_AFTER => c,
                slot => slot.insert(Cached {
                    epoch,
                    tracer: global::tracer(TRACER_NAME),
                    not_recording: 0,
                }),
            };
            let span = cached.tracer.start_with_context(name, parent);
            if span.is_recording() {
                cached.not_recording = 0;
            } else {
                cached.not_recording += 1;
            }
            span
        })
        .ok()
}
