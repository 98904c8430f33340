//! Process-wide capture settings: whether content is captured and where,
//! in which layout it is written, the default size limit of one captured
//! value, and whether renamed keys are written under their previous names
//! too.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use opentelemetry::KeyValue;

use crate::attributes::previous::RENAMED;

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
/// assert_eq!(ContentCapture::parse("true"), Some(ContentCapture::On));
/// assert!(ContentCapture::EventOnly.events() && !ContentCapture::EventOnly.spans());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContentCapture {
    /// No content at all (`NO_CONTENT`, `false`): model, usage and cost only.
    NoContent,
    /// Content where the [`ContentLayout`] puts it (`true`, the default):
    /// the conventions' messages in span attributes, the Python SDK's
    /// prompt and completion in events; each text once per layout.
    #[default]
    On,
    /// Content in span attributes only (`SPAN_ONLY`): `function.arg.*`, the
    /// message attributes, tool arguments and results; no content events.
    SpanOnly,
    /// Content in span events only (`EVENT_ONLY`): the Python SDK's
    /// `gen_ai.content.prompt` / `.completion` events and tool-call events'
    /// arguments; the conventions' `gen_ai.client.inference.operation.details`
    /// event, with any call's input and output as messages and a tool's
    /// arguments and result; no content in span attributes.
    EventOnly,
    /// Content in span attributes and in events (`SPAN_AND_EVENT`): each
    /// layout's text twice, once in each place.
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
            ("true", Self::On),
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

    /// Whether content may go in span attributes (`function.arg.*` among
    /// them).
    ///
    /// ```
    /// # use last9_genai::ContentCapture;
    /// assert!(ContentCapture::SpanOnly.spans() && ContentCapture::On.spans());
    /// ```
    pub const fn spans(self) -> bool {
        matches!(self, Self::On | Self::SpanOnly | Self::SpanAndEvent)
    }

    /// Whether content may go in span events.
    ///
    /// ```
    /// # use last9_genai::ContentCapture;
    /// assert!(!ContentCapture::SpanOnly.events() && ContentCapture::On.events());
    /// ```
    pub const fn events(self) -> bool {
        matches!(self, Self::On | Self::EventOnly | Self::SpanAndEvent)
    }

    const fn code(self) -> u8 {
        match self {
            Self::NoContent => 1,
            Self::SpanOnly => 2,
            Self::EventOnly => 3,
            Self::SpanAndEvent => 4,
            Self::On => 5,
        }
    }

    const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::NoContent),
            2 => Some(Self::SpanOnly),
            3 => Some(Self::EventOnly),
            4 => Some(Self::SpanAndEvent),
            5 => Some(Self::On),
            _ => None,
        }
    }
}

/// The variable that chooses the [`ContentLayout`]: `conventions`,
/// `python` or `both`.
///
/// ```
/// assert_eq!(last9_genai::CONTENT_LAYOUT_ENV, "LAST9_GENAI_CONTENT_LAYOUT");
/// ```
pub const CONTENT_LAYOUT_ENV: &str = "LAST9_GENAI_CONTENT_LAYOUT";

/// The shape captured content is written in: which backends can read it,
/// and how many bytes a call sends. Within a layout no span or event holds
/// the same text twice. (The Python SDK's layout writes arguments as
/// `function.arg.*` on the span and again as the prompt on its event, as
/// that SDK does.)
///
/// | layout | prompt and completion | read by |
/// |---|---|---|
/// | `Conventions` (default) | `gen_ai.input.messages`, `gen_ai.system_instructions`, `gen_ai.output.messages` (JSON, span attributes) | Last9 agent monitoring, Arize Phoenix, Langfuse, any backend that follows the GenAI conventions |
/// | `Python` | events `gen_ai.content.prompt` / `gen_ai.content.completion` with `gen_ai.prompt` / `gen_ai.completion` text, and `gen_ai.tool.call` events, as the Python SDK writes them | the Last9 LLM dashboard, Langfuse |
/// | `Both` | both of the above | all of them, at twice the content's bytes |
///
/// Chosen by [`set_content_layout`], [`Install::content_layout`](crate::Install::content_layout),
/// [`Last9SpanProcessorBuilder::content_layout`](crate::Last9SpanProcessorBuilder::content_layout)
/// or `LAST9_GENAI_CONTENT_LAYOUT`; [`ContentCapture`] says whether content
/// goes in span attributes, events or both.
///
/// ```
/// use last9_genai::ContentLayout;
///
/// assert_eq!(ContentLayout::parse("Python"), Some(ContentLayout::Python));
/// assert_eq!(ContentLayout::default(), ContentLayout::Conventions);
/// assert!(ContentLayout::Both.python() && ContentLayout::Both.conventions());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContentLayout {
    /// The GenAI conventions' message attributes (`conventions`).
    #[default]
    Conventions,
    /// The Python SDK's prompt and completion events (`python`).
    Python,
    /// Both (`both`).
    Both,
}

impl ContentLayout {
    /// Reads a value of `LAST9_GENAI_CONTENT_LAYOUT`, in any case:
    /// `conventions`, `python`, `both`.
    ///
    /// ```
    /// # use last9_genai::ContentLayout;
    /// assert_eq!(ContentLayout::parse(" BOTH "), Some(ContentLayout::Both));
    /// assert_eq!(ContentLayout::parse("openllmetry"), None);
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        [
            ("conventions", Self::Conventions),
            ("python", Self::Python),
            ("both", Self::Both),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value))
        .map(|(_, layout)| layout)
    }

    /// Whether the conventions' messages are written.
    ///
    /// ```
    /// # use last9_genai::ContentLayout;
    /// assert!(!ContentLayout::Python.conventions());
    /// ```
    pub const fn conventions(self) -> bool {
        matches!(self, Self::Conventions | Self::Both)
    }

    /// Whether the Python SDK's prompt and completion are written.
    ///
    /// ```
    /// # use last9_genai::ContentLayout;
    /// assert!(!ContentLayout::Conventions.python());
    /// ```
    pub const fn python(self) -> bool {
        matches!(self, Self::Python | Self::Both)
    }

    const fn code(self) -> u8 {
        match self {
            Self::Conventions => 1,
            Self::Python => 2,
            Self::Both => 3,
        }
    }

    const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Conventions),
            2 => Some(Self::Python),
            3 => Some(Self::Both),
            _ => None,
        }
    }
}

static CONTENT_LAYOUT: AtomicU8 = AtomicU8::new(UNREAD);

/// Sets the [`ContentLayout`] for the whole process, overriding
/// `LAST9_GENAI_CONTENT_LAYOUT`.
///
/// ```
/// use last9_genai::ContentLayout;
///
/// last9_genai::set_content_layout(ContentLayout::Both);
/// assert_eq!(last9_genai::content_layout(), ContentLayout::Both);
/// # last9_genai::set_content_layout(ContentLayout::Conventions);
/// ```
pub fn set_content_layout(layout: ContentLayout) {
    CONTENT_LAYOUT.store(layout.code(), Ordering::Relaxed);
}

/// The [`ContentLayout`]: the conventions' unless
/// `LAST9_GENAI_CONTENT_LAYOUT` says otherwise (read once; a value it does
/// not know is warned about once and ignored) or [`set_content_layout`]
/// set it.
///
/// ```
/// let layout = last9_genai::content_layout();
/// assert!(layout.conventions() || layout.python());
/// ```
pub fn content_layout() -> ContentLayout {
    read_once(
        &CONTENT_LAYOUT,
        ContentLayout::from_code,
        ContentLayout::code,
        || {
            from_env(
                CONTENT_LAYOUT_ENV,
                ContentLayout::parse,
                "conventions, python, both; content is written in the conventions' layout",
            )
        },
    )
}

/// Where one call's content goes: each layout's, in span attributes,
/// events, or both, as the capture mode and the layout say together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placement {
    /// The conventions' messages as span attributes.
    pub(crate) conventions_span: bool,
    /// The conventions' messages in a `gen_ai.client.inference.operation.details` event.
    pub(crate) conventions_event: bool,
    /// The Python SDK's `gen_ai.prompt` / `gen_ai.completion` as span attributes.
    pub(crate) python_span: bool,
    /// The Python SDK's prompt, completion and tool-call events, with their content.
    pub(crate) python_event: bool,
    /// Arguments as `function.arg.*`.
    pub(crate) args: bool,
    /// The Python SDK's layout: its `gen_ai.tool.call` events are written,
    /// their arguments only with `python_event`.
    pub(crate) python: bool,
}

impl Placement {
    /// No content anywhere: a call whose span does not record.
    pub(crate) const NONE: Self = Self::of(ContentCapture::NoContent, ContentLayout::Conventions);

    /// The placement of `capture` in `layout`.
    pub(crate) const fn of(capture: ContentCapture, layout: ContentLayout) -> Self {
        let (span, event) = match capture {
            ContentCapture::NoContent => (false, false),
            ContentCapture::SpanOnly => (true, false),
            ContentCapture::EventOnly => (false, true),
            ContentCapture::SpanAndEvent => (true, true),
            // Each layout's own place: the conventions' on the span, the
            // Python SDK's in events.
            ContentCapture::On => {
                return Self {
                    conventions_span: layout.conventions(),
                    conventions_event: false,
                    python_span: false,
                    python_event: layout.python(),
                    args: true,
                    python: layout.python(),
                };
            }
        };
        Self {
            conventions_span: span && layout.conventions(),
            conventions_event: event && layout.conventions(),
            python_span: span && layout.python(),
            python_event: event && layout.python(),
            args: span,
            python: layout.python(),
        }
    }

    /// Whether the conventions' messages are written anywhere.
    pub(crate) const fn conventions(self) -> bool {
        self.conventions_span || self.conventions_event
    }

    /// Whether any content is written.
    pub(crate) const fn any(self) -> bool {
        self.conventions() || self.python_span || self.python_event
    }
}

/// Where content goes now, by the process-wide settings.
pub(crate) fn placement() -> Placement {
    Placement::of(content_capture(), content_layout())
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
/// last9_genai::set_content_capture(ContentCapture::On);
/// ```
pub fn set_content_capture(mode: ContentCapture) {
    CAPTURE_CONTENT.store(mode.code(), Ordering::Relaxed);
}

/// Where content is captured: [`ContentCapture::On`] unless
/// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` says otherwise (read
/// once; a value it does not know is warned about once and ignored) or
/// [`set_content_capture`] set it.
///
/// ```
/// let mode = last9_genai::content_capture();
/// assert_eq!(mode.spans() || mode.events(), last9_genai::capture_content());
/// ```
pub fn content_capture() -> ContentCapture {
    read_once(
        &CAPTURE_CONTENT,
        ContentCapture::from_code,
        ContentCapture::code,
        || {
            from_env(
                CAPTURE_CONTENT_ENV,
                ContentCapture::parse,
                "true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT; content is captured \
             where the layout puts it",
            )
        },
    )
}

/// The switch that writes each renamed key under its previous name too
/// (`true` or `false`), for one release: see
/// [`attributes::previous`](crate::attributes::previous).
///
/// ```
/// assert_eq!(last9_genai::PREVIOUS_KEYS_ENV, "LAST9_GENAI_PREVIOUS_KEYS");
/// ```
pub const PREVIOUS_KEYS_ENV: &str = "LAST9_GENAI_PREVIOUS_KEYS";

static PREVIOUS_KEYS: AtomicU8 = AtomicU8::new(UNREAD);

/// Writes each renamed key under its previous name too (`true`), or under
/// its new name only (`false`, the default), for the whole process,
/// overriding `LAST9_GENAI_PREVIOUS_KEYS`. For dashboards that still read
/// the names of [`attributes::previous`](crate::attributes::previous), for
/// one release.
///
/// ```
/// last9_genai::set_previous_keys(true);
/// assert!(last9_genai::previous_keys());
/// # last9_genai::set_previous_keys(false);
/// ```
pub fn set_previous_keys(on: bool) {
    PREVIOUS_KEYS.store(bool_code(on), Ordering::Relaxed);
}

/// Whether renamed keys are written under their previous names too:
/// `LAST9_GENAI_PREVIOUS_KEYS=true` (read once; a value other than `true`
/// or `false` is warned about once and ignored) or [`set_previous_keys`].
///
/// ```
/// let _both_names = last9_genai::previous_keys();
/// ```
pub fn previous_keys() -> bool {
    read_once(&PREVIOUS_KEYS, bool_from_code, bool_code, || {
        from_env(
            PREVIOUS_KEYS_ENV,
            parse_switch,
            "true, false; renamed keys are written under their new names only",
        )
    })
}

const fn bool_code(on: bool) -> u8 {
    if on { 2 } else { 1 }
}

const fn bool_from_code(code: u8) -> Option<bool> {
    match code {
        1 => Some(false),
        2 => Some(true),
        _ => None,
    }
}

/// `true` or `false`, any case, blanks around.
fn parse_switch(text: &str) -> Option<bool> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// With [`previous_keys`] on, adds a copy of each renamed key of
/// `attributes` under its previous name.
pub(crate) fn add_previous_keys(attributes: &mut Vec<KeyValue>) {
    if !previous_keys() {
        return;
    }
    let copies: Vec<KeyValue> = attributes
        .iter()
        .filter_map(|kv| {
            RENAMED
                .iter()
                .find(|(new, _)| *new == kv.key.as_str())
                .map(|(_, old)| KeyValue::new(*old, kv.value.clone()))
        })
        .collect();
    attributes.extend(copies);
}

/// A setting held in `cell` as a code: the one set, else the one `read`
/// gives (read once; a concurrent set wins over it).
fn read_once<T: Copy + Default>(
    cell: &AtomicU8,
    from_code: fn(u8) -> Option<T>,
    code: fn(T) -> u8,
    read: impl FnOnce() -> T,
) -> T {
    if let Some(value) = from_code(cell.load(Ordering::Relaxed)) {
        return value;
    }
    let value = read();
    let _ = cell.compare_exchange(UNREAD, code(value), Ordering::Relaxed, Ordering::Relaxed);
    from_code(cell.load(Ordering::Relaxed)).unwrap_or(value)
}

/// The value of variable `name` as `parse` reads it; the default when it
/// is unset, and when it holds a value `parse` does not know, which is
/// warned about (cut short: it is never echoed whole).
fn from_env<T: Default>(name: &str, parse: fn(&str) -> Option<T>, expected: &str) -> T {
    match std::env::var(name) {
        Ok(value) => parse(&value).unwrap_or_else(|| {
            crate::warn::warn(&format!(
                "{name}={:?} is not one of {expected}",
                crate::text::cut_bytes(&value, 64)
            ));
            T::default()
        }),
        Err(_) => T::default(),
    }
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
        ContentCapture::On
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
            ContentCapture::On,
        ];
        for mode in modes {
            assert_ne!(mode.code(), UNREAD);
            assert_eq!(ContentCapture::from_code(mode.code()), Some(mode));
        }
        assert_eq!(ContentCapture::from_code(UNREAD), None);
        assert_eq!(ContentCapture::from_code(6), None);
        for layout in [
            ContentLayout::Conventions,
            ContentLayout::Python,
            ContentLayout::Both,
        ] {
            assert_ne!(layout.code(), UNREAD);
            assert_eq!(ContentLayout::from_code(layout.code()), Some(layout));
        }
        assert_eq!(ContentLayout::from_code(4), None);
    }

    /// Each layout's text goes where the capture mode says, once: by
    /// default the conventions' on the span and the Python SDK's in events.
    #[test]
    fn each_layout_in_its_own_place_by_default() {
        let on = |layout| Placement::of(ContentCapture::On, layout);
        let conventions = on(ContentLayout::Conventions);
        assert!(conventions.conventions_span && !conventions.conventions_event);
        assert!(!conventions.python_span && !conventions.python_event && !conventions.python);
        let python = on(ContentLayout::Python);
        assert!(python.python_event && !python.python_span && python.python);
        assert!(!python.conventions());
        let both = on(ContentLayout::Both);
        assert!(both.conventions_span && both.python_event);
        assert!(!both.conventions_event && !both.python_span);
        for layout in [
            ContentLayout::Conventions,
            ContentLayout::Python,
            ContentLayout::Both,
        ] {
            assert!(on(layout).args);
            let events = Placement::of(ContentCapture::EventOnly, layout);
            assert!(!events.args && !events.conventions_span && !events.python_span);
            assert_eq!(events.conventions_event, layout.conventions());
            assert_eq!(events.python_event, layout.python());
            let spans = Placement::of(ContentCapture::SpanOnly, layout);
            assert!(spans.args && !spans.conventions_event && !spans.python_event);
            assert_eq!(spans.python_span, layout.python());
            let twice = Placement::of(ContentCapture::SpanAndEvent, layout);
            assert_eq!(twice.python_span && twice.python_event, layout.python());
            let none = Placement::of(ContentCapture::NoContent, layout);
            assert!(!none.any() && !none.args);
            assert_eq!(none.python, layout.python());
        }
    }
}
