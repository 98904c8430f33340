//! Export health: what happened to every span handed to export, counted,
//! and said while it happens.
//!
//! The counts are exact because the queue is ours to bound:
//! [`Last9SpanProcessor`](crate::Last9SpanProcessor) admits a span only while
//! fewer than the queue's capacity are between it and the end of their
//! export, and [`CountingExporter`] sees the end of each export. A batch
//! processor whose queue holds as many spans never finds it full, so no span
//! is lost where it cannot be counted.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::redact;
use crate::warn::Every;

/// How often, at most, a warning says that spans are being lost.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// What happened to the spans handed to export so far.
///
/// ```
/// let health = last9_genai::ExportHealth::new(2048);
/// let counts = health.counts();
/// assert_eq!((counts.exported, counts.dropped, counts.failed, counts.queued), (0, 0, 0, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ExportCounts {
    /// Spans the exporter accepted.
    pub exported: u64,
    /// Spans refused because the export queue was full.
    pub dropped: u64,
    /// Spans in exports that failed: refused connection, an error status,
    /// a timeout.
    pub failed: u64,
    /// Spans queued or being exported now.
    pub queued: u64,
}

impl ExportCounts {
    /// Spans lost: dropped and failed.
    ///
    /// ```
    /// assert_eq!(last9_genai::ExportHealth::new(8).counts().lost(), 0);
    /// ```
    pub fn lost(&self) -> u64 {
        self.dropped.saturating_add(self.failed)
    }
}

impl fmt::Display for ExportCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} spans exported, {} dropped (queue full), {} failed to export, {} queued",
            self.exported, self.dropped, self.failed, self.queued
        )
    }
}

/// The counters of one export pipeline, shared by the processor that admits
/// spans and the exporter that sends them. Cheap to clone: clones share the
/// counters.
///
/// [`install`](crate::install) sets this up itself; read it from
/// [`TelemetryGuard::export_counts`](crate::TelemetryGuard::export_counts).
/// A pipeline built by hand wires it in two places, with the batch
/// processor's queue size:
///
/// ```
/// use last9_genai::{ExportHealth, Last9SpanProcessor};
/// use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, InMemorySpanExporter, SdkTracerProvider};
///
/// let queue = 2048;
/// let health = ExportHealth::new(queue);
/// let batch = BatchSpanProcessor::builder(health.exporter(InMemorySpanExporter::default()))
///     .with_batch_config(BatchConfigBuilder::default().with_max_queue_size(queue).build())
///     .build();
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(Last9SpanProcessor::builder().export_health(health.clone()).wrap(batch))
///     .build();
/// // ... later, or from a health endpoint:
/// assert_eq!(health.counts().lost(), 0);
/// ```
#[derive(Clone)]
pub struct ExportHealth {
    inner: Arc<Counters>,
}

struct Counters {
    capacity: u64,
    queued: AtomicU64,
    exported: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    dropping: Every,
    failing: Every,
}

impl fmt::Debug for ExportHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportHealth")
            .field("capacity", &self.inner.capacity)
            .field("counts", &self.counts())
            .finish()
    }
}

impl ExportHealth {
    /// Counters for a pipeline whose export queue holds `queue_capacity`
    /// spans (at least one).
    ///
    /// ```
    /// let health = last9_genai::ExportHealth::new(2048);
    /// ```
    pub fn new(queue_capacity: usize) -> Self {
        Self {
            inner: Arc::new(Counters {
                capacity: u64::try_from(queue_capacity.max(1)).unwrap_or(u64::MAX),
                queued: AtomicU64::new(0),
                exported: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                dropping: Every::new(WARN_EVERY),
                failing: Every::new(WARN_EVERY),
            }),
        }
    }

    /// The counts so far.
    ///
    /// ```
    /// assert_eq!(last9_genai::ExportHealth::new(8).counts().exported, 0);
    /// ```
    pub fn counts(&self) -> ExportCounts {
        let c = &self.inner;
        ExportCounts {
            exported: c.exported.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            queued: c.queued.load(Ordering::Relaxed),
        }
    }

    /// `exporter`, counting what it exports and what fails.
    ///
    /// ```
    /// use opentelemetry_sdk::trace::InMemorySpanExporter;
    ///
    /// let health = last9_genai::ExportHealth::new(8);
    /// let exporter = health.exporter(InMemorySpanExporter::default());
    /// ```
    pub fn exporter<E: SpanExporter>(&self, exporter: E) -> CountingExporter<E> {
        CountingExporter {
            inner: exporter,
            health: self.clone(),
        }
    }

    /// Takes a span into the queue, or counts it dropped (and says so, at
    /// most every ten seconds) when the queue is full.
    pub(crate) fn admit(&self) -> bool {
        let c = &self.inner;
        let admitted = c
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |queued| {
                (queued < c.capacity).then_some(queued + 1)
            })
            .is_ok();
        if !admitted {
            let dropped = c.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            c.dropping.warn(|| {
                format!(
                    "{dropped} spans dropped so far: the export queue ({} spans) is full; \
                     raise OTEL_BSP_MAX_QUEUE_SIZE (or Install::max_queue_size), or export \
                     more often",
                    c.capacity
                )
            });
        }
        admitted
    }

    /// Counts the end of an export of `spans` spans.
    fn exported(&self, spans: u64, result: &OTelSdkResult) {
        let c = &self.inner;
        // Never below zero, should an exporter be handed spans this
        // pipeline did not admit.
        let _ = c
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |queued| {
                Some(queued.saturating_sub(spans))
            });
        match result {
            Ok(()) => {
                c.exported.fetch_add(spans, Ordering::Relaxed);
            }
            Err(err) => {
                let failed = c.failed.fetch_add(spans, Ordering::Relaxed) + spans;
                c.failing.warn(|| {
                    // An exporter's error may quote its endpoint, userinfo
                    // and all.
                    let err = redact::rules().scrub_text(&err.to_string()).into_owned();
                    format!("{failed} spans failed to export so far; the last: {err}")
                });
            }
        }
    }
}

/// A span exporter that counts into an [`ExportHealth`]; made by
/// [`ExportHealth::exporter`].
///
/// ```
/// use last9_genai::{CountingExporter, ExportHealth};
/// use opentelemetry_sdk::trace::InMemorySpanExporter;
///
/// let exporter: CountingExporter<InMemorySpanExporter> =
///     ExportHealth::new(8).exporter(InMemorySpanExporter::default());
/// ```
#[derive(Debug)]
pub struct CountingExporter<E> {
    inner: E,
    health: ExportHealth,
}

impl<E: SpanExporter> SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = u64::try_from(batch.len()).unwrap_or(u64::MAX);
        let result = self.inner.export(batch).await;
        self.health.exported(spans, &result);
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_admits_up_to_its_capacity_and_counts_the_rest() {
        let health = ExportHealth::new(3);
        let admitted: Vec<bool> = (0..5).map(|_| health.admit()).collect();
        assert_eq!(admitted, [true, true, true, false, false]);
        health.exported(2, &Ok(()));
        assert!(health.admit());
        health.exported(
            2,
            &Err(opentelemetry_sdk::error::OTelSdkError::Timeout(
                Duration::from_secs(1),
            )),
        );
        assert_eq!(
            health.counts(),
            ExportCounts {
                exported: 2,
                dropped: 2,
                failed: 2,
                queued: 0
            }
        );
        // More ends than admissions never wrap the queue below zero.
        health.exported(10, &Ok(()));
        assert_eq!(health.counts().queued, 0);
    }
}
