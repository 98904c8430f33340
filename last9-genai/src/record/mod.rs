//! The record layer: how a GenAI fact becomes span data, and how span data
//! is read back. Every writer of usage, cost, response, finish-reason, tool
//! call and error attributes lives here, so that `#[observe]`, the manual
//! API, the span processor and the stream wrapper write them alike.
//!
//! * [`SpanTarget`]: anything attributes and events can be written to.
//! * [`ObservationKind`]: the kinds of observed operation, listed once.
//! * `write`: attribute and event writers.
//! * `facts`: what the processor reads back from an ended span.
//! * `response`: what a model response (as JSON) says of itself.

mod facts;
mod kind;
pub(crate) mod response;
mod target;
mod write;

pub(crate) use facts::{SpanFacts, normalize_token_counts};
pub use kind::{ObservationKind, ParseKindError};
pub use target::SpanTarget;
pub(crate) use write::{
    cost_attributes, end_with_error, finish_reasons_attribute, model_attribute,
    response_attributes, tool_call_event, usage_attributes,
};
