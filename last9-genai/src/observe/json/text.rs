//! JSON text of a value, at most the capture limit: the walk stops when the
//! limit is reached, so a value of any size costs the limit.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Leaf, Sink, Stop, walk};
use crate::text::{Limited, json_string};

/// Writes JSON text into a [`Limited`] buffer.
struct Text {
    out: Limited,
    /// Per open array or object: whether nothing is in it yet.
    empty: Vec<bool>,
    /// A key was just written: its value takes no comma.
    after_key: bool,
}

impl Text {
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

impl Sink for Text {
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
/// too deep is cut where the depth runs out, and marked alike.
pub(crate) fn json_text<T: Serialize + ?Sized>(value: &T, limit: usize) -> String {
    let mut text = Text {
        out: Limited::new(limit),
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
        let ours = json_text(&all(), 1 << 20);
        let theirs: serde_json::Value = serde_json::from_str(&ours).unwrap();
        assert_eq!(theirs, serde_json::to_value(all()).unwrap());
        // Past u64, serde_json refuses a u128 without arbitrary precision;
        // this walk writes it as text.
        assert_eq!(json_text(&u128::MAX, 100), format!("\"{}\"", u128::MAX));
    }

    #[test]
    fn stops_at_the_limit_on_a_character_boundary() {
        let text = json_text(&vec!["é"; 1000], 10);
        // `[` + `"é"` + `,` + `"é"` is 10 bytes; the next comma is cut.
        assert_eq!(text, format!("[\"é\",\"é\"{TRUNCATION_MARKER}"));
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
        let text = json_text(&node, usize::MAX);
        assert_eq!(text, TRUNCATION_MARKER);
        // Dropping it recursively would overflow the stack too.
        let mut next = node.0.take();
        while let Some(mut inner) = next {
            next = inner.0.take();
        }
    }
}
