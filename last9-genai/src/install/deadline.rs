//! Shutting the pipeline down within one deadline.
//!
//! Each part (traces, then metrics, then anything added later) is shut
//! down on a thread of its own and waited for only as long as the deadline
//! leaves, so the whole shutdown returns within its timeout whatever a
//! part does. The SDK's meter provider needs this: its shutdown waits up to
//! 5 s of its own whatever it is asked (`opentelemetry_sdk` 0.33's
//! `shutdown_with_timeout` ignores its timeout), which after the traces'
//! 5 s made a shutdown of 10 s against a backend that never answers. A
//! part left running when the deadline passes ends on its own, within the
//! SDK's bound, in the background.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::OTelSdkResult;

/// When the shutdown must be over.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadline(Instant);

impl Deadline {
    /// The deadline `timeout` from now.
    pub(super) fn after(timeout: Duration) -> Self {
        Self(Instant::now() + timeout)
    }

    /// What is left of it.
    pub(super) fn left(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
}

/// Runs `shutdown`, given what is left of `deadline`, on a thread of its
/// own, and waits for it until `deadline`. The error names `part` and says
/// what went wrong: the part's own error, or that it did not finish in
/// time.
pub(super) fn within(
    deadline: Deadline,
    part: &'static str,
    shutdown: impl FnOnce(Duration) -> OTelSdkResult + Send + 'static,
) -> Result<(), String> {
    let (done, finished) = mpsc::sync_channel(1);
    let left = deadline.left();
    std::thread::Builder::new()
        .name(format!("last9-genai-shutdown-{part}"))
        .spawn(move || {
            let _ = done.send(shutdown(left));
        })
        .map_err(|err| format!("{part}: no thread to shut down on: {err}"))?;
    match finished.recv_timeout(deadline.left()) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(format!("{part}: {err}")),
        Err(RecvTimeoutError::Timeout) => {
            Err(format!("{part}: not shut down within the shutdown timeout"))
        }
        Err(RecvTimeoutError::Disconnected) => Err(format!("{part}: its shutdown panicked")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_sdk::error::OTelSdkError;

    /// A part that hangs is left behind at the deadline; one that fails
    /// or panics is named with what went wrong; one that ends in time gets
    /// what was left of the deadline.
    #[test]
    fn each_part_is_waited_for_until_the_deadline_only() {
        let deadline = Deadline::after(Duration::from_millis(200));
        let started = Instant::now();
        let hung = within(deadline, "hung", |_| {
            std::thread::sleep(Duration::from_secs(30));
            Ok(())
        });
        // Twice the bound fails; noise does not.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            hung.unwrap_err(),
            "hung: not shut down within the shutdown timeout"
        );
        // Past the deadline, the next part gets no time at all.
        assert_eq!(deadline.left(), Duration::ZERO);
        let late = within(deadline, "late", |left| {
            assert_eq!(left, Duration::ZERO);
            std::thread::sleep(Duration::from_millis(50));
            Ok(())
        });
        assert!(late.is_err());

        let deadline = Deadline::after(Duration::from_secs(10));
        assert_eq!(
            within(deadline, "quick", |left| {
                assert!(left > Duration::from_secs(9));
                Ok(())
            }),
            Ok(())
        );
        let failed = within(deadline, "metrics", |_| Err(OTelSdkError::AlreadyShutdown));
        assert_eq!(failed.unwrap_err(), "metrics: Shutdown already invoked");
        let panicked = within(deadline, "traces", |_| panic!("inside the SDK"));
        assert_eq!(panicked.unwrap_err(), "traces: its shutdown panicked");
    }
}
