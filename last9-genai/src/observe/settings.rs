//! Process-wide capture settings: whether content is captured at all, and
//! the default size limit of one captured value.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// The variable that switches content capture off when set to `false`.
pub const CAPTURE_CONTENT_ENV: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

/// The default limit of one captured value, in bytes.
pub const DEFAULT_CAPTURE_LIMIT: usize = 4096;

const UNREAD: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;

static CAPTURE_CONTENT: AtomicU8 = AtomicU8::new(UNREAD);
static CAPTURE_LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_CAPTURE_LIMIT);

/// Switches capture of content (arguments, prompts, completions) on or off
/// for the whole process, overriding
/// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`. Model, token usage
/// and cost are recorded either way.
///
/// ```
/// last9_genai::set_capture_content(false);
/// assert!(!last9_genai::capture_content());
/// last9_genai::set_capture_content(true);
/// ```
pub fn set_capture_content(enabled: bool) {
    CAPTURE_CONTENT.store(if enabled { ON } else { OFF }, Ordering::Relaxed);
}

/// Whether content is captured: on unless
/// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` is `false` (read
/// once) or [`set_capture_content`] switched it off.
///
/// ```
/// assert!(last9_genai::capture_content() || !last9_genai::capture_content());
/// ```
pub fn capture_content() -> bool {
    match CAPTURE_CONTENT.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => {
            let off = std::env::var(CAPTURE_CONTENT_ENV)
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case("false"));
            // A concurrent set_capture_content wins over the variable.
            let _ = CAPTURE_CONTENT.compare_exchange(
                UNREAD,
                if off { OFF } else { ON },
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
            CAPTURE_CONTENT.load(Ordering::Relaxed) == ON
        }
    }
}

/// Sets the default limit, in bytes, of one captured value (an argument, the
/// prompt or the completion). A longer value is cut on a character boundary
/// and marked. `#[observe(capture_limit = N)]` overrides it per function.
///
/// ```
/// last9_genai::set_capture_limit(8192);
/// assert_eq!(last9_genai::capture_limit(), 8192);
/// # last9_genai::set_capture_limit(4096);
/// ```
pub fn set_capture_limit(bytes: usize) {
    CAPTURE_LIMIT.store(bytes, Ordering::Relaxed);
}

/// The default limit of one captured value, in bytes (4096 unless set).
///
/// ```
/// # last9_genai::set_capture_limit(4096);
/// assert_eq!(last9_genai::capture_limit(), 4096);
/// ```
pub fn capture_limit() -> usize {
    CAPTURE_LIMIT.load(Ordering::Relaxed)
}
