//! Secret pairs: the value after a secret name in `name=value`,
//! `name: value` and `"name": value`, cut out to where it ends.

use std::borrow::Cow;

use super::REDACTED;

/// How a value after a secret name is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Plain text: after `=`, a token (to a space, `&`, quote, comma…);
    /// after `:`, only a quoted string.
    Plain,
    /// `Debug` or JSON: after `:`, any value, to the comma or bracket that
    /// ends it at its own depth.
    Structured,
    /// JSON whose keys were judged as it was written (a secret key's value
    /// is already `"[REDACTED]"`): a `:` after a closing quote ends a key
    /// and is passed over; any other `:` stands inside a string, where the
    /// value after a secret name is cut as a token, to the quote or space
    /// that ends it, so the JSON stays JSON.
    Json,
}

/// A text whose `=` and `:` are visited in order, the value after each
/// secret name replaced: only the separators are visited (found by the
/// caller's search), and the name before each read backwards.
pub(super) struct Pairs<'t> {
    text: &'t str,
    shape: Shape,
    /// The text so far with the secrets cut out, up to `copied`.
    out: String,
    copied: usize,
}

impl<'t> Pairs<'t> {
    /// Nothing visited yet.
    pub(super) fn new(text: &'t str, shape: Shape) -> Self {
        Self {
            text,
            shape,
            out: String::new(),
            copied: 0,
        }
    }

    /// Visits the `=` or `:` at `at` (in increasing order): when the name
    /// before it is one for which `secret` holds, the value after it is cut.
    pub(super) fn visit(&mut self, at: usize, secret: impl FnOnce(&'t str) -> bool) {
        let (text, bytes) = (self.text, self.text.as_bytes());
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 1).copied();
        // Inside a value already cut; `::`, `==`, `=>`, `!=`, `<=`, `>=`
        // are not pairs.
        if at < self.copied
            || after == Some(bytes[at])
            || before == Some(bytes[at])
            || (bytes[at] == b'='
                && (after == Some(b'>') || matches!(before, Some(b'!' | b'<' | b'>'))))
            || (self.shape == Shape::Json && bytes[at] == b':' && ends_a_key(bytes, at))
        {
            return;
        }
        let Some(name) = name_before(text, at) else {
            return;
        };
        if !secret(name) {
            return;
        }
        let start = at + 1 + bytes[at + 1..].iter().take_while(|b| **b == b' ').count();
        let quoted = bytes.get(start) == Some(&b'"');
        let escaped = bytes[start..].starts_with(b"\\\"");
        let end = match (bytes[at], self.shape) {
            _ if escaped => escaped_end(bytes, start),
            (b'=', _) | (_, Shape::Json) => token_end(bytes, start),
            (_, Shape::Structured) => value_end(text, start),
            (_, Shape::Plain) if quoted => value_end(text, start),
            (_, Shape::Plain) => return,
        };
        if end == start {
            return;
        }
        self.out.push_str(&text[self.copied..start]);
        self.out.push_str(match (escaped, quoted) {
            (true, _) => "\\\"[REDACTED]\\\"",
            (_, true) => "\"[REDACTED]\"",
            _ => REDACTED,
        });
        self.copied = end;
    }

    /// The text with every secret value visited cut out: itself when there
    /// was none.
    pub(super) fn finish(mut self) -> Cow<'t, str> {
        if self.copied == 0 {
            return Cow::Borrowed(self.text);
        }
        self.out.push_str(&self.text[self.copied..]);
        Cow::Owned(self.out)
    }
}

/// Whether the `:` at `colon` of JSON ends a key: it follows a closing
/// quote, not an escaped one (`\"` inside a string; `\\"` is an escaped
/// backslash, then the closing quote).
fn ends_a_key(bytes: &[u8], colon: usize) -> bool {
    if colon == 0 || bytes[colon - 1] != b'"' {
        return false;
    }
    let backslashes = bytes[..colon - 1]
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count();
    backslashes % 2 == 0
}

/// Where a value quoted with escaped quotes (`\"value\"`, JSON inside a
/// JSON string) ends: after the next `\"`, or at the raw quote that ends
/// the string around it.
fn escaped_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 2;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'"') => return i + 2,
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Where a token value after `=` ends: at a space, `&`, quote, backslash,
/// comma, semicolon or closing bracket.
fn token_end(bytes: &[u8], start: usize) -> usize {
    if bytes.get(start) == Some(&b'"') {
        return start;
    }
    start
        + bytes[start..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && !b"&\"'\\,;)]}".contains(b))
            .count()
}

/// The name just before the colon at `colon`: `"a quoted key"` or
/// `\"one quoted inside a string\"` (at most 64 bytes, no escapes) or an
/// identifier (at most 64 bytes), with spaces between allowed.
fn name_before(text: &str, colon: usize) -> Option<&str> {
    let bytes = text.as_bytes();
    let end = colon
        - bytes[..colon]
            .iter()
            .rev()
            .take_while(|b| **b == b' ')
            .count();
    if end > 0 && bytes[end - 1] == b'"' {
        // `\"name\"` is a quoted name inside a string (JSON in JSON).
        let escaped = end > 1 && bytes[end - 2] == b'\\';
        let close = end - 1 - usize::from(escaped);
        // Back to the opening quote, in one read: a backslash first means
        // an escaped name, not read.
        let lowest = end.saturating_sub(67);
        return (lowest..close)
            .rev()
            .find(|i| matches!(bytes[*i], b'"' | b'\\'))
            .filter(|i| bytes[*i] == b'"' && (!escaped || *i > 0 && bytes[*i - 1] == b'\\'))
            .map(|open| &text[open + 1..close]);
    }
    let length = bytes[..end]
        .iter()
        .rev()
        .take(64)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let name = &text[end - length..end];
    name.as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        .then_some(name)
}

/// Where the value starting at `start` ends.
fn value_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    if bytes.get(start) == Some(&b'"') {
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        return bytes.len();
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => return i,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => return i,
            b'"' => i = value_end(text, i).saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}
