//! Budgets on workflows and conversations: exact totals under threads,
//! nested budgets each kept, the checks code inside asks, the events a
//! crossing records, and the console's mark.

mod common;

use std::sync::{Arc, Barrier};

use common::{Harness, Written, float, int, string};
use last9_genai::{
    BudgetUnit, ConsoleExporter, Last9SpanProcessor, check_budget, conversation, over_budget,
    remaining_tokens, remaining_usd, spawn_thread, workflow,
};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SimpleSpanProcessor, SpanData};

/// A model span of gpt-4o (2.50 / 10.0 USD per million tokens), started:
/// 1000 input and 500 output tokens cost exactly $0.0075.
fn model_span(tracer: &SdkTracer, name: &'static str) -> opentelemetry_sdk::trace::Span {
    let mut span = tracer.start(name);
    span.set_attributes([
        KeyValue::new("gen_ai.request.model", "gpt-4o"),
        KeyValue::new("gen_ai.usage.input_tokens", 1000),
        KeyValue::new("gen_ai.usage.output_tokens", 500),
    ]);
    span
}

/// A model call of $0.0075 that ends now.
fn llm_call(h: &Harness, name: &'static str) {
    model_span(&h.tracer, name).end();
}

const CALL_USD: f64 = 0.0075;

fn events<'a>(span: &'a SpanData, name: &str) -> Vec<&'a opentelemetry::trace::Event> {
    span.events.iter().filter(|e| e.name == name).collect()
}

/// The names of `span`'s events, in order.
fn event_names(span: &SpanData) -> Vec<String> {
    span.events.iter().map(|e| e.name.to_string()).collect()
}

fn event_value(event: &opentelemetry::trace::Event, key: &str) -> String {
    event
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
        .unwrap_or_else(|| panic!("no {key} on {}", event.name))
}

#[test]
fn spending_in_a_child_counts_toward_every_enclosing_budget() {
    let h = Harness::new();
    let outer = workflow("outer")
        .budget_usd(0.01)
        .tracer(h.tracer.clone())
        .enter();
    {
        let inner = workflow("inner")
            .budget_usd(0.005)
            .tracer(h.tracer.clone())
            .enter();
        assert_eq!(inner.remaining_usd(), Some(0.005), "the tighter one");
        llm_call(&h, "step-1");
        assert!(inner.over_budget());
        assert_eq!(inner.remaining_usd(), Some(0.0));
        let spent = check_budget().unwrap_err();
        assert_eq!(
            (spent.scope(), spent.scope_id(), spent.unit()),
            ("workflow", "inner", BudgetUnit::Usd)
        );
        assert_eq!((spent.budget(), spent.spent()), (0.005, CALL_USD));
        assert!(!outer.over_budget(), "0.0075 of 0.01");
        assert_eq!(outer.remaining_usd(), Some(0.0025));
        assert_eq!(outer.total_cost_usd(), CALL_USD);
    }
    assert_eq!(remaining_usd(), Some(0.0025));
    assert!(check_budget().is_ok());
    llm_call(&h, "step-2");
    let spent = check_budget().unwrap_err();
    assert_eq!(spent.scope_id(), "outer");
    assert_eq!(spent.spent(), 2.0 * CALL_USD);
    assert_eq!(
        spent.to_string(),
        "the budget of workflow \"outer\" is spent: 0.015 of 0.01 usd"
    );
    drop(outer);
    assert!(check_budget().is_ok(), "no budget outside the scopes");
    assert_eq!(remaining_usd(), None);
    let inner = h.span("inner");
    assert_eq!(float(&inner, "gen_ai.l9.workflow.budget_usd"), Some(0.005));
    assert_eq!(
        common::attr(&inner, "gen_ai.l9.workflow.over_budget"),
        Some(true.into())
    );
    let outer = h.span("outer");
    assert_eq!(float(&outer, "workflow.total_cost_usd"), Some(0.015));
    // The same total in whole micro-dollars, an integer a Collector's
    // tail-sampling `numeric_attribute` policy can compare.
    assert_eq!(
        common::int(&outer, "gen_ai.l9.workflow.total_cost_micro_usd"),
        Some(15_000)
    );
    assert_eq!(int(&outer, "gen_ai.l9.workflow.total_tokens"), Some(3000));
}

#[test]
fn totals_are_exact_under_eight_threads_and_each_crossing_is_said_once() {
    let h = Arc::new(Harness::new());
    let wf = workflow("fan_out")
        .budget_usd(1.0)
        .budget_tokens(600_000)
        .tracer(h.tracer.clone())
        .enter();
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (h, start) = (h.clone(), start.clone());
            spawn_thread(move || {
                start.wait();
                for _ in 0..100 {
                    llm_call(&h, "call");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(wf.llm_calls(), 800);
    assert_eq!(wf.total_cost_usd(), 6.0, "800 × $0.0075, exactly");
    assert_eq!(wf.total_tokens(), 1_200_000);
    assert_eq!(wf.remaining_tokens(), Some(0));
    drop(wf);
    let spans = h.spans();
    let calls: Vec<&SpanData> = spans.iter().filter(|s| s.name == "call").collect();
    assert_eq!(calls.len(), 800);
    let count = |name: &str, unit: &str| {
        calls
            .iter()
            .flat_map(|s| events(s, name))
            .filter(|e| event_value(e, "gen_ai.l9.budget.unit") == unit)
            .count()
    };
    assert_eq!(count("gen_ai.l9.budget.exceeded", "usd"), 1);
    assert_eq!(count("gen_ai.l9.budget.warning", "usd"), 1);
    assert_eq!(count("gen_ai.l9.budget.exceeded", "tokens"), 1);
    assert_eq!(count("gen_ai.l9.budget.warning", "tokens"), 1);
    let wf = h.span("fan_out");
    assert_eq!(wf.events.len(), 4, "{:?}", wf.events);
    assert_eq!(int(&wf, "gen_ai.l9.workflow.budget_tokens"), Some(600_000));
}

/// 80% by default; the threshold given moves it. The event on the call
/// that crossed names the scope, the budget and what was spent; the
/// workflow's span gets both events when it closes, in the order they
/// happened.
#[test]
fn crossing_the_warning_threshold_and_the_budget_records_events() {
    let h = Harness::new();
    let wf = workflow("agent")
        .budget_usd(0.02)
        .budget_warning_at(0.5)
        .tracer(h.tracer.clone())
        .enter();
    llm_call(&h, "first"); // 0.0075: below half
    llm_call(&h, "second"); // 0.015: past half
    llm_call(&h, "third"); // 0.0225: spent
    drop(wf);
    assert!(h.span("first").events.is_empty());
    let second = h.span("second");
    let warning = events(&second, "gen_ai.l9.budget.warning");
    assert_eq!(warning.len(), 1);
    assert!(events(&second, "gen_ai.l9.budget.exceeded").is_empty());
    assert_eq!(
        event_value(warning[0], "gen_ai.l9.budget.scope"),
        "workflow"
    );
    assert_eq!(
        event_value(warning[0], "gen_ai.l9.budget.scope_id"),
        "agent"
    );
    assert_eq!(event_value(warning[0], "gen_ai.l9.budget.amount"), "0.02");
    assert_eq!(event_value(warning[0], "gen_ai.l9.budget.spent"), "0.015");
    let third = h.span("third");
    let exceeded = events(&third, "gen_ai.l9.budget.exceeded");
    assert_eq!(event_value(exceeded[0], "gen_ai.l9.budget.spent"), "0.0225");
    let wf = h.span("agent");
    assert_eq!(
        event_names(&wf),
        ["gen_ai.l9.budget.warning", "gen_ai.l9.budget.exceeded"]
    );
    assert!(wf.events[0].timestamp <= wf.events[1].timestamp);
    assert_eq!(float(&wf, "gen_ai.l9.workflow.budget_usd"), Some(0.02));
    assert_eq!(
        common::attr(&wf, "gen_ai.l9.workflow.over_budget"),
        Some(true.into())
    );
}

/// Without a budget a workflow's span is as it was: no budget keys.
#[test]
fn a_workflow_without_a_budget_writes_no_budget_keys() {
    let h = Harness::new();
    {
        let _wf = workflow("plain").tracer(h.tracer.clone()).enter();
        llm_call(&h, "call");
    }
    let wf = h.span("plain");
    for key in [
        "gen_ai.l9.workflow.budget_usd",
        "gen_ai.l9.workflow.budget_tokens",
        "gen_ai.l9.workflow.total_tokens",
        "gen_ai.l9.workflow.over_budget",
    ] {
        assert_eq!(common::attr(&wf, key), None, "{key}");
    }
    assert!(wf.events.is_empty());
}

/// A call already running when another spends the budget is counted when
/// it ends, and the check after it sees it.
#[test]
fn a_call_in_flight_when_the_budget_is_crossed_is_counted() {
    let h = Arc::new(Harness::new());
    let wf = workflow("agent")
        .budget_usd(0.01)
        .tracer(h.tracer.clone())
        .enter();
    let started = Arc::new(Barrier::new(2));
    let crossed = Arc::new(Barrier::new(2));
    let in_flight = {
        let (h, started, crossed) = (h.clone(), started.clone(), crossed.clone());
        spawn_thread(move || {
            let mut span = model_span(&h.tracer, "in_flight");
            started.wait();
            crossed.wait();
            span.end();
        })
    };
    started.wait();
    llm_call(&h, "first");
    llm_call(&h, "second");
    assert!(over_budget());
    crossed.wait();
    in_flight.join().unwrap();
    assert_eq!(wf.llm_calls(), 3);
    assert_eq!(check_budget().unwrap_err().spent(), 3.0 * CALL_USD);
}

/// A conversation keeps its totals across turns entered one after the
/// other; each turn's spans carry its number; a crossing names the
/// conversation and lands on the span of the call that crossed.
#[test]
fn a_conversation_keeps_totals_and_a_token_budget_across_its_turns() {
    let h = Harness::new();
    let chat = conversation("session-9")
        .user_id("u1")
        .budget_tokens(4000)
        .start();
    for turn in 1..=3 {
        let _turn = chat.turn(turn).enter();
        assert_eq!(
            remaining_tokens(),
            Some(4000u64.saturating_sub(1500 * u64::from(turn - 1)))
        );
        llm_call(&h, "answer");
    }
    assert_eq!(chat.llm_calls(), 3);
    assert_eq!(chat.total_tokens(), 4500);
    assert_eq!(chat.total_cost_usd(), 3.0 * CALL_USD);
    let spent = chat.check_budget().unwrap_err();
    assert_eq!(
        (
            spent.scope(),
            spent.scope_id(),
            spent.unit(),
            spent.budget()
        ),
        ("conversation", "session-9", BudgetUnit::Tokens, 4000.0)
    );
    let spans = h.spans();
    let turns: Vec<Option<i64>> = spans
        .iter()
        .map(|s| int(s, "gen_ai.conversation.turn_number"))
        .collect();
    assert_eq!(turns, [Some(1), Some(2), Some(3)]);
    let crossing: Vec<(Option<i64>, String)> = spans
        .iter()
        .flat_map(|s| {
            s.events.iter().map(|e| {
                (
                    int(s, "gen_ai.conversation.turn_number"),
                    e.name.to_string(),
                )
            })
        })
        .collect();
    assert_eq!(
        crossing,
        [
            (Some(3), "gen_ai.l9.budget.warning".to_owned()),
            (Some(3), "gen_ai.l9.budget.exceeded".to_owned())
        ],
        "3200 tokens is 80% of 4000, reached by the third call"
    );
    assert_eq!(
        string(&spans[2], "gen_ai.conversation.id").as_deref(),
        Some("session-9")
    );
}

/// The guard of an entered conversation reads its totals; a workflow
/// inside counts toward it.
#[test]
fn a_workflow_inside_a_conversation_counts_toward_it() {
    let h = Harness::new();
    let chat = conversation("c1").budget_usd(0.01).enter();
    {
        let _wf = workflow("turn").tracer(h.tracer.clone()).enter();
        llm_call(&h, "call");
        assert_eq!(remaining_usd(), Some(0.0025));
    }
    assert_eq!(chat.total_cost_usd(), CALL_USD);
    assert_eq!(chat.llm_calls(), 1);
    let chat = chat.leave();
    assert_eq!(last9_genai::current_conversation_id(), None);
    {
        let _again = chat.enter();
        llm_call(&h, "later");
    }
    assert!(chat.over_budget(), "0.015 of 0.01");
}

/// A budget that cannot be is refused and leaves the scope without one; a
/// threshold out of range keeps the default.
#[test]
fn impossible_budgets_are_refused() {
    for usd in [-1.0, f64::NAN, f64::INFINITY] {
        let wf = workflow("w").budget_usd(usd).start();
        assert_eq!(wf.budget_usd(), None, "{usd}");
        assert!(!wf.over_budget());
    }
    // 0.0075 of 0.009 is 83%: past the default 80%, below any threshold
    // that a refused value would have set.
    for fraction in [1.5, 0.0, -0.1, f64::NAN] {
        let h = Harness::new();
        {
            let _wf = workflow("w")
                .budget_usd(0.009)
                .budget_warning_at(fraction)
                .tracer(h.tracer.clone())
                .enter();
            llm_call(&h, "call");
        }
        assert_eq!(
            event_names(&h.span("call")),
            ["gen_ai.l9.budget.warning"],
            "{fraction} was refused, 80% kept"
        );
    }
    let big = workflow("w").budget_usd(1e300).start();
    assert!(
        !big.over_budget(),
        "an enormous budget saturates, is never spent"
    );
}

/// The console tree marks a workflow that spent its budget.
#[test]
fn the_console_tree_marks_an_over_budget_workflow() {
    let written = Written::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .pricing(common::pricing())
                .wrap(SimpleSpanProcessor::new(
                    ConsoleExporter::to_writer(written.clone()).colors(false),
                )),
        )
        .build();
    let tracer = provider.tracer("test");
    for (name, budget) in [("thrifty", 1.0), ("spendthrift", 0.005)] {
        let _wf = workflow(name)
            .budget_usd(budget)
            .tracer(tracer.clone())
            .enter();
        model_span(&tracer, "chat").end();
    }
    provider.force_flush().unwrap();
    let text = written.text();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(&format!("workflow {name}")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
            .to_owned()
    };
    assert!(line("thrifty").contains("budget $1.000000"), "{text}");
    assert!(!line("thrifty").contains("OVER BUDGET"), "{text}");
    assert!(
        line("spendthrift").contains("OVER BUDGET (budget $0.005000)"),
        "{text}"
    );
}

/// A budget is spent when the total reaches it exactly: two calls of
/// $0.0075 spend a $0.015 budget, and the second records the crossing.
#[test]
fn reaching_the_budget_exactly_spends_it() {
    let h = Harness::new();
    let wf = workflow("exact")
        .budget_usd(2.0 * CALL_USD)
        .budget_warning_at(0.5)
        .tracer(h.tracer.clone())
        .enter();
    llm_call(&h, "first");
    assert_eq!(wf.remaining_usd(), Some(CALL_USD));
    assert!(!wf.over_budget());
    llm_call(&h, "second");
    assert_eq!(wf.remaining_usd(), Some(0.0));
    assert!(wf.over_budget());
    drop(wf);
    assert_eq!(
        event_names(&h.span("first")),
        ["gen_ai.l9.budget.warning"],
        "half of it, exactly"
    );
    assert_eq!(
        event_names(&h.span("second")),
        ["gen_ai.l9.budget.exceeded"]
    );
}

/// An enormous scope id holding control characters: the warnings and the
/// error message show 256 bytes of it, escaped; the error and the span
/// keep it whole; the calls go on.
#[test]
fn an_enormous_scope_id_is_cut_in_warnings_and_messages() {
    use tracing_subscriber::layer::SubscriberExt;
    let id = format!("\u{1b}[31m{}", "x".repeat(1 << 20));
    let h = Harness::new();
    let warnings = common::Warnings::default();
    let subscriber = tracing_subscriber::registry().with(warnings.clone());
    let spent = tracing::subscriber::with_default(subscriber, || {
        let wf = workflow(id.as_str())
            .budget_usd(CALL_USD)
            .budget_warning_at(2.0)
            .tracer(h.tracer.clone())
            .enter();
        llm_call(&h, "call");
        wf.check_budget().unwrap_err()
    });
    let seen = warnings.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}"); // refused threshold, warning, exceeded
    for warning in &seen {
        assert!(warning.len() < 600, "{} bytes", warning.len());
        assert!(!warning.contains('\u{1b}'), "{warning}");
    }
    assert!(seen[2].contains("spent its budget"), "{}", seen[2]);
    let message = spent.to_string();
    assert!(message.len() < 600 && !message.contains('\u{1b}'));
    assert_eq!(spent.scope_id(), id);
    let event = &h.span("call").events[1];
    assert_eq!(event_value(event, "gen_ai.l9.budget.scope_id"), id);
}
