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

// One observed function per kind: the macro's list of kind names and the
// runtime's `ObservationKind` must agree. A kind the runtime adds breaks the
// exhaustive match below; a kind the macro accepts that the runtime lacks
// does not compile.
#[observe(kind = "llm")]
fn kind_llm() {}
#[observe(kind = "tool")]
fn kind_tool() {}
#[observe(kind = "chain")]
fn kind_chain() {}
#[observe(kind = "agent")]
fn kind_agent() {}
#[observe(kind = "prompt")]
fn kind_prompt() {}
#[observe(kind = "embedding")]
fn kind_embedding() {}
#[observe(kind = "retriever")]
fn kind_retriever() {}

fn observed_as(kind: last9_genai::ObservationKind) -> (fn(), &'static str) {
    use last9_genai::ObservationKind as K;
    match kind {
        K::Llm => (kind_llm, "kind_llm"),
        K::Tool => (kind_tool, "kind_tool"),
        K::Chain => (kind_chain, "kind_chain"),
        K::Agent => (kind_agent, "kind_agent"),
        K::Prompt => (kind_prompt, "kind_prompt"),
        K::Embedding => (kind_embedding, "kind_embedding"),
        K::Retriever => (kind_retriever, "kind_retriever"),
    }
}

#[test]
fn the_macro_accepts_every_kind_the_runtime_lists_and_writes_it() {
    let (_turn, h) = common::observed();
    for kind in last9_genai::ObservationKind::ALL {
        let (function, name) = observed_as(kind);
        function();
        assert_eq!(
            string(&h.span(name), last9_genai::attributes::L9_SPAN_KIND).as_deref(),
            Some(kind.as_str()),
            "{kind:?}"
        );
    }
}

#[observe(metadata = { "tier": "pro" })]
fn prefixed(query: &str) -> usize {
    query.len()
}

#[test]
fn argument_and_metadata_keys_use_the_prefixes_of_attributes() {
    use last9_genai::attributes::{FUNCTION_ARG_PREFIX, METADATA_PREFIX};
    let (_turn, h) = common::observed();
    prefixed("abc");
    let s = h.span("prefixed");
    assert_eq!(
        string(&s, &format!("{FUNCTION_ARG_PREFIX}query")).as_deref(),
        Some("abc")
    );
    assert_eq!(
        string(&s, &format!("{METADATA_PREFIX}tier")).as_deref(),
        Some("pro")
    );
    assert_eq!(
        (FUNCTION_ARG_PREFIX, METADATA_PREFIX),
        ("function.arg.", "metadata.")
    );
}
