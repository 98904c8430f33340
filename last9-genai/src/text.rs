//! Text and number helpers shared by every layer: cutting text on a
//! character boundary, the two truncation rules, and the saturating
//! conversion of counts to attribute integers.
//!
//! # Two truncation rules, side by side
//!
//! | | `#[observe]` capture ([`cut_bytes`]) | manual API content events ([`cut_chars`]) |
//! |---|---|---|
//! | limit | bytes, [`DEFAULT_CAPTURE_LIMIT`](crate::DEFAULT_CAPTURE_LIMIT) = 4096 | characters, [`DEFAULT_CONTENT_LIMIT`](crate::DEFAULT_CONTENT_LIMIT) = 1000 |
//! | marker | [`TRUNCATION_MARKER`] (`…[truncated]`) | `...` |
//! | length kept | no | `gen_ai.prompt.length` / `.truncated` |
//!
//! They differ on purpose. The manual API reproduces the Python SDK's
//! `add_content_events` exactly (a character limit, `...`, and the length and
//! truncated attributes), so that a span written by hand reads the same in
//! Last9 dashboards whichever SDK wrote it. Capture bounds the *cost* of
//! recording a value of any size: writers stop once the limit is reached, and
//! only a byte limit can be checked without counting every character; its
//! marker cannot be mistaken for text that ends in an ellipsis. Both cut on a
//! character boundary through [`floor_char_boundary`].

use std::borrow::Cow;
use std::{fmt, io};

/// Appended to a value that capture cut at its limit.
///
/// ```
/// assert_eq!(last9_genai::TRUNCATION_MARKER, "…[truncated]");
/// ```
pub const TRUNCATION_MARKER: &str = "…[truncated]";

/// The longest model name written, in bytes: a longer one is cut (on a
/// character boundary) and marked with [`TRUNCATION_MARKER`]. No model name
/// comes near it; the cap bounds what a malformed response or a hostile
/// client can make the SDK store and export.
///
/// ```
/// assert_eq!(last9_genai::MAX_MODEL_NAME_LEN, 256);
/// ```
pub const MAX_MODEL_NAME_LEN: usize = 256;

/// Appended to content the manual API cut at its limit, as the Python SDK does.
pub(crate) const CONTENT_MARKER: &str = "...";

/// How deep a captured value is walked or written: as deep as `serde_json`
/// parses by default. Deeper values are cut, never recursed into (which
/// could overflow the stack).
pub(crate) const MAX_DEPTH: usize = 128;

/// The last character boundary of `text` at or before byte `limit`.
pub(crate) fn floor_char_boundary(text: &str, limit: usize) -> usize {
    if limit >= text.len() {
        return text.len();
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// `text` cut to at most `limit` bytes on a character boundary, then marked
/// with [`TRUNCATION_MARKER`].
pub(crate) fn cut_bytes(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let cut = floor_char_boundary(text, limit);
    Cow::Owned(format!("{}{TRUNCATION_MARKER}", &text[..cut]))
}

/// A model name as spans and metrics carry it: cut to
/// [`MAX_MODEL_NAME_LEN`] bytes on a character boundary. The provider and
/// operation names given to the manual API are cut the same way.
pub(crate) fn model_name(name: &str) -> opentelemetry::StringValue {
    cut_bytes(name, MAX_MODEL_NAME_LEN).into_owned().into()
}

/// [`cut_bytes`] for a string the caller owns: cut in place, so that text
/// within the limit is not copied.
pub(crate) fn cut_bytes_owned(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        text.truncate(floor_char_boundary(&text, limit));
        text.push_str(TRUNCATION_MARKER);
    }
    text
}

/// Collects at most `limit` bytes, then refuses more, so that whatever
/// writes into it stops early: the cost is bounded by the limit.
pub(crate) struct Limited {
    text: String,
    limit: usize,
    cut: bool,
}

impl Limited {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            text: String::with_capacity(limit.min(4096)),
            limit,
            cut: false,
        }
    }

    /// Takes `s`, or the part that fits; false once the limit is reached.
    pub(crate) fn take(&mut self, s: &str) -> bool {
        let room = self.limit - self.text.len();
        if s.len() <= room {
            self.text.push_str(s);
            return true;
        }
        self.text.push_str(&s[..floor_char_boundary(s, room)]);
        self.cut = true;
        false
    }

    /// Marks the text cut, though the limit was not reached.
    pub(crate) fn mark_cut(&mut self) {
        self.cut = true;
    }

    pub(crate) fn finish(mut self) -> String {
        if self.cut {
            self.text.push_str(TRUNCATION_MARKER);
        }
        self.text
    }
}

impl fmt::Write for Limited {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.take(s) {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

impl io::Write for Limited {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        // serde_json writes whole UTF-8 sequences; a split one is cut out.
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        };
        if self.take(text) {
            Ok(bytes.len())
        } else {
            Err(io::Error::other("capture limit reached"))
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `text` cut to `limit` characters with [`CONTENT_MARKER`] appended, its
/// length in characters, and whether it was cut.
pub(crate) fn cut_chars(text: &str, limit: usize) -> (Cow<'_, str>, usize, bool) {
    match text.char_indices().nth(limit) {
        None => (Cow::Borrowed(text), text.chars().count(), false),
        Some((cut, _)) => {
            let length = limit + text[cut..].chars().count();
            (
                Cow::Owned(format!("{}{CONTENT_MARKER}", &text[..cut])),
                length,
                true,
            )
        }
    }
}

/// A count as an attribute integer: values above `i64::MAX`, the largest an
/// attribute holds, are written as `i64::MAX`.
pub(crate) fn saturating_i64(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// `text` with every control character (ESC, BEL, newlines…) shown as `�`:
/// what the console prints comes from spans and metrics, and their text must
/// not drive the terminal or break the console's lines.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Whether `byte` is written escaped in a JSON string.
const fn needs_escape(byte: u8) -> bool {
    // `|`, not `||`: no branch, so that a loop over bytes vectorizes.
    (byte < 0x20) | (byte == b'"') | (byte == b'\\')
}

/// How many bytes of `text` are written escaped. Counted 16 bytes at a
/// time, each block a fixed-size array mapped and summed with no early exit:
/// a shape the compiler turns into vector compares (about 2.6 instructions
/// a byte, against 8 for a plain filter and count).
pub(crate) fn escapes(text: &str) -> usize {
    let mut blocks = text.as_bytes().chunks_exact(16);
    let mut count = 0;
    for block in &mut blocks {
        let block: [u8; 16] = block.try_into().unwrap_or([0; 16]);
        let in_block: u8 = block.map(|byte| u8::from(needs_escape(byte))).iter().sum();
        count += usize::from(in_block);
    }
    count
        + blocks
            .remainder()
            .iter()
            .filter(|byte| needs_escape(**byte))
            .count()
}

/// Writes `text` as a JSON string, piece by piece into `put`: a text with
/// nothing to escape in three pieces. Stops when `put` refuses a piece
/// (returns false), and says whether every piece was taken.
pub(crate) fn json_string(text: &str, mut put: impl FnMut(&str) -> bool) -> bool {
    if !put("\"") {
        return false;
    }
    if escapes(text) == 0 {
        return put(text) && put("\"");
    }
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        let taken = put(&text[start..i])
            && if escaped.is_empty() {
                put(&format!("\\u{byte:04x}"))
            } else {
                put(escaped)
            };
        if !taken {
            return false;
        }
        start = i + 1;
    }
    put(&text[start..]) && put("\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_char_boundary_steps_back_inside_a_character() {
        // "é" is two bytes: a cut at byte 2 would split it.
        assert_eq!(floor_char_boundary("aé", 2), 1);
        assert_eq!(floor_char_boundary("aé", 3), 3);
        assert_eq!(floor_char_boundary("aé", 99), 3);
        assert_eq!(floor_char_boundary("", 0), 0);
    }

    #[test]
    fn cut_bytes_marks_only_what_it_cut() {
        assert_eq!(cut_bytes("hello", 5), "hello");
        assert_eq!(cut_bytes("hello", 3), "hel…[truncated]");
        assert_eq!(cut_bytes("aé", 2), "a…[truncated]");
        assert_eq!(cut_bytes_owned("aébc".to_owned(), 2), "a…[truncated]");
        assert_eq!(cut_bytes_owned("ab".to_owned(), 2), "ab");
    }

    #[test]
    fn cut_chars_counts_characters_not_bytes() {
        assert_eq!(cut_chars("héllo", 5), (Cow::Borrowed("héllo"), 5, false));
        let (shown, length, cut) = cut_chars("héllo wörld", 4);
        assert_eq!((shown.as_ref(), length, cut), ("héll...", 11, true));
    }

    #[test]
    fn saturating_i64_caps_at_the_largest_attribute_integer() {
        assert_eq!(saturating_i64(7u64), 7);
        assert_eq!(saturating_i64(u64::MAX), i64::MAX);
        assert_eq!(saturating_i64(usize::MAX), i64::MAX);
        assert_eq!(saturating_i64(u128::MAX), i64::MAX);
    }

    /// The block count agrees with a byte-by-byte one for every byte value,
    /// at every length around the 16-byte blocks.
    #[test]
    fn escapes_are_counted_exactly_in_blocks_and_remainder() {
        let every_byte: String = (0..=127u8).map(char::from).collect();
        for len in 0..=every_byte.len() {
            let text = &every_byte[..len];
            let naive = text.bytes().filter(|b| needs_escape(*b)).count();
            assert_eq!(escapes(text), naive, "{len}");
        }
        // The 32 control characters, the quote and the backslash; not the
        // space.
        assert_eq!(escapes(&every_byte), 34);
        assert_eq!(escapes(&" ".repeat(40)), 0);
        assert_eq!(escapes(&"\"\\\n".repeat(40)), 120);
        assert_eq!(escapes("é\u{1b}"), 1);
    }

    /// A JSON string written piece by piece is the one serde_json writes,
    /// and stops at the first piece refused.
    #[test]
    fn json_strings_are_written_as_serde_json_writes_them() {
        for text in [
            "plain",
            "",
            "quote \" back \\ nl \n tab \t",
            "é\u{1b}\u{0}x",
        ] {
            let mut out = String::new();
            assert!(json_string(text, |p| {
                out.push_str(p);
                true
            }));
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text}");
        }
        let mut pieces = 0;
        assert!(!json_string("a\nb\nc", |_| {
            pieces += 1;
            pieces < 3
        }));
        assert_eq!(pieces, 3);
    }
}
