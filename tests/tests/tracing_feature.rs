//! Feature `tracing`: `tracing_layer()` exports `tracing` spans through the
//! installed provider; they nest with `#[observe]` spans both ways, carry the
//! current scope, and take the manual API.

mod common;

use common::{float, string};
use last9_genai::{
    Last9GenAI, ModelPricing, PricingTable, TokenUsage, conversation, observe, tracing_layer,
};
use tracing_subscriber::layer::SubscriberExt;

#[observe]
fn observed_outer() {
    tracing::info_span!("tracing_child").in_scope(|| {});
}

#[observe]
fn observed_inner() {}

#[test]
fn tracing_and_observed_spans_nest_both_ways_and_carry_the_scope() {
    let (_turn, h) = common::observed();
    let subscriber = tracing_subscriber::registry().with(tracing_layer());
    tracing::subscriber::with_default(subscriber, || {
        let _c = conversation("session_9").user_id("u9").enter();
        observed_outer();
        tracing::info_span!("tracing_parent").in_scope(observed_inner);
    });
    let outer = h.span("observed_outer");
    let child = h.span("tracing_child");
    let parent = h.span("tracing_parent");
    let inner = h.span("observed_inner");
    assert_eq!(child.parent_span_id, outer.span_context.span_id());
    assert_eq!(inner.parent_span_id, parent.span_context.span_id());
    for span in [&outer, &child, &parent, &inner] {
        assert_eq!(
            string(span, "gen_ai.conversation.id").as_deref(),
            Some("session_9"),
            "{}",
            span.name
        );
        assert_eq!(
            string(span, "user.id").as_deref(),
            Some("u9"),
            "{}",
            span.name
        );
    }
    assert_eq!(
        child.instrumentation_scope.name(),
        last9_genai::TRACING_TRACER_NAME
    );
}

#[test]
fn the_manual_api_works_on_tracing_spans() {
    let (_turn, h) = common::observed();
    let subscriber = tracing_subscriber::registry().with(tracing_layer());
    let l9 = Last9GenAI::new()
        .pricing(PricingTable::new([("o1", ModelPricing::new(15.0, 60.0))]).unwrap());
    tracing::subscriber::with_default(subscriber, || {
        let mut span = tracing::info_span!("manual");
        let cost = l9.add_llm_cost_attributes(&mut span, "o1", &TokenUsage::new(1000, 100));
        assert_eq!(cost.map(|c| c.total_usd()), Some(0.021));
        l9.add_content_events(&mut span, Some("question"), None);
        drop(span);
    });
    let s = h.span("manual");
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.021));
    assert_eq!(
        s.events
            .iter()
            // The default layout: the conventions' event.
            .filter(|e| e.name == "gen_ai.client.inference.operation.details")
            .count(),
        1
    );
}
