//! Many scopes crossing their budgets at once: the warnings are bounded,
//! while every crossing is still marked on its span. A binary of its own,
//! so that the bound it fills is not shared with other tests.

mod common;

use common::Harness;
use last9_genai::workflow;
use tracing_subscriber::layer::SubscriberExt;

/// How many budget warnings a minute are said at most (the crate's
/// `BUDGET_WARNINGS_A_MINUTE`).
const A_MINUTE: usize = 100;

/// 300 workflows, each spending its budget in one call: 600 crossings
/// (warning, then exceeded), 100 warnings said, 600 events on the spans.
#[test]
fn a_flood_of_budget_crossings_says_at_most_a_hundred_warnings() {
    let h = Harness::new();
    let warnings = common::Warnings::default();
    let subscriber = tracing_subscriber::registry().with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..300 {
            let _wf = workflow(format!("wf-{i}"))
                .budget_usd(0.001)
                .tracer(h.tracer.clone())
                .enter();
            common::gpt4o_call(&h.tracer, "call");
        }
    });
    let seen = warnings.0.lock().unwrap().clone();
    assert_eq!(seen.len(), A_MINUTE);
    assert!(
        seen[0].contains("\"wf-0\" reached the warning threshold"),
        "{}",
        seen[0]
    );
    assert!(seen[1].contains("\"wf-0\" spent its budget"), "{}", seen[1]);
    let events: usize = h
        .spans()
        .iter()
        .filter(|s| s.name == "call")
        .map(|s| {
            s.events
                .iter()
                .filter(|e| e.name.starts_with("gen_ai.l9.budget."))
                .count()
        })
        .sum();
    assert_eq!(events, 600);
}
