//! The message of a panic that leaves an observed call: caught where the
//! body runs, kept for the call's span on this thread, and thrown on
//! unchanged.

use std::any::Any;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

thread_local! {
    /// The message of the panic unwinding this thread, for the observed
    /// call it leaves.
    static MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The `error.type` of a call that panicked.
pub(crate) const PANIC: &str = "panic";

/// Written when a panic's payload is neither `&str` nor `String`.
pub(crate) const UNKNOWN_PANIC: &str = "the function panicked";

/// Runs `body`; a panic inside it has its message kept for
/// `take_message` and goes on unwinding, as if nothing had caught it.
/// (The panic hook has already run: it runs where the panic starts.)
pub fn note_panic<R>(body: impl FnOnce() -> R) -> R {
    on_panic(body, |message| {
        // Inside a thread-local's destructor the message is lost, never
        // the panic.
        let _ = MESSAGE.try_with(|slot| *slot.borrow_mut() = Some(message));
    })
}

/// Runs `body`; a panic inside it has its message given to `noted`, then
/// goes on unwinding, as if nothing had caught it.
pub(crate) fn on_panic<R>(body: impl FnOnce() -> R, noted: impl FnOnce(String)) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            noted(message(&*payload));
            resume_unwind(payload)
        }
    }
}

/// The message of the panic unwinding this thread, if a body run by
/// [`note_panic`] raised it.
pub(crate) fn take_message() -> Option<String> {
    MESSAGE
        .try_with(|slot| slot.borrow_mut().take())
        .ok()
        .flatten()
}

/// The message of a panic payload: `panic!("…")` gives a `&str` or a
/// `String`; anything else says only that the function panicked.
fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| UNKNOWN_PANIC.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_kept_and_the_panic_goes_on() {
        let caught = catch_unwind(|| note_panic(|| panic!("boom {}", 7)));
        assert!(caught.is_err());
        assert_eq!(take_message().as_deref(), Some("boom 7"));
        assert_eq!(take_message(), None);
        let caught = catch_unwind(|| note_panic(|| std::panic::panic_any(42_u8)));
        assert_eq!(*caught.unwrap_err().downcast::<u8>().unwrap(), 42);
        assert_eq!(take_message().as_deref(), Some(UNKNOWN_PANIC));
        assert_eq!(note_panic(|| 5), 5);
    }
}
