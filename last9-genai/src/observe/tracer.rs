//! The tracer observed functions use, looked up once per thread and kept
//! until the pipeline changes.
//!
//! OpenTelemetry offers no cheap way to know whether a provider is installed
//! or when it changes, so this crate keeps an epoch that every
//! `Last9SpanProcessor` built and every [`set_tracer_provider`](crate::set_tracer_provider)
//! call moves on. At epoch zero no pipeline exists: an observed function then
//! does no telemetry work at all.
//!
//! A provider registered through [`set_tracer_provider`](crate::set_tracer_provider)
//! that is an `SdkTracerProvider` is also kept here, typed: its tracer makes
//! spans without the global API's box, so that a span the sampler drops
//! costs no allocation. Any other provider is reached through the global
//! API. Building a `Last9SpanProcessor` forgets the typed provider, since
//! the processor's pipeline may then be registered through
//! `opentelemetry::global` directly.

use std::cell::RefCell;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::Context;
use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Span, SpanContext, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use super::held::Held;
use crate::TRACER_NAME;

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The provider last registered through `set_tracer_provider`, when it is
/// an `SdkTracerProvider`.
static SDK_PROVIDER: RwLock<Option<SdkTracerProvider>> = RwLock::new(None);

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

/// Notes that the pipeline changed, now registered as `provider` when it is
/// an `SdkTracerProvider` (else through the global API): observed functions
/// look their tracer up again.
pub(crate) fn pipeline_changed(provider: Option<SdkTracerProvider>) {
    *SDK_PROVIDER
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = provider;
    EPOCH.fetch_add(1, Ordering::Release);
}

/// Whether any pipeline exists.
pub(crate) fn active() -> bool {
    EPOCH.load(Ordering::Acquire) != 0
}

/// A span just started for an observed call.
pub(crate) enum Started {
    /// It records.
    Recording(Held),
    /// The sampler dropped it: only its context is left.
    Dropped(SpanContext),
}

impl Started {
    /// `span`, held by `hold` when it records.
    fn new<S: Span>(span: S, hold: impl FnOnce(S) -> Held) -> Self {
        if span.is_recording() {
            Self::Recording(hold(span))
        } else {
            Self::Dropped(span.span_context().clone())
        }
    }
}

fn lookup(epoch: u64) -> Cached {
    let sdk = SDK_PROVIDER
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .map(|provider| provider.tracer(TRACER_NAME));
    Cached {
        epoch,
        tracer: match sdk {
            Some(tracer) => ObservedTracer::Sdk(tracer),
            None => ObservedTracer::Global(global::tracer(TRACER_NAME)),
        },
        not_recording: 0,
    }
}

/// Starts a span named `name` under `parent`, or `None` when no pipeline
/// exists.
pub(crate) fn start(name: &'static str, parent: &Context) -> Option<Started> {
    let epoch = EPOCH.load(Ordering::Acquire);
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
            let started = match &cached.tracer {
                ObservedTracer::Sdk(tracer) => {
                    Started::new(tracer.start_with_context(name, parent), |span| {
                        Held::Sdk(Box::new(span))
                    })
                }
                ObservedTracer::Global(tracer) => {
                    Started::new(tracer.start_with_context(name, parent), Held::Global)
                }
            };
            match started {
                Started::Recording(_) => cached.not_recording = 0,
                Started::Dropped(_) => cached.not_recording += 1,
            }
            started
        })
        .ok()
}
