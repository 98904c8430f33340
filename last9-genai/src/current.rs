//! A process-wide value read on every call and replaced rarely (the
//! pipeline's tracer provider, the installed prices, the metric
//! instruments, the redaction rules): one lock written on replacement, an
//! epoch that moves with it, and a copy per thread refreshed when the epoch
//! moved, so that a read takes no lock and writes nothing shared.
//!
//! The orderings, once for all: a replacement writes the value under the
//! lock, then moves the epoch with `Release`; a reader loads the epoch with
//! `Acquire`, and reads the value under the lock only when its copy is of
//! another epoch. A reader that sees the new epoch sees the new value; one
//! that reads the value between the write and the epoch's move takes the
//! new value under the old epoch and reads once more next time. The lock is
//! never held while foreign code runs, so it is never poisoned by this
//! crate; a poisoned lock is read as it is.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread::LocalKey;

/// The value in force, and its epoch.
#[derive(Debug)]
pub(crate) struct Current<T> {
    value: RwLock<Option<Arc<T>>>,
    epoch: AtomicU64,
}

/// One thread's copy of a [`Current`], with what the thread derived from
/// it (`D`: bound metric handles, say), reset when the value changes.
#[derive(Debug)]
pub(crate) struct ThreadCopy<T, D = ()> {
    epoch: u64,
    value: Option<Arc<T>>,
    derived: D,
}

impl<T, D> ThreadCopy<T, D> {
    /// An empty copy: the first read fills it.
    pub(crate) const fn new(derived: D) -> Self {
        Self {
            epoch: 0,
            value: None,
            derived,
        }
    }
}

impl<T> Current<T> {
    /// No value, epoch zero.
    pub(crate) const fn new() -> Self {
        Self {
            value: RwLock::new(None),
            epoch: AtomicU64::new(0),
        }
    }

    /// Puts `value` in force (or none): every thread reads it from its next
    /// read on, and the epoch moves.
    pub(crate) fn replace(&self, value: Option<T>) {
        let value = value.map(Arc::new);
        let previous = {
            let mut slot = self.value.write().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *slot, value)
        };
        self.epoch.fetch_add(1, Ordering::Release);
        // Dropped out of the lock: the last handle on a tracer provider
        // shuts it down, which exports.
        drop(previous);
    }

    /// How many times the value was replaced: zero until the first time.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The value in force, read under the lock: for paths that run rarely.
    pub(crate) fn load(&self) -> Option<Arc<T>> {
        self.value
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs `f` with the value in force and this thread's derived state,
    /// through this thread's copy in `local`, refreshed (and its derived
    /// state `reset`) when the epoch moved. Where the copy is out of reach
    /// (the thread is going away, or `f` reads again from inside), `f` gets
    /// the value read under the lock and no derived state.
    pub(crate) fn with<D: 'static, R>(
        &'static self,
        local: &'static LocalKey<RefCell<ThreadCopy<T, D>>>,
        reset: impl FnOnce(&mut D),
        f: impl FnOnce(Option<&T>, Option<&mut D>) -> R,
    ) -> R
    where
        T: 'static,
    {
        let epoch = self.epoch();
        let mut f = Some(f);
        let kept = local.try_with(|copy| {
            let mut copy = copy.try_borrow_mut().ok()?;
            let copy = &mut *copy;
            if copy.epoch != epoch {
                copy.value = self.load();
                copy.epoch = epoch;
                reset(&mut copy.derived);
            }
            let f = f.take()?;
            Some(f(copy.value.as_deref(), Some(&mut copy.derived)))
        });
        match (kept, f) {
            (Ok(Some(result)), _) => result,
            (_, Some(f)) => f(self.load().as_deref(), None),
            (_, None) => unreachable!("f is taken only where it runs"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// A pair whose halves always agree: a reader that saw half of one
    /// value and half of another would see them differ.
    #[derive(Debug)]
    struct Pair(u64, u64);

    static PAIRS: Current<Pair> = Current::new();

    thread_local! {
        static PAIR_HERE: RefCell<ThreadCopy<Pair, u32>> = const { RefCell::new(ThreadCopy::new(0)) };
    }

    fn read() -> Option<(u64, u32)> {
        PAIRS.with(
            &PAIR_HERE,
            |refreshed| *refreshed += 1,
            |pair, refreshed| {
                let pair = pair?;
                assert_eq!(pair.1, pair.0 * 2, "a whole value");
                Some((pair.0, *refreshed?))
            },
        )
    }

    #[test]
    fn readers_see_every_replacement_whole_and_in_order_and_end_on_the_last() {
        const LAST: u64 = 2_000;
        PAIRS.replace(Some(Pair(0, 0)));
        let done = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let done = done.clone();
                std::thread::spawn(move || {
                    let mut seen = 0;
                    let mut reads = 0_u64;
                    loop {
                        let finished = done.load(Ordering::Acquire);
                        let (n, _) = read().expect("a value is in force");
                        assert!(n >= seen, "went back from {seen} to {n}");
                        seen = n;
                        reads += 1;
                        if finished {
                            // Read after the last replacement: the last value.
                            assert_eq!(n, LAST);
                            return reads;
                        }
                    }
                })
            })
            .collect();
        for n in 1..=LAST {
            PAIRS.replace(Some(Pair(n, n * 2)));
        }
        done.store(true, Ordering::Release);
        for reader in readers {
            assert!(reader.join().unwrap() > 0);
        }
    }

    static COUNTS: Current<u64> = Current::new();

    thread_local! {
        static COUNT_HERE: RefCell<ThreadCopy<u64, u32>> = const { RefCell::new(ThreadCopy::new(0)) };
    }

    fn count() -> (Option<u64>, Option<u32>) {
        COUNTS.with(
            &COUNT_HERE,
            |refreshed| *refreshed += 1,
            |value, refreshed| (value.copied(), refreshed.map(|r| *r)),
        )
    }

    #[test]
    fn the_copy_is_refreshed_only_when_the_value_changed_and_a_read_inside_a_read_still_reads() {
        std::thread::spawn(|| {
            assert_eq!(count(), (None, Some(0)), "nothing yet, nothing refreshed");
            COUNTS.replace(Some(7));
            assert_eq!(count(), (Some(7), Some(1)));
            assert_eq!(count(), (Some(7), Some(1)), "the copy is kept");
            COUNTS.replace(Some(8));
            assert_eq!(count(), (Some(8), Some(2)));
            // From inside a read, the copy is borrowed: the value is read
            // under the lock, with no derived state.
            let inner = COUNTS.with(&COUNT_HERE, |_| {}, |_, _| count());
            assert_eq!(inner, (Some(8), None));
            COUNTS.replace(None);
            assert_eq!(count(), (None, Some(3)));
        })
        .join()
        .unwrap();
    }
}
