//! Sync scopes: what each one stamps, nesting, and guards dropped out of order.

mod common;

use common::{Harness, SCOPE_KEYS, attr, int, string};
use last9_genai::{agent, conversation, current_conversation_id, custom_attributes, workflow};
use opentelemetry::Context;
use opentelemetry::trace::{Span as _, Tracer};

fn make(h: &Harness, name: &'static str) {
    h.tracer.start(name).end();
}

#[test]
fn conversation_stamps_id_user_and_turn() {
    let h = Harness::new();
    {
        let _c = conversation("session_123")
            .user_id("user_456")
            .turn_number(2)
            .enter();
        make(&h, "inside");
    }
    make(&h, "outside");
    let inside = h.span("inside");
    assert_eq!(
        string(&inside, "gen_ai.conversation.id").as_deref(),
        Some("session_123")
    );
    assert_eq!(string(&inside, "user.id").as_deref(), Some("user_456"));
    assert_eq!(int(&inside, "gen_ai.conversation.turn_number"), Some(2));
    let outside = h.span("outside");
    for key in SCOPE_KEYS {
        assert_eq!(attr(&outside, key), None, "{key} leaked out of the scope");
    }
}

#[test]
fn nested_scopes_match_the_python_nested_contexts_scenario() {
    // shared/reference/python-sdk-traces.jsonl, scenario "nested_contexts"
    let h = Harness::new();
    {
        let _c = conversation("user_session_789").user_id("user_789").enter();
        {
            let _w = workflow("product_search")
                .workflow_type("search")
                .tracer(h.tracer.clone())
                .enter();
            make(&h, "search_products");
        }
        make(&h, "handle_followup");
    }
    make(&h, "outside");

    let search = h.span("search_products");
    assert_eq!(
        string(&search, "gen_ai.conversation.id").as_deref(),
        Some("user_session_789")
    );
    assert_eq!(string(&search, "user.id").as_deref(), Some("user_789"));
    assert_eq!(
        string(&search, "workflow.id").as_deref(),
        Some("product_search")
    );
    assert_eq!(string(&search, "workflow.type").as_deref(), Some("search"));

    let followup = h.span("handle_followup");
    assert_eq!(
        string(&followup, "gen_ai.conversation.id").as_deref(),
        Some("user_session_789")
    );
    assert_eq!(string(&followup, "workflow.id"), None);
    assert_eq!(string(&followup, "workflow.type"), None);

    let outside = h.span("outside");
    for key in SCOPE_KEYS {
        assert_eq!(attr(&outside, key), None);
    }
}

#[test]
fn custom_agent_and_turn_match_the_python_scenario() {
    // scenario "custom_agent_turn"
    let h = Harness::new();
    {
        let _c = conversation("c1").turn_number(2).enter();
        let _a = agent("Planner").id("agent-1").version("3").enter();
        let _t = custom_attributes([("tenant", "acme")]).enter();
        make(&h, "plan");
    }
    let plan = h.span("plan");
    assert_eq!(string(&plan, "custom.tenant").as_deref(), Some("acme"));
    assert_eq!(string(&plan, "gen_ai.agent.id").as_deref(), Some("agent-1"));
    assert_eq!(
        string(&plan, "gen_ai.agent.name").as_deref(),
        Some("Planner")
    );
    assert_eq!(string(&plan, "gen_ai.agent.version").as_deref(), Some("3"));
    assert_eq!(string(&plan, "gen_ai.agent.description"), None);
    assert_eq!(
        string(&plan, "gen_ai.conversation.id").as_deref(),
        Some("c1")
    );
    assert_eq!(int(&plan, "gen_ai.conversation.turn_number"), Some(2));
}

#[test]
fn inner_values_win_and_outer_values_come_back() {
    let h = Harness::new();
    let _outer = conversation("outer").user_id("u-outer").enter();
    {
        let _inner = conversation("inner").enter();
        make(&h, "inner");
        {
            let _w = workflow("w")
                .user_id("u-workflow")
                .tracer(h.tracer.clone())
                .enter();
            make(&h, "in_workflow");
        }
    }
    make(&h, "outer");
    let inner = h.span("inner");
    assert_eq!(
        string(&inner, "gen_ai.conversation.id").as_deref(),
        Some("inner")
    );
    // the inner conversation sets no user: the outer one's stays
    assert_eq!(string(&inner, "user.id").as_deref(), Some("u-outer"));
    // the innermost scope that sets user.id wins
    let in_workflow = h.span("in_workflow");
    assert_eq!(
        string(&in_workflow, "user.id").as_deref(),
        Some("u-workflow")
    );
    assert_eq!(
        string(&in_workflow, "gen_ai.conversation.id").as_deref(),
        Some("inner")
    );
    let outer = h.span("outer");
    assert_eq!(
        string(&outer, "gen_ai.conversation.id").as_deref(),
        Some("outer")
    );
    assert_eq!(string(&outer, "user.id").as_deref(), Some("u-outer"));
}

#[test]
fn a_nested_agent_replaces_the_whole_identity() {
    let h = Harness::new();
    let _outer = agent("Planner")
        .id("agent-1")
        .description("plans")
        .version("3")
        .enter();
    {
        let _inner = agent("Searcher").enter();
        make(&h, "search");
    }
    make(&h, "plan");
    let search = h.span("search");
    assert_eq!(
        string(&search, "gen_ai.agent.name").as_deref(),
        Some("Searcher")
    );
    assert_eq!(string(&search, "gen_ai.agent.id"), None);
    assert_eq!(string(&search, "gen_ai.agent.description"), None);
    assert_eq!(string(&search, "gen_ai.agent.version"), None);
    let plan = h.span("plan");
    assert_eq!(
        string(&plan, "gen_ai.agent.description").as_deref(),
        Some("plans")
    );
}

#[test]
fn custom_keys_merge_and_never_overwrite_typed_keys() {
    let h = Harness::new();
    let _c = conversation("real").enter();
    let _a = custom_attributes([("tenant", "acme"), ("plan", "free")]).enter();
    let _b = custom_attributes([("plan", "pro"), ("gen_ai.conversation.id", "forged")]).enter();
    make(&h, "s");
    let s = h.span("s");
    assert_eq!(
        string(&s, "gen_ai.conversation.id").as_deref(),
        Some("real")
    );
    assert_eq!(
        string(&s, "custom.gen_ai.conversation.id").as_deref(),
        Some("forged")
    );
    assert_eq!(string(&s, "custom.tenant").as_deref(), Some("acme"));
    assert_eq!(string(&s, "custom.plan").as_deref(), Some("pro"));
}

#[test]
fn guards_dropped_out_of_order_leave_the_context_as_it_was() {
    let before = Context::current();
    assert_eq!(current_conversation_id(), None);
    let first = conversation("first").enter();
    let second = conversation("second").enter();
    let third = custom_attributes([("k", "v")]).enter();
    drop(first);
    // the innermost scope is still current
    assert_eq!(current_conversation_id().as_deref(), Some("second"));
    drop(third);
    assert_eq!(current_conversation_id().as_deref(), Some("second"));
    drop(second);
    assert_eq!(current_conversation_id(), None);
    let h = Harness::new();
    make(&h, "after");
    for key in SCOPE_KEYS {
        assert_eq!(attr(&h.span("after"), key), None);
    }
    assert!(Context::current().get::<u8>().is_none());
    drop(before);
}

#[test]
fn very_long_and_odd_ids_are_carried_unchanged() {
    let h = Harness::new();
    let long = "x".repeat(1 << 20);
    let odd = "çønv\u{0}\n\t\"'<>🦀\u{202e}";
    {
        let _c = conversation(long.as_str()).user_id(odd).enter();
        make(&h, "s");
    }
    let s = h.span("s");
    assert_eq!(
        string(&s, "gen_ai.conversation.id").map(|v| v.len()),
        Some(1 << 20)
    );
    assert_eq!(string(&s, "user.id").as_deref(), Some(odd));
}

#[test]
fn spans_started_with_an_explicit_parent_context_take_its_scope() {
    let h = Harness::new();
    let cx = Context::current().with_value(7u8);
    let request_cx = {
        let _c = conversation("explicit").enter();
        Context::current()
    };
    let _other = conversation("current").enter();
    let mut span = h.tracer.start_with_context("explicit_parent", &request_cx);
    span.end();
    drop(cx);
    assert_eq!(
        string(&h.span("explicit_parent"), "gen_ai.conversation.id").as_deref(),
        Some("explicit")
    );
}
