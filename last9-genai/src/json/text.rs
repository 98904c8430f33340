//! JSON text of a value, at most the capture limit: the walk stops when the
//! limit is reached, so a value of any size costs the limit. With the
//! redaction rules, each key is judged as it is written: a secret key's value
//! is written `"[REDACTED]"`, whatever its shape, and never walked.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Leaf, Sink, Stop, walk};
use crate::redact::{Judged, REDACTED, Rules};
use crate::text::{Limited, json_string};

/// Writes JSON text into a [`Limited`] buffer.
struct Text<'r> {
    out: Limited,
    /// When redaction applies: the rules that judge keys, and the keys
    /// judged so far.
    keys: Option<(&'r Rules, Judged)>,
    /// Per open array or object: whether nothing is in it yet.
    empty: Vec<bool>,
    /// A key was just written: its value takes no comma.
    after_key: bool,
}

impl Text<'_> {
    fn write(&mut self, text: &str) -> Result<(), Stop> {
        if self.out.take(text) {
            Ok(())
        } else {
            Err(Stop::Full)
        }
    }

    /// The comma before an element or a key, when one is needed.
    fn separate(&mut self) -> Result<(), Stop> {
        if std::mem::take(&mut self.after_key) {
            return Ok(());
        }
        let was_empty = self.empty.last_mut().is_none_or(std::mem::take);
        if was_empty { Ok(()) } else { self.write(",") }
    }

    fn string(&mut self, text: &str) -> Result<(), Stop> {
        if json_string(text, |piece| self.out.take(piece)) {
            Ok(())
        } else {
            Err(Stop::Full)
        }
    }
}

impl Sink for Text<'_> {
    fn leaf(&mut self, leaf: Leaf<'_>) -> Result<(), Stop> {
        self.separate()?;
        match leaf {
            Leaf::Null => self.write("null"),
            Leaf::Bool(b) => self.write(if b { "true" } else { "false" }),
            Leaf::Str(s) => self.string(s),
            Leaf::I64(n) => write!(self.out, "{n}").map_err(|_| Stop::Full),
            Leaf::U64(n) => write!(self.out, "{n}").map_err(|_| Stop::Full),
            // JSON has no NaN or infinity: serde_json writes them as null.
            Leaf::F64(f) if !f.is_finite() => self.write("null"),
            Leaf::F64(f) => write!(self.out, "{f:?}").map_err(|_| Stop::Full),
        }
    }

    fn begin_array(&mut self) -> Result<(), Stop> {
        self.separate()?;
        self.empty.push(true);
        self.write("[")
    }

    fn end_array(&mut self) -> Result<(), Stop> {
        self.empty.pop();
        self.write("]")
    }

    fn begin_object(&mut self) -> Result<(), Stop> {
        self.separate()?;
        self.empty.push(true);
        self.write("{")
    }

    fn key(&mut self, key: &str) -> Result<bool, Stop> {
        self.separate()?;
        self.string(key)?;
        if let Some((rules, judged)) = &mut self.keys
            && rules.secret_key(key, judged)
        {
            self.write(":\"")?;
            self.write(REDACTED)?;
            self.write("\"")?;
            return Ok(false);
        }
        self.write(":")?;
        self.after_key = true;
        Ok(true)
    }

    fn end_object(&mut self) -> Result<(), Stop> {
        self.empty.pop();
        self.write("}")
    }
}

/// JSON text of `value`, at most `limit` bytes, then marked; a value nested
/// too deep is cut where the depth runs out, and marked alike. With `rules`,
/// the value of each secret key is `"[REDACTED]"`.
pub(crate) fn json_text<T: Serialize + ?Sized>(
    value: &T,
    limit: usize,
    rules: Option<&Rules>,
) -> String {
    let mut text = Text {
        out: Limited::new(limit),
        keys: rules.map(|rules| (rules, Judged::default())),
        empty: Vec::new(),
        after_key: false,
    };
    match walk(value, &mut text) {
        Ok(()) | Err(Stop::Full) => {}
        Err(Stop::TooDeep) => text.out.mark_cut(),
        // Not the limit: the value refused to serialize.
        Err(Stop::Refused(why)) => return format!("<unserializable: {why}>"),
    }
    text.out.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;
    use crate::text::TRUNCATION_MARKER;

    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(u8),
        Tuple(u8, bool),
        Struct {
            a: Option<f64>,
            b: Vec<&'static str>,
        },
    }

    #[derive(Serialize)]
    struct All {
        unit: (),
        shapes: Vec<Shape>,
        map: BTreeMap<u32, char>,
        bytes: serde_bytes_like::Bytes,
        big: u128,
        nan: f64,
        float: f32,
        text: &'static str,
    }

    mod serde_bytes_like {
        pub(super) struct Bytes(pub(super) &'static [u8]);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
    }

    fn all() -> All {
        All {
            unit: (),
            shapes: vec![
                Shape::Unit,
                Shape::New(1),
                Shape::Tuple(2, true),
                Shape::Struct {
                    a: None,
                    b: vec!["x\"y\n"],
                },
            ],
            map: BTreeMap::from([(1, 'é'), (2, '"')]),
            bytes: serde_bytes_like::Bytes(&[0, 255]),
            big: u128::from(u64::MAX),
            nan: f64::NAN,
            float: 0.5,
            text: "tab\there",
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let ours = json_text(&all(), 1 << 20, None);
        let theirs: serde_json::Value = serde_json::from_str(&ours).unwrap();
        assert_eq!(theirs, serde_json::to_value(all()).unwrap());
        // Past u64, serde_json refuses a u128 without arbitrary precision;
        // this walk writes it as text.
        assert_eq!(
            json_text(&u128::MAX, 100, None),
            format!("\"{}\"", u128::MAX)
        );
    }

    #[test]
    fn stops_at_the_limit_on_a_character_boundary() {
        let text = json_text(&vec!["é"; 1000], 10, None);
        // `[` + `"é"` + `,` + `"é"` is 10 bytes; the next comma is cut.
        assert_eq!(text, format!("[\"é\",\"é\"{TRUNCATION_MARKER}"));
    }

    /// Regression: a secret key holding an object, a list or a number came
    /// out as `"credentials":[REDACTED]`, which is no JSON. Keys are judged
    /// as written: the value is the string `"[REDACTED]"` whatever its
    /// shape, at any depth, for a key of any length, and is never walked.
    #[test]
    fn secret_keys_are_judged_as_written_and_the_json_stays_json() {
        use crate::redact::{Redaction, Rules};
        let rules = Rules::compile(&Redaction::default());
        let long = format!("{}_api_key", "x".repeat(70));
        let value = serde_json::json!({
            "region": "eu",
            "credentials": {"user": "ann", "pass": "p1"},
            "token": 42,
            "api_keys": ["k1", "k2"],
            "models": ["m1", "m2"],
            "password": null,
            "nested": [{"Authorization": "opaque", "max_tokens": 5}],
            long.clone(): "k3",
        });
        let text = json_text(&value, 1 << 20, Some(&rules));
        let read: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut expected = serde_json::json!({
            "region": "eu",
            "credentials": "[REDACTED]",
            "token": "[REDACTED]",
            "api_keys": "[REDACTED]",
            "models": ["m1", "m2"],
            "password": "[REDACTED]",
            "nested": [{"Authorization": "[REDACTED]", "max_tokens": 5}],
        });
        expected[long.as_str()] = "[REDACTED]".into();
        assert_eq!(read, expected);
        // A secret value is never walked: one that would panic is not read.
        struct Panics;
        impl Serialize for Panics {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                panic!("read")
            }
        }
        let mut map = BTreeMap::new();
        map.insert("secret", Panics);
        assert_eq!(
            json_text(&map, 100, Some(&rules)),
            r#"{"secret":"[REDACTED]"}"#
        );
        // Without the rules, every key is written as it is.
        assert_eq!(json_text(&value, 1 << 20, None), value.to_string());
        // Cut inside the marker: no byte of the value is written.
        assert_eq!(
            json_text(&serde_json::json!({"token": "abc"}), 14, Some(&rules)),
            format!("{{\"token\":\"[RED{TRUNCATION_MARKER}")
        );
    }

    /// Regression: a value nested 100 000 levels deep aborted the process
    /// (stack overflow in `serde_json::to_value`).
    #[test]
    fn a_value_nested_without_end_is_cut_at_the_depth_bound() {
        #[derive(Serialize)]
        struct Node(Option<Box<Node>>);
        let mut node = Node(None);
        for _ in 0..100_000 {
            node = Node(Some(Box::new(node)));
        }
        // Nothing is written per level, so only the depth bound stops it.
        let text = json_text(&node, usize::MAX, None);
        assert_eq!(text, TRUNCATION_MARKER);
        // Dropping it recursively would overflow the stack too.
        let mut next = node.0.take();
        while let Some(mut inner) = next {
            next = inner.0.take();
        }
    }
}
