//! One behaviour per argument of `#[observe]` that the other files do not
//! cover: `name`, `kind` and its alias `as_type`, `tags`, `metadata` and
//! `crate`.

mod common;

use common::{attr, string};
use last9_genai::observe;
use opentelemetry::{Array, Value};

#[observe(name = "support.answer")]
fn named() {}

#[observe(kind = "embedding")]
fn embed() {}

#[observe(as_type = "retriever")]
fn retrieve() {}

#[observe(tags = ["production", "eu"], metadata = { "category": "customer_support", "version": 2, "ratio": 0.5, "beta": true })]
fn tagged() {}

mod telemetry {
    pub(crate) use last9_genai as l9;
}

#[telemetry::l9::observe(crate = telemetry::l9, name = "through_reexport")]
fn reexported() {}

#[test]
fn name_kind_tags_metadata_and_crate() {
    let (_turn, h) = common::observed();
    named();
    embed();
    retrieve();
    tagged();
    reexported();
    assert_eq!(
        string(&h.span("support.answer"), "gen_ai.l9.span.kind").as_deref(),
        Some("llm")
    );
    assert_eq!(
        string(&h.span("embed"), "gen_ai.l9.span.kind").as_deref(),
        Some("embedding")
    );
    assert_eq!(
        string(&h.span("retrieve"), "gen_ai.l9.span.kind").as_deref(),
        Some("retriever")
    );
    let s = h.span("tagged");
    assert_eq!(
        attr(&s, "tags"),
        Some(Value::Array(Array::String(vec![
            "production".into(),
            "eu".into()
        ])))
    );
    assert_eq!(
        string(&s, "metadata.category").as_deref(),
        Some("customer_support")
    );
    assert_eq!(
        string(&s, "user.category").as_deref(),
        Some("customer_support")
    );
    assert_eq!(string(&s, "metadata.version").as_deref(), Some("2"));
    assert_eq!(string(&s, "metadata.ratio").as_deref(), Some("0.5"));
    assert_eq!(string(&s, "metadata.beta").as_deref(), Some("true"));
    assert!(h.spans().iter().any(|s| s.name == "through_reexport"));
}
