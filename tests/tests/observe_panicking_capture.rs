//! A value whose `Debug`, `Serialize` or `Display` panics while `#[observe]`
//! captures it: the function still runs and returns what it returns, and
//! the span says that capture failed.

#![allow(clippy::await_holding_lock)]

mod common;

use std::fmt;

use common::{attr, string};
use last9_genai::attributes::L9_CAPTURE_FAILED;
use last9_genai::observe;
use opentelemetry::Value;
use serde::{Serialize, Serializer};

const FAILED: &str = "<capture failed: the value panicked while being written>";

struct PanicsInDebug;

impl fmt::Debug for PanicsInDebug {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Debug exploded")
    }
}

struct PanicsInSerialize(u32);

impl Serialize for PanicsInSerialize {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        panic!("Serialize exploded")
    }
}

#[derive(Debug)]
struct PanicsInDisplay;

impl fmt::Display for PanicsInDisplay {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Display exploded")
    }
}

impl std::error::Error for PanicsInDisplay {}

#[observe]
fn takes_debug(value: PanicsInDebug, n: u32) -> u32 {
    let _keep = value;
    n + 1
}

#[observe]
fn takes_serialize(value: PanicsInSerialize) -> u32 {
    value.0 * 2
}

#[observe]
fn returns_serialize(n: u32) -> PanicsInSerialize {
    PanicsInSerialize(n)
}

#[observe]
fn returns_debug() -> PanicsInDebug {
    PanicsInDebug
}

#[observe]
fn healthy(n: u32) -> u32 {
    n
}

#[observe]
fn fails_with_display() -> Result<u32, PanicsInDisplay> {
    Err(PanicsInDisplay)
}

#[observe]
async fn async_takes_debug(value: PanicsInDebug) -> &'static str {
    let _keep = value;
    "done"
}

fn failed(span: &opentelemetry_sdk::trace::SpanData) -> Option<Value> {
    attr(span, L9_CAPTURE_FAILED)
}

#[test]
fn a_panicking_argument_capture_never_stops_the_call() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(takes_debug(PanicsInDebug, 41), 42);
    assert_eq!(takes_serialize(PanicsInSerialize(21)), 42);
    let s = h.span("takes_debug");
    assert_eq!(string(&s, "function.arg.value").as_deref(), Some(FAILED));
    // The other arguments are still captured.
    assert_eq!(attr(&s, "function.arg.n"), Some(Value::I64(41)));
    assert_eq!(failed(&s), Some(Value::Bool(true)));
    assert_eq!(s.status, opentelemetry::trace::Status::Ok);
    let s = h.span("takes_serialize");
    assert_eq!(string(&s, "function.arg.value").as_deref(), Some(FAILED));
    assert_eq!(failed(&s), Some(Value::Bool(true)));
    // A call whose capture went well is not marked.
    assert_eq!(healthy(3), 3);
    assert_eq!(failed(&h.span("healthy")), None);
}

#[test]
fn a_panicking_return_value_capture_never_changes_what_is_returned() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(returns_serialize(7).0, 7);
    let _value: PanicsInDebug = returns_debug();
    for name in ["returns_serialize", "returns_debug"] {
        let s = h.span(name);
        assert_eq!(failed(&s), Some(Value::Bool(true)), "{name}");
        assert_eq!(s.status, opentelemetry::trace::Status::Ok, "{name}");
        let completion = s
            .events
            .iter()
            .find(|e| e.name == "gen_ai.content.completion")
            .map(|e| e.attributes[0].value.to_string());
        assert_eq!(completion.as_deref(), Some(FAILED), "{name}");
    }
    // What could be captured still is.
    let s = h.span("returns_serialize");
    assert_eq!(attr(&s, "function.arg.n"), Some(Value::I64(7)));
}

#[test]
fn a_panicking_error_message_still_ends_the_span_with_error() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert!(matches!(fails_with_display(), Err(PanicsInDisplay)));
    let s = h.span("fails_with_display");
    assert_eq!(
        s.status,
        opentelemetry::trace::Status::error(FAILED.to_owned())
    );
    assert_eq!(string(&s, "error.type").as_deref(), Some("PanicsInDisplay"));
}

#[tokio::test]
async fn an_async_function_with_a_panicking_argument_still_runs() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(async_takes_debug(PanicsInDebug).await, "done");
    let s = h.span("async_takes_debug");
    assert_eq!(failed(&s), Some(Value::Bool(true)));
}
