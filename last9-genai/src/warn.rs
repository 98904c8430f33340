//! The crate's own warnings, where the user looks: through `tracing` when a
//! subscriber is set, else on standard error, so that a warning is never
//! lost because the application has no subscriber.
//!
//! [`Once`] says a thing once; [`Every`] says it at most once per interval,
//! for trouble that goes on (spans dropped or failing to export);
//! [`Rated`] says at most so many of a kind per interval, for things each
//! worth saying once that may come in floods (many scopes crossing their
//! budgets at once).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// Writes `message`: a `tracing` warning of target `last9_genai` when a
/// subscriber is current on this thread, else a line on standard error.
pub(crate) fn warn(message: &str) {
    if !tracing::dispatcher::get_default(|d| d.is::<tracing::subscriber::NoSubscriber>()) {
        tracing::warn!(target: "last9_genai", "{message}");
    } else {
        eprintln!("last9-genai warning: {message}");
    }
}

/// A warning said at most once in the life of the process.
pub(crate) struct Once(AtomicBool);

impl Once {
    pub(crate) const fn new() -> Self {
        Self(AtomicBool::new(false))
    }

    /// Writes `message()` the first time only.
    pub(crate) fn warn(&self, message: impl FnOnce() -> String) {
        if !self.0.load(Ordering::Relaxed) && !self.0.swap(true, Ordering::Relaxed) {
            warn(&message());
        }
    }
}

/// A warning said at most once per interval, however often it happens.
pub(crate) struct Every {
    interval: Duration,
    /// Milliseconds after [`START`] of the last warning, plus one (zero:
    /// never warned).
    last: AtomicU64,
}

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

impl Every {
    pub(crate) const fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: AtomicU64::new(0),
        }
    }

    /// Writes `message()` unless a warning was written less than the
    /// interval ago. Lock-free: of several threads at once, one writes.
    pub(crate) fn warn(&self, message: impl FnOnce() -> String) {
        let now = u64::try_from(START.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
        let last = self.last.load(Ordering::Relaxed);
        let interval = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
        if (last == 0 || now.saturating_sub(last) >= interval)
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            warn(&message());
        }
    }
}

/// Warnings of one kind, at most `max` per interval however many things
/// have one to say: past that, they are counted, and the next one said
/// tells how many were not (what they count is kept elsewhere too, in a
/// metric or on a span).
pub(crate) struct Rated {
    interval: Duration,
    max: u64,
    window: Mutex<Window>,
}

/// The interval under way: when it started (milliseconds after [`START`]),
/// how many warnings it said, and how many it did not.
struct Window {
    start: u64,
    said: u64,
    unsaid: u64,
}

impl Rated {
    pub(crate) const fn new(interval: Duration, max: u64) -> Self {
        Self {
            interval,
            max,
            window: Mutex::new(Window {
                start: 0,
                said: 0,
                unsaid: 0,
            }),
        }
    }

    /// Writes `message()`, unless `max` were written in this interval: then
    /// counts it, for the next warning written to say.
    pub(crate) fn warn(&self, message: impl FnOnce() -> String) {
        let now = u64::try_from(START.elapsed().as_millis()).unwrap_or(u64::MAX);
        let unsaid = {
            let mut window = self
                .window
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let interval = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
            if now.saturating_sub(window.start) >= interval {
                window.start = now;
                window.said = 0;
            }
            if window.said >= self.max {
                window.unsaid += 1;
                return;
            }
            window.said += 1;
            std::mem::take(&mut window.unsaid)
        };
        let mut written = message();
        if unsaid > 0 {
            written.push_str(&format!(" ({unsaid} more like it not shown)"));
        }
        warn(&written);
    }
}

impl std::fmt::Debug for Rated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rated")
            .field("interval", &self.interval)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

/// A set of names warned about, bounded: past `cap` names, one last warning
/// says that further names go unlisted, and nothing more is kept.
pub(crate) struct OncePerName {
    cap: usize,
    state: Mutex<Names>,
}

#[derive(Default)]
struct Names {
    seen: Option<HashSet<String>>,
    full: bool,
}

impl OncePerName {
    pub(crate) const fn new(cap: usize) -> Self {
        Self {
            cap,
            state: Mutex::new(Names {
                seen: None,
                full: false,
            }),
        }
    }

    /// Writes `message()` the first time `name` is seen, while fewer than
    /// the cap were; then, once, `full` with the cap.
    pub(crate) fn warn(&self, name: &str, message: impl FnOnce() -> String, full: &str) {
        let written = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            if state.full {
                return;
            }
            let at_cap = state
                .seen
                .as_ref()
                .is_some_and(|seen| seen.len() >= self.cap);
            let seen = state.seen.get_or_insert_with(HashSet::new);
            if seen.contains(name) {
                return;
            }
            if at_cap {
                state.full = true;
                format!("{full} (after {} names)", self.cap)
            } else {
                seen.insert(name.to_owned());
                message()
            }
        };
        warn(&written);
    }

    /// How many names are held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state
            .lock()
            .map_or(0, |state| state.seen.as_ref().map_or(0, HashSet::len))
    }
}

impl std::fmt::Debug for OncePerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OncePerName")
            .field("cap", &self.cap)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_name_is_bounded() {
        let set = OncePerName::new(3);
        for i in 0..1000 {
            set.warn(&format!("m{i}"), || format!("m{i}"), "more names");
        }
        assert_eq!(set.len(), 3);
    }

    /// At most `max` an interval; the next one written says how many were
    /// not, and a new interval writes again.
    #[test]
    fn rated_says_at_most_max_an_interval_and_counts_the_rest() {
        let rated = Rated::new(Duration::from_secs(3600), 3);
        let mut written = Vec::new();
        for i in 0..10 {
            rated.warn(|| {
                written.push(i);
                format!("w{i}")
            });
        }
        assert_eq!(written, [0, 1, 2]);
        let window = rated.window.lock().unwrap();
        assert_eq!((window.said, window.unsaid), (3, 7));
        drop(window);
        let rated = Rated::new(Duration::ZERO, 1);
        let mut written = 0;
        for _ in 0..4 {
            rated.warn(|| {
                written += 1;
                String::new()
            });
        }
        assert_eq!(written, 4);
    }

    #[test]
    fn every_waits_for_its_interval() {
        let every = Every::new(Duration::from_secs(3600));
        let mut written = 0;
        for _ in 0..3 {
            every.warn(|| {
                written += 1;
                String::new()
            });
        }
        assert_eq!(written, 1);
        let every = Every::new(Duration::ZERO);
        let mut written = 0;
        for _ in 0..3 {
            every.warn(|| {
                written += 1;
                String::new()
            });
        }
        assert_eq!(written, 3);
    }
}
