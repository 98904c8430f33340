//! Any `Serialize` value walked once, in bounded time, memory and depth:
//! a serde `Serializer` that turns the value into a stream of JSON events
//! for a [`Sink`], which may stop the walk at any point.
//!
//! Three sinks: [`text`] writes JSON text up to the capture limit and stops
//! there, judging each key by the redaction rules as it is written; [`tree`] keeps only the fields a model response is read from, up
//! to a budget, never descending into the others; [`chunk`] reads the
//! common chunks of a stream as they pass. Neither copies the value
//! whole, and a value nested deeper than [`MAX_DEPTH`] stops the walk
//! before the stack can overflow (serde's serializers recurse once per
//! level, and a `Serialize` value may be nested without end).

pub(crate) mod chunk;
pub(crate) mod text;
pub(crate) mod tree;

use std::fmt;

use serde::ser::{self, Serialize};

use crate::text::MAX_DEPTH;

/// A scalar of JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leaf<'a> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(&'a str),
}

/// Why a walk stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The sink has what it wants (the limit is reached, or the budget).
    Full,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The value's `Serialize` failed, or a map key is not text.
    Refused(String),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("full"),
            Self::TooDeep => write!(f, "nested deeper than {MAX_DEPTH} levels"),
            Self::Refused(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Refused(msg.to_string())
    }
}

/// What receives the events of a walk. Each method may stop the walk with
/// [`Stop::Full`].
pub(crate) trait Sink {
    fn leaf(&mut self, leaf: Leaf<'_>) -> Result<(), Stop>;
    fn begin_array(&mut self) -> Result<(), Stop>;
    fn end_array(&mut self) -> Result<(), Stop>;
    fn begin_object(&mut self) -> Result<(), Stop>;
    /// A key of the object just begun; `false` skips its value, which is
    /// then never walked.
    fn key(&mut self, key: &str) -> Result<bool, Stop>;
    fn end_object(&mut self) -> Result<(), Stop>;
}

/// Walks `value` into `sink`, as `serde_json` would write it.
pub(crate) fn walk<T: Serialize + ?Sized, S: Sink>(value: &T, sink: &mut S) -> Result<(), Stop> {
    value.serialize(&mut Walker { sink, depth: 0 })
}

struct Walker<'s, S> {
    sink: &'s mut S,
    depth: usize,
}

impl<S: Sink> Walker<'_, S> {
    /// Walks `value` one level down.
    fn nested<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        if self.depth >= MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        self.depth += 1;
        let walked = value.serialize(&mut *self);
        self.depth -= 1;
        walked
    }

    /// `{"variant": value}`, as serde_json writes enum variants with data.
    fn variant<T: Serialize + ?Sized>(&mut self, variant: &str, value: &T) -> Result<(), Stop> {
        self.sink.begin_object()?;
        if self.sink.key(variant)? {
            self.nested(value)?;
        }
        self.sink.end_object()
    }
}

/// A compound value being walked: an array, an object, or either inside
/// an enum variant's object.
struct Compound<'w, 's, S> {
    walker: &'w mut Walker<'s, S>,
    /// Inside a variant's `{"variant": …}`, closed at the end.
    in_variant: bool,
    /// The value of the key last given is skipped.
    skip_value: bool,
    /// The whole compound is skipped (a variant whose key the sink
    /// declined): nothing inside is walked, nothing but the variant's
    /// object is closed.
    skipped: bool,
}

impl<'w, 's, S: Sink> Compound<'w, 's, S> {
    fn new(walker: &'w mut Walker<'s, S>) -> Self {
        Self {
            walker,
            in_variant: false,
            skip_value: false,
            skipped: false,
        }
    }

    /// `{"variant": [` or `{"variant": {`, as `begin` opens.
    fn variant(
        walker: &'w mut Walker<'s, S>,
        variant: &str,
        begin: fn(&mut S) -> Result<(), Stop>,
    ) -> Result<Self, Stop> {
        walker.sink.begin_object()?;
        let keep = walker.sink.key(variant)?;
        if keep {
            begin(walker.sink)?;
        }
        Ok(Self {
            walker,
            in_variant: true,
            skip_value: false,
            skipped: !keep,
        })
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        if self.skipped {
            return Ok(());
        }
        self.walker.nested(value)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Stop> {
        if !self.skipped && self.walker.sink.key(key)? {
            self.walker.nested(value)?;
        }
        Ok(())
    }

    fn end_array(self) -> Result<(), Stop> {
        if !self.skipped {
            self.walker.sink.end_array()?;
        }
        self.end_variant()
    }

    fn end_object(self) -> Result<(), Stop> {
        if !self.skipped {
            self.walker.sink.end_object()?;
        }
        self.end_variant()
    }

    fn end_variant(self) -> Result<(), Stop> {
        if self.in_variant {
            self.walker.sink.end_object()?;
        }
        Ok(())
    }
}

/// Scalars, each one leaf of its widest kind.
macro_rules! leaves {
    ($($method:ident: $t:ty => $leaf:ident),*) => {$(
        fn $method(self, v: $t) -> Result<(), Stop> {
            self.sink.leaf(Leaf::$leaf(v.into()))
        }
    )*};
}

impl<'w, 's, S: Sink> ser::Serializer for &'w mut Walker<'s, S> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Compound<'w, 's, S>;
    type SerializeTuple = Compound<'w, 's, S>;
    type SerializeTupleStruct = Compound<'w, 's, S>;
    type SerializeTupleVariant = Compound<'w, 's, S>;
    type SerializeMap = Compound<'w, 's, S>;
    type SerializeStruct = Compound<'w, 's, S>;
    type SerializeStructVariant = Compound<'w, 's, S>;

    leaves!(
        serialize_bool: bool => Bool,
        serialize_i8: i8 => I64,
        serialize_i16: i16 => I64,
        serialize_i32: i32 => I64,
        serialize_i64: i64 => I64,
        serialize_u8: u8 => U64,
        serialize_u16: u16 => U64,
        serialize_u32: u32 => U64,
        serialize_u64: u64 => U64,
        serialize_f32: f32 => F64,
        serialize_f64: f64 => F64
    );
    fn serialize_i128(self, v: i128) -> Result<(), Stop> {
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(v), _) => self.sink.leaf(Leaf::I64(v)),
            (_, Ok(v)) => self.sink.leaf(Leaf::U64(v)),
            _ => self.sink.leaf(Leaf::Str(&v.to_string())),
        }
    }
    fn serialize_u128(self, v: u128) -> Result<(), Stop> {
        match u64::try_from(v) {
            Ok(v) => self.sink.leaf(Leaf::U64(v)),
            Err(_) => self.sink.leaf(Leaf::Str(&v.to_string())),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Stop> {
        self.sink.leaf(Leaf::Str(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        self.sink.leaf(Leaf::Str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Stop> {
        self.sink.begin_array()?;
        for byte in v {
            self.sink.leaf(Leaf::U64((*byte).into()))?;
        }
        self.sink.end_array()
    }
    fn serialize_none(self) -> Result<(), Stop> {
        self.sink.leaf(Leaf::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        self.nested(value)
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        self.sink.leaf(Leaf::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        self.sink.leaf(Leaf::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.sink.leaf(Leaf::Str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.nested(value)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.variant(variant, value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w, 's, S>, Stop> {
        self.sink.begin_array()?;
        Ok(Compound::new(self))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 's, S>, Stop> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 's, S>, Stop> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 's, S>, Stop> {
        Compound::variant(self, variant, S::begin_array)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w, 's, S>, Stop> {
        self.sink.begin_object()?;
        Ok(Compound::new(self))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'w, 's, S>, Stop> {
        self.sink.begin_object()?;
        Ok(Compound::new(self))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 's, S>, Stop> {
        Compound::variant(self, variant, S::begin_object)
    }
}

/// The compound traits whose elements are walked alike: `$method` walks
/// one, `$end` closes.
macro_rules! compound {
    ($($trait:ident: $method:ident => $end:ident;)*) => {$(
        impl<S: Sink> ser::$trait for Compound<'_, '_, S> {
            type Ok = ();
            type Error = Stop;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
                self.element(value)
            }
            fn end(self) -> Result<(), Stop> {
                self.$end()
            }
        }
    )*};
}

compound! {
    SerializeSeq: serialize_element => end_array;
    SerializeTuple: serialize_element => end_array;
    SerializeTupleStruct: serialize_field => end_array;
    SerializeTupleVariant: serialize_field => end_array;
}

impl<S: Sink> ser::SerializeMap for Compound<'_, '_, S> {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        self.skip_value = !key.serialize(KeyText(&mut *self.walker.sink))?;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        if self.skip_value {
            return Ok(());
        }
        self.walker.nested(value)
    }
    fn end(self) -> Result<(), Stop> {
        self.end_object()
    }
}

/// The struct traits: each field walked under its name.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl<S: Sink> ser::$trait for Compound<'_, '_, S> {
            type Ok = ();
            type Error = Stop;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Stop> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Stop> {
                self.end_object()
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

/// A map key handed to the sink as text, as serde_json accepts them:
/// strings (borrowed, never copied), characters, numbers and booleans;
/// anything else refuses the walk. The sink says whether it wants the
/// value.
struct KeyText<'k, S>(&'k mut S);

fn not_text() -> Stop {
    Stop::Refused("key must be a string".to_owned())
}

/// Keys of scalar types, written as serde_json writes them: as text.
macro_rules! key_as_text {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<bool, Stop> {
            self.0.key(&v.to_string())
        }
    )*};
}

impl<S: Sink> ser::Serializer for KeyText<'_, S> {
    type Ok = bool;
    type Error = Stop;
    type SerializeSeq = ser::Impossible<bool, Stop>;
    type SerializeTuple = ser::Impossible<bool, Stop>;
    type SerializeTupleStruct = ser::Impossible<bool, Stop>;
    type SerializeTupleVariant = ser::Impossible<bool, Stop>;
    type SerializeMap = ser::Impossible<bool, Stop>;
    type SerializeStruct = ser::Impossible<bool, Stop>;
    type SerializeStructVariant = ser::Impossible<bool, Stop>;

    key_as_text!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128,
        serialize_char: char
    );
    fn serialize_f32(self, _: f32) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_f64(self, _: f64) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_str(self, v: &str) -> Result<bool, Stop> {
        self.0.key(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_none(self) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_unit(self) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<bool, Stop> {
        self.0.key(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, Stop> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, Stop> {
        Err(not_text())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(not_text())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(not_text())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(not_text())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(not_text())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(not_text())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Err(not_text())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(not_text())
    }
}
