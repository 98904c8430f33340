//! A request's `params._meta` as a carrier of W3C trace context (SEP-414):
//! `traceparent`, `tracestate` and `baggage`, unprefixed.
//!
//! Written only where the caller set nothing: a `traceparent` of the
//! caller's keeps its `tracestate` (the two go together), a `baggage` of
//! the caller's is kept whole. Read as untrusted input: a value that is not
//! a string is no value, and what is read goes through
//! [`Propagation`](crate::Propagation)'s checks like an HTTP header.

use opentelemetry::propagation::{Extractor, Injector};
use serde_json::{Map, Value};

const TRACEPARENT: &str = "traceparent";

/// Said by a client whose span holds the tool's arguments and result, so
/// that the server's span does not repeat them (a `_meta` key under
/// Last9's reverse-DNS prefix, as MCP asks of vendors' keys).
pub(crate) const CONTENT_ON_CLIENT: &str = "io.last9/content-on-client";
const TRACESTATE: &str = "tracestate";

/// Writes into a `_meta` object, keeping every key the caller set.
pub(crate) struct MetaInjector<'a> {
    meta: &'a mut Map<String, Value>,
    /// The caller set a `traceparent`: its trace state stays its own too.
    callers_trace: bool,
}

impl<'a> MetaInjector<'a> {
    pub(crate) fn new(meta: &'a mut Map<String, Value>) -> Self {
        let callers_trace = meta.contains_key(TRACEPARENT);
        Self {
            meta,
            callers_trace,
        }
    }
}

impl Injector for MetaInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if self.callers_trace && key == TRACESTATE {
            return;
        }
        self.meta
            .entry(key.to_owned())
            .or_insert(Value::String(value));
    }
}

/// Reads a `_meta` object: strings only.
pub(crate) struct MetaExtractor<'a>(pub(crate) &'a Map<String, Value>);

impl Extractor for MetaExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_callers_keys_are_kept() {
        let mut meta = object(json!({"traceparent": "mine", "progressToken": 7}));
        let mut injector = MetaInjector::new(&mut meta);
        injector.set(TRACEPARENT, "ours".to_owned());
        injector.set(TRACESTATE, "ours=1".to_owned());
        injector.set("baggage", "a=b".to_owned());
        assert_eq!(
            Value::Object(meta),
            json!({"traceparent": "mine", "progressToken": 7, "baggage": "a=b"})
        );
    }

    #[test]
    fn an_empty_meta_takes_all_three() {
        let mut meta = Map::new();
        let mut injector = MetaInjector::new(&mut meta);
        for key in [TRACEPARENT, TRACESTATE, "baggage"] {
            injector.set(key, format!("{key}-value"));
        }
        assert_eq!(meta.len(), 3);
        assert_eq!(meta[TRACESTATE], "tracestate-value");
    }

    #[test]
    fn values_of_the_wrong_type_are_no_values() {
        let meta = object(json!({"traceparent": 42, "baggage": ["a=b"], "tracestate": "k=v"}));
        let extractor = MetaExtractor(&meta);
        assert_eq!(extractor.get(TRACEPARENT), None);
        assert_eq!(extractor.get("baggage"), None);
        assert_eq!(extractor.get(TRACESTATE), Some("k=v"));
        let mut keys = extractor.keys();
        keys.sort_unstable();
        assert_eq!(keys, ["baggage", "traceparent", "tracestate"]);
    }
}
