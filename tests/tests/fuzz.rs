//! Property-based fuzzing of the three places hostile input enters: the
//! pricing parser, usage read from any JSON a function returns, and trace
//! and baggage headers of incoming requests. Nothing panics, and what comes
//! out is bounded and consistent.
//!
//! A normal run tries 256 cases per target; `scripts/fuzz.sh` runs each for
//! a bounded time with many more (`PROPTEST_CASES`).

mod common;

use common::{attr, float, int, string};
use http::{HeaderMap, HeaderName, HeaderValue};
use last9_genai::{
    ModelPricing, PricingTable, Propagation, TokenUsage, current_conversation_id, observe,
};
use opentelemetry::Value as Attr;
use opentelemetry::trace::TraceContextExt;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Any JSON value, up to 4 levels deep, with keys drawn from the ones the
/// response readers look at, so that the fuzz reaches them.
fn json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "model",
        "id",
        "choices",
        "message",
        "content",
        "usage",
        "prompt_tokens",
        "completion_tokens",
        "input_tokens",
        "output_tokens",
        "usageMetadata",
        "promptTokenCount",
        "candidatesTokenCount",
        "candidates",
        "parts",
        "text",
        "tool_calls",
        "function",
        "name",
        "arguments",
        "type",
        "stop_reason",
        "Ok",
        "finish_reason",
        "output",
        "object",
        "thoughtsTokenCount",
        "other",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|pairs| Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Map<_, _>>()
            )),
        ]
    })
}

#[observe(pricing = PricingTable::new([("m", ModelPricing::new(1.0, 2.0))]).unwrap())]
fn respond(response: Value) -> Value {
    response
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
    ))]

    /// Any text: a table or an error with a message, never a panic.
    #[test]
    fn the_pricing_parser_takes_any_text(text in ".{0,200}") {
        match PricingTable::from_json_str(&text) {
            Ok(table) => prop_assert!(table.len() <= text.len()),
            Err(err) => prop_assert!(!err.to_string().is_empty()),
        }
    }

    /// Any JSON: refused, or a table holding each model named, each priced
    /// at a finite, non-negative cost.
    #[test]
    fn the_pricing_parser_takes_any_json(value in json()) {
        if let Ok(table) = PricingTable::from_json_str(&value.to_string()) {
            let models = value.as_object().map(Map::len).unwrap_or(0);
            prop_assert_eq!(table.len(), models);
            for model in value.as_object().into_iter().flat_map(Map::keys) {
                let pricing = table.get(model);
                prop_assert!(pricing.is_some_and(|p| p.input().is_finite() && p.input() >= 0.0));
                let cost = table.cost(model, &TokenUsage::new(1_000_000, 1_000_000));
                prop_assert!(cost.is_some_and(|c| c.total_usd().is_finite() && c.total_usd() >= 0.0));
            }
        }
    }

    /// Any returned JSON: the function returns it unchanged, its span ends
    /// once, and the usage on it is either whole and bounded, or absent
    /// (with the invalid marker when counts were there but impossible).
    #[test]
    fn usage_is_read_from_any_json(value in json()) {
        let (_turn, h) = common::observed();
        prop_assert_eq!(respond(value.clone()), value);
        let spans = h.spans();
        prop_assert_eq!(spans.len(), 1);
        let span = &spans[0];
        let input = int(span, "gen_ai.usage.input_tokens");
        let output = int(span, "gen_ai.usage.output_tokens");
        prop_assert_eq!(input.is_some(), output.is_some());
        for count in [input, output].into_iter().flatten() {
            prop_assert!((0..=1_000_000_000_000).contains(&count));
        }
        if attr(span, "gen_ai.l9.usage_invalid").is_some() {
            prop_assert_eq!(input, None);
        }
        if let Some(cost) = float(span, "gen_ai.usage.cost_usd") {
            prop_assert!(cost.is_finite() && cost >= 0.0);
            prop_assert!(input.is_some());
        }
        if let Some(model) = string(span, "gen_ai.response.model") {
            prop_assert!(model.len() <= last9_genai::MAX_MODEL_NAME_LEN + last9_genai::TRUNCATION_MARKER.len());
        }
    }

    /// Any `traceparent`, `baggage` and conversation header: a context,
    /// never a panic; carried values are printable and within the cap.
    #[test]
    fn headers_of_any_request_are_read_safely(
        traceparent in ".{0,80}",
        baggage in ".{0,300}",
        conversation in ".{0,300}",
        raw in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let propagation = Propagation::new()
            .carry_conversation()
            .carry_user()
            .carry_workflow()
            .conversation_header(HeaderName::from_static("x-conversation-id"))
            .user_header(HeaderName::from_static("x-user-id"))
            .max_value_len(64);
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("traceparent", traceparent.as_bytes()),
            ("baggage", baggage.as_bytes()),
            ("x-conversation-id", conversation.as_bytes()),
            ("x-user-id", conversation.as_bytes()),
            ("baggage", raw.as_slice()),
        ] {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                headers.append(HeaderName::from_static(name), value);
            }
        }
        let cx = propagation.extract(&headers);
        let _ = cx.span().span_context().is_valid();
        let _scope = cx.attach();
        if let Some(id) = current_conversation_id() {
            prop_assert!(id.len() <= 64, "{id:?}");
            prop_assert!(!id.chars().any(char::is_control), "{id:?}");
        }
    }
}

/// The fuzz reaches the readers: a response with counts is priced, one
/// with a negative count is marked (a check on the strategy, not luck).
#[test]
fn the_strategy_reaches_priced_and_invalid_usage() {
    let (_turn, h) = common::observed();
    respond(
        serde_json::json!({"model": "m", "choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 10}}),
    );
    assert_eq!(
        float(&h.span("respond"), "gen_ai.usage.cost_usd"),
        Some(0.00102)
    );
    h.exporter.reset();
    respond(serde_json::json!({"model": "m", "choices": [], "usage": {"prompt_tokens": -1}}));
    assert_eq!(
        attr(&h.span("respond"), "gen_ai.l9.usage_invalid"),
        Some(Attr::Bool(true))
    );
}
