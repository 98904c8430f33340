//! Process-wide capture settings: whether content is captured at all, and
//! the default size limit of one captured value.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// The variable that says where content is captured: `true` / `false`, or
/// `NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`.
pub const CAPTURE_CONTENT_ENV: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

/// The default limit of one captured value, in bytes.
pub const DEFAULT_CAPTURE_LIMIT: usize = 4096;

/// Where captured content (arguments, prompts, completions, messages, tool
/// arguments and results) goes: the values of
/// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`.
///
/// ```
/// use last9_genai::ContentCapture;
///
/// assert_eq!(ContentCapture::parse("span_only"), Some(ContentCapture::SpanOnly));
/// assert_eq!(ContentCapture::parse("true"), Some(ContentCapture::SpanAndEvent));
/// assert!(ContentCapture::EventOnly.events() && !ContentCapture::EventOnly.spans());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContentCapture {
    /// No content at all (`NO_CONTENT`, `false`): model, usage and cost only.
    NoContent,
    /// Content in span attributes only (`SPAN_ONLY`): `function.arg.*`, the
    /// message attributes, tool arguments and results; no content events.
    SpanOnly,
    /// Content in span events only (`EVENT_ONLY`): the
    /// `gen_ai.content.prompt` / `.completion` events and tool-call events'
    /// arguments; no content in span attributes.
    EventOnly,
    /// Both (`SPAN_AND_EVENT`, `true`): the default.
    #[default]
    SpanAndEvent,
}

impl ContentCapture {
    /// Reads a value of the variable, in any case: `true`, `false`,
    /// `NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`.
    ///
    /// ```
    /// # use last9_genai::ContentCapture;
    /// assert_eq!(ContentCapture::parse(" NO_CONTENT "), Some(ContentCapture::NoContent));
    /// assert_eq!(ContentCapture::parse("maybe"), None);
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        [
            ("true", Self::SpanAndEvent),
            ("false", Self::NoContent),
            ("NO_CONTENT", Self::NoContent),
            ("SPAN_ONLY", Self::SpanOnly),
            ("EVENT_ONLY", Self::EventOnly),
            ("SPAN_AND_EVENT", Self::SpanAndEvent),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value))
        .map(|(_, mode)| mode)
    }

    /// Whether content goes in span attributes.
    ///
    /// ```
    /// # use last9_genai::ContentCapture;
    /// assert!(ContentCapture::SpanOnly.spans());
    /// ```
    pub const fn spans(self) -> bool {
        matches!(self, Self::SpanOnly | Self::SpanAndEvent)
    }

    /// Whether content goes in span events.
    ///
    /// ```
    /// # use last9_genai::ContentCapture;
    /// assert!(!ContentCapture::SpanOnly.events());
    /// ```
    pub const fn events(self) -> bool {
        matches!(self, Self::EventOnly | Self::SpanAndEvent)
    }

    const fn code(self) -> u8 {
        match self {
            Self::NoContent => 1,
            Self::SpanOnly => 2,
            Self::EventOnly => 3,
            Self::SpanAndEvent => 4,
        }
    }

    const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::NoContent),
            2 => Some(Self::SpanOnly),
            3 => Some(Self::EventOnly),
            4 => Some(Self::SpanAndEvent),
            _ => None,
        }
    }
}

/// Not read from the environment yet.
const UNREAD: u8 = 0;

static CAPTURE_CONTENT: AtomicU8 = AtomicU8::new(UNREAD);
static CAPTURE_LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_CAPTURE_LIMIT);

/// Sets where content is captured for the whole process, overriding
/// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`. Model, token usage
/// and cost are recorded either way.
///
/// ```
/// use last9_genai::ContentCapture;
///
/// last9_genai::set_content_capture(ContentCapture::SpanOnly);
/// assert_eq!(last9_genai::content_capture(), ContentCapture::SpanOnly);
/// last9_genai::set_content_capture(ContentCapture::SpanAndEvent);
/// ```
pub fn set_content_capture(mode: ContentCapture) {
    CAPTURE_CONTENT.store(mode.code(), Ordering::Relaxed);
}

/// Where content is captured: `SPAN_AND_EVENT` unless
/// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` says otherwise (read
/// once; a value it does not know is warned about once and ignored) or
/// [`set_content_capture`] set it.
///
/// ```
/// let mode = last9_genai::content_capture();
/// assert_eq!(mode.spans() || mode.events(), last9_genai::capture_content());
/// ```
pub fn content_capture() -> ContentCapture {
    if let Some(mode) = ContentCapture::from_code(CAPTURE_CONTENT.load(Ordering::Relaxed)) {
        return mode;
    }
    let mode = match std::env::var(CAPTURE_CONTENT_ENV) {
        Ok(value) => ContentCapture::parse(&value).unwrap_or_else(|| {
            crate::warn::warn(&format!(
                "{CAPTURE_CONTENT_ENV}={:?} is not one of true, false, NO_CONTENT, SPAN_ONLY, \
                 EVENT_ONLY, SPAN_AND_EVENT; content is captured in spans and events",
                crate::text::cut_bytes(&value, 64)
            ));
            ContentCapture::SpanAndEvent
        }),
        Err(_) => ContentCapture::SpanAndEvent,
    };
    // A concurrent set_content_capture wins over the variable.
    let _ =
        CAPTURE_CONTENT.compare_exchange(UNREAD, mode.code(), Ordering::Relaxed, Ordering::Relaxed);
    ContentCapture::from_code(CAPTURE_CONTENT.load(Ordering::Relaxed)).unwrap_or(mode)
}

/// Switches capture of content (arguments, prompts, completions) on (in
/// spans and events) or off for the whole process: a shorthand of
/// [`set_content_capture`].
///
/// ```
/// last9_genai::set_capture_content(false);
/// assert!(!last9_genai::capture_content());
/// last9_genai::set_capture_content(true);
/// ```
pub fn set_capture_content(enabled: bool) {
    set_content_capture(if enabled {
        ContentCapture::SpanAndEvent
    } else {
        ContentCapture::NoContent
    });
}

/// Whether any content is captured ([`content_capture`] is not
/// `NO_CONTENT`).
///
/// ```
/// assert!(last9_genai::capture_content() || !last9_genai::capture_content());
/// ```
pub fn capture_content() -> bool {
    content_capture() != ContentCapture::NoContent
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each mode is kept as its own code, and read back as itself.
    #[test]
    fn every_mode_reads_back_as_itself() {
        let modes = [
            ContentCapture::NoContent,
            ContentCapture::SpanOnly,
            ContentCapture::EventOnly,
            ContentCapture::SpanAndEvent,
        ];
        for mode in modes {
            assert_ne!(mode.code(), UNREAD);
            assert_eq!(ContentCapture::from_code(mode.code()), Some(mode));
        }
        assert_eq!(ContentCapture::from_code(UNREAD), None);
        assert_eq!(ContentCapture::from_code(5), None);
    }
}
