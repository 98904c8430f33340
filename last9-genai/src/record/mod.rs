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
//! * `request`: what a model request (as JSON) asks: model and messages.
//! * `stream`: what a streamed response says, read chunk by chunk.
//! * `wire`: the wire formats, one module each (OpenAI chat and
//!   Responses, embeddings, Anthropic, Gemini, Bedrock, Ollama, Cohere),
//!   and the ordered list the readers loop over.
//! * `conventions`: which edition of the GenAI conventions' names to write.
//! * `messages`: chat messages, written as the conventions and the Python
//!   SDK write them.

/// A list of object keys, as a slice (`$list`, for the tests) and
/// as a function that tells whether a key is in it (`$is`: a `match` the
/// compiler turns into a jump on length and bytes, where a look through the
/// slice compares every key).
macro_rules! key_list {
    ($(#[$doc:meta])* $list:ident, $is:ident, $($key:literal),+ $(,)?) => {
        $(#[$doc])*
        #[cfg(test)]
        pub(crate) const $list: &[&str] = &[$($key),+];

        /// Whether `key` is one of the keys of the list beside.
        pub(crate) fn $is(key: &str) -> bool {
            matches!(key, $($key)|+)
        }
    };
}

pub(crate) mod conventions;
mod facts;
mod kind;
pub(crate) mod messages;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod stream;
mod target;
pub(crate) mod wire;
mod write;

pub(crate) use facts::{SpanFacts, keep_last_written, normalize_token_counts};
pub use kind::{ObservationKind, ParseKindError};
pub use target::SpanTarget;
pub use wire::{detect_provider, detect_provider_from_url};
pub(crate) use write::{
    cost_attributes, end_with_error, finish_reasons_attribute, model_attribute,
    response_attributes, tool_call_event, usage_attributes,
};

/// Checks that every quoted name between `start` and the tests of `source`
/// is in `keys` (the keys a bounded walk keeps for the readers) or in
/// `values` (the values they compare with), and that `opaque` is in `keys`.
#[cfg(test)]
fn assert_keys_listed(
    source: &str,
    start: &str,
    (keys, opaque): (&[&str], &[&str]),
    values: &[&str],
) {
    let start = source.find(start).unwrap();
    let end = source
        .find("#[cfg(test)]\nmod tests")
        .unwrap_or(source.len());
    let mut rest = &source[start..end];
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let close = after.find('"').unwrap();
        let name = &after[..close];
        assert!(
            keys.contains(&name) || values.contains(&name),
            "{name:?} is read but not listed"
        );
        rest = &after[close + 1..];
    }
    for key in opaque {
        assert!(keys.contains(key), "{key} is opaque but not listed");
    }
}
