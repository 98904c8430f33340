//! Value capture: the best form a type allows, chosen at the call site with
//! no bound asked of the user, and bounded in cost by the limit.
//!
//! The macro calls `(&&&&Wrap(&value)).l9_capture(limit)`; method lookup
//! tries, in order, the impl on `&&&Wrap` (numbers, booleans and strings,
//! kept native), on `&&Wrap` (`Serialize`, as JSON), on `&Wrap` (`Debug`) and
//! on `Wrap` (the type's name). In a generic function whose parameter has no
//! bound, the type's name is the best form there is.

use std::borrow::Cow;
use std::fmt::{Debug, Write as _};
use std::sync::Arc;

use opentelemetry::Value;
use serde::Serialize;

use crate::json::text::json_text;
use crate::json::tree::request_tree;
use crate::redact::{self, Rules};
use crate::text::{Limited, cut_bytes};

/// Written in place of a value whose `Serialize`, `Debug` or `Display`
/// panicked while being captured.
pub(crate) const CAPTURE_FAILED: &str = "<capture failed: the value panicked while being written>";

/// Runs `write`, which calls the user's `Serialize`, `Debug` or `Display`;
/// `None` when it panicked. The panic stops here: a value that cannot be
/// written never breaks the call it belongs to.
pub(crate) fn guarded<R>(write: impl FnOnce() -> R) -> Option<R> {
    // Only shared references are read: nothing is left half-changed that
    // the caller could observe, except through the user's own interior
    // mutability, which the same panic would have disturbed anyway.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(write)).ok()
}

/// A captured value.
#[derive(Debug, Clone, PartialEq)]
pub enum Captured {
    /// An integer, kept native.
    Int(i64),
    /// A float, kept native.
    Float(f64),
    /// A boolean, kept native.
    Bool(bool),
    /// A string, kept native (cut at the limit).
    Str(String),
    /// JSON text of a `Serialize` value (cut at the limit).
    Json(String),
    /// `Debug` text, or the type's name.
    Text(String),
    /// The value's `Serialize` or `Debug` panicked; written as a marker text.
    Failed,
}

impl Captured {
    /// The attribute value.
    pub fn into_value(self) -> Value {
        match self {
            Self::Int(n) => Value::I64(n),
            Self::Float(f) => Value::F64(f),
            Self::Bool(b) => Value::Bool(b),
            Self::Str(s) | Self::Json(s) | Self::Text(s) => Value::from(s),
            Self::Failed => Value::from(CAPTURE_FAILED),
        }
    }

    /// The value with the secrets inside it cut out by `rules`: by value in
    /// strings, by name and value in JSON and `Debug` text.
    pub(crate) fn scrubbed(self, rules: &Rules) -> Self {
        match self {
            Self::Str(s) => Self::Str(rules.scrub_owned(s)),
            // Its keys were judged as it was written.
            Self::Json(s) => Self::Json(rules.scrub_json_owned(s)),
            Self::Text(s) => Self::Text(rules.scrub_text_owned(s)),
            other => other,
        }
    }

    /// The value as prompt text: a string as is, anything else as written.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Self::Int(n) => Cow::Owned(n.to_string()),
            Self::Float(f) => Cow::Owned(f.to_string()),
            Self::Bool(b) => Cow::Owned(b.to_string()),
            Self::Str(s) | Self::Json(s) | Self::Text(s) => Cow::Borrowed(s),
            Self::Failed => Cow::Borrowed(CAPTURE_FAILED),
        }
    }
}

/// How a value is captured: at most `limit` bytes, and with `redact`, the
/// keys of a `Serialize` value judged by the redaction rules as they are
/// written, a secret key's value written as `"[REDACTED]"` and never read.
///
/// ```
/// # use last9_genai::__private::Bounds;
/// let bounds = Bounds::new(4096, true);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub(crate) limit: usize,
    pub(crate) redact: bool,
    /// A value that is no known response is named (its keys), for the
    /// warning of a model call that has not said so yet.
    pub(crate) name_unrecognised: bool,
    /// An output that is no model response is written as text: not when
    /// the function does not capture its output, or content is off.
    pub(crate) text: bool,
}

impl Bounds {
    /// At most `limit` bytes, the keys judged when `redact`.
    pub const fn new(limit: usize, redact: bool) -> Self {
        Self {
            limit,
            redact,
            name_unrecognised: false,
            text: true,
        }
    }
}

/// JSON text of `value` within `bounds`: with redaction on, a secret key's
/// value is `"[REDACTED]"`, whatever its shape, and is never walked.
pub(crate) fn json_within<T: Serialize + ?Sized>(value: &T, bounds: Bounds) -> String {
    if bounds.redact {
        redact::with_rules(|rules| json_text(value, bounds.limit, rules.enabled().then_some(rules)))
    } else {
        json_text(value, bounds.limit, None)
    }
}

/// The wrapper whose autoref levels pick the capture.
pub struct Wrap<'a, T: ?Sized>(pub &'a T);

/// Numbers, booleans and strings: kept native.
pub trait NativeValue {
    /// The native capture.
    fn native(&self, limit: usize) -> Captured;
}

macro_rules! native_ints {
    ($($t:ty),*) => {$(
        impl NativeValue for $t {
            fn native(&self, _: usize) -> Captured {
                #[allow(clippy::cast_lossless, clippy::unnecessary_fallible_conversions)]
                match i64::try_from(*self) {
                    Ok(n) => Captured::Int(n),
                    Err(_) => Captured::Str(self.to_string()),
                }
            }
        }
    )*};
}
native_ints!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl NativeValue for f32 {
    fn native(&self, _: usize) -> Captured {
        Captured::Float(f64::from(*self))
    }
}

impl NativeValue for f64 {
    fn native(&self, _: usize) -> Captured {
        Captured::Float(*self)
    }
}

impl NativeValue for bool {
    fn native(&self, _: usize) -> Captured {
        Captured::Bool(*self)
    }
}

impl NativeValue for char {
    fn native(&self, _: usize) -> Captured {
        Captured::Str(self.to_string())
    }
}

impl NativeValue for str {
    fn native(&self, limit: usize) -> Captured {
        Captured::Str(cut_bytes(self, limit).into_owned())
    }
}

macro_rules! native_strings {
    ($($t:ty),*) => {$(
        impl NativeValue for $t {
            fn native(&self, limit: usize) -> Captured {
                str::native(self, limit)
            }
        }
    )*};
}
native_strings!(String, Box<str>, Arc<str>, Cow<'_, str>);

impl<T: NativeValue + ?Sized> NativeValue for &T {
    fn native(&self, limit: usize) -> Captured {
        T::native(self, limit)
    }
}

impl<T: NativeValue + ?Sized> NativeValue for &mut T {
    fn native(&self, limit: usize) -> Captured {
        T::native(self, limit)
    }
}

/// First choice: native values.
pub trait CaptureNative {
    /// Captures the value.
    fn l9_capture(&self, bounds: Bounds) -> Captured;

    /// Captures the value of an argument of a model call, with the request
    /// fields it holds (chat messages, model) when it is a request.
    fn l9_capture_request(&self, bounds: Bounds) -> (Captured, Option<serde_json::Value>) {
        (self.l9_capture(bounds), None)
    }
}

impl<T: NativeValue + ?Sized> CaptureNative for &&&Wrap<'_, T> {
    fn l9_capture(&self, bounds: Bounds) -> Captured {
        self.0.native(bounds.limit)
    }
}

/// Second choice: `Serialize`, as JSON.
pub trait CaptureSerialize {
    /// Captures the value.
    fn l9_capture(&self, bounds: Bounds) -> Captured;

    /// Captures the value of an argument of a model call, with the request
    /// fields it holds (chat messages, model) when it is a request.
    fn l9_capture_request(&self, bounds: Bounds) -> (Captured, Option<serde_json::Value>) {
        (self.l9_capture(bounds), None)
    }
}

impl<T: Serialize + ?Sized> CaptureSerialize for &&Wrap<'_, T> {
    fn l9_capture(&self, bounds: Bounds) -> Captured {
        guarded(|| json_within(self.0, bounds)).map_or(Captured::Failed, Captured::Json)
    }

    /// The JSON text, and for a list or an object, a second bounded walk
    /// for the request fields only.
    fn l9_capture_request(&self, bounds: Bounds) -> (Captured, Option<serde_json::Value>) {
        let captured = self.l9_capture(bounds);
        let structured = matches!(&captured, Captured::Json(text) if text.starts_with(['[', '{']));
        let request = structured
            .then(|| guarded(|| request_tree(self.0, bounds.limit)).flatten())
            .flatten();
        (captured, request)
    }
}

/// Third choice: `Debug`.
pub trait CaptureDebug {
    /// Captures the value.
    fn l9_capture(&self, bounds: Bounds) -> Captured;

    /// Captures the value of an argument of a model call, with the request
    /// fields it holds (chat messages, model) when it is a request.
    fn l9_capture_request(&self, bounds: Bounds) -> (Captured, Option<serde_json::Value>) {
        (self.l9_capture(bounds), None)
    }
}

impl<T: Debug + ?Sized> CaptureDebug for &Wrap<'_, T> {
    fn l9_capture(&self, bounds: Bounds) -> Captured {
        guarded(|| debug_limited(self.0, bounds.limit)).map_or(Captured::Failed, Captured::Text)
    }
}

/// Last choice: the type's name.
pub trait CaptureName {
    /// Captures the value.
    fn l9_capture(&self, bounds: Bounds) -> Captured;

    /// Captures the value of an argument of a model call, with the request
    /// fields it holds (chat messages, model) when it is a request.
    fn l9_capture_request(&self, bounds: Bounds) -> (Captured, Option<serde_json::Value>) {
        (self.l9_capture(bounds), None)
    }
}

impl<T: ?Sized> CaptureName for Wrap<'_, T> {
    fn l9_capture(&self, _: Bounds) -> Captured {
        Captured::Text(std::any::type_name::<T>().to_owned())
    }
}

/// `Debug` text of `value`, at most `limit` bytes (then marked).
pub(crate) fn debug_limited<T: Debug + ?Sized>(value: &T, limit: usize) -> String {
    let mut out = Limited::new(limit);
    let _ = write!(out, "{value:?}");
    out.finish()
}

#[cfg(test)]
// The extra borrows are the mechanism under test.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;
    use crate::text::TRUNCATION_MARKER;

    #[derive(Debug)]
    struct OnlyDebug(#[allow(dead_code)] u8);
    struct Nothing;
    #[derive(Serialize, Debug)]
    struct Both {
        a: u8,
    }

    #[test]
    fn the_best_form_is_chosen_without_bounds() {
        let limit = Bounds::new(100, true);
        assert_eq!((&&&&Wrap(&7u32)).l9_capture(limit), Captured::Int(7));
        assert_eq!((&&&&Wrap(&0.2f64)).l9_capture(limit), Captured::Float(0.2));
        assert_eq!((&&&&Wrap(&true)).l9_capture(limit), Captured::Bool(true));
        assert_eq!(
            (&&&&Wrap(&"hi")).l9_capture(limit),
            Captured::Str("hi".into())
        );
        assert_eq!(
            (&&&&Wrap(&String::from("s"))).l9_capture(limit),
            Captured::Str("s".into())
        );
        assert_eq!(
            (&&&&Wrap(&u64::MAX)).l9_capture(limit),
            Captured::Str(u64::MAX.to_string())
        );
        assert_eq!(
            (&&&&Wrap(&Both { a: 1 })).l9_capture(limit),
            Captured::Json(r#"{"a":1}"#.into())
        );
        assert_eq!(
            (&&&&Wrap(&OnlyDebug(3))).l9_capture(limit),
            Captured::Text("OnlyDebug(3)".into())
        );
        assert!(
            matches!((&&&&Wrap(&Nothing)).l9_capture(limit), Captured::Text(t) if t.ends_with("Nothing"))
        );
    }

    #[test]
    fn values_are_cut_on_character_boundaries_and_marked() {
        assert_eq!(
            json_text(&"ééé", 4, None),
            format!("\"é{TRUNCATION_MARKER}")
        );
        assert_eq!(
            debug_limited(&vec![1, 2, 3], 4),
            format!("[1, {TRUNCATION_MARKER}")
        );
        assert_eq!(json_text(&[1, 2], 100, None), "[1,2]");
    }
}
