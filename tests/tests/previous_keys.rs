//! Last9's own workflow keys moved under Last9's namespace (`gen_ai.l9.`);
//! with `LAST9_GENAI_PREVIOUS_KEYS=true` (here `set_previous_keys`, for this
//! whole test binary) each is written under its previous name too, with the
//! same value, for one release, and a run id sent in baggage by a service
//! not yet moved is still read. Without the switch, only the new names go
//! out (`workflows.rs`, `budgets.rs`, `across_services.rs`).

mod common;

use common::{Harness, attr, string};
use last9_genai::attributes::{self, previous};
use last9_genai::{Propagation, workflow};
use opentelemetry::trace::{Span as _, Tracer};

#[test]
fn every_renamed_key_goes_out_under_both_names_with_one_value() {
    last9_genai::set_previous_keys(true);
    assert!(last9_genai::previous_keys());
    let h = Harness::new();
    {
        let _wf = workflow("triage")
            .budget_usd(1.0)
            .budget_tokens(10_000)
            .tracer(h.tracer.clone())
            .enter();
        common::gpt4o_call(&h.tracer, "call");
    }
    let wf = h.span("triage");
    let pairs = [
        (attributes::WORKFLOW_RUN_ID, previous::WORKFLOW_RUN_ID),
        (
            attributes::WORKFLOW_TOTAL_COST_MICRO_USD,
            previous::WORKFLOW_TOTAL_COST_MICRO_USD,
        ),
        (
            attributes::WORKFLOW_BUDGET_USD,
            previous::WORKFLOW_BUDGET_USD,
        ),
        (
            attributes::WORKFLOW_BUDGET_TOKENS,
            previous::WORKFLOW_BUDGET_TOKENS,
        ),
        (
            attributes::WORKFLOW_TOTAL_TOKENS,
            previous::WORKFLOW_TOTAL_TOKENS,
        ),
        (
            attributes::WORKFLOW_OVER_BUDGET,
            previous::WORKFLOW_OVER_BUDGET,
        ),
    ];
    for (new, old) in pairs {
        assert!(new.starts_with("gen_ai.l9.workflow."), "{new}");
        let value = attr(&wf, new).unwrap_or_else(|| panic!("no {new}"));
        assert_eq!(attr(&wf, old), Some(value), "{old} beside {new}");
    }
    // The values themselves: 1500 tokens, $0.0075 in micro-dollars.
    assert_eq!(
        common::int(&wf, attributes::WORKFLOW_TOTAL_TOKENS),
        Some(1500)
    );
    assert_eq!(
        common::int(&wf, previous::WORKFLOW_TOTAL_COST_MICRO_USD),
        Some(7500)
    );
    // The scope's keys on the step's span too.
    let call = h.span("call");
    let run = string(&call, attributes::WORKFLOW_RUN_ID).unwrap();
    assert_eq!(string(&call, previous::WORKFLOW_RUN_ID), Some(run));
}

#[test]
fn a_run_id_in_baggage_is_read_under_either_name() {
    last9_genai::set_previous_keys(true);
    let h = Harness::new();
    let propagation = Propagation::new().carry_workflow();
    let mut headers = http::HeaderMap::new();
    {
        let _wf = workflow("triage").tracer(h.tracer.clone()).enter();
        propagation.inject(&mut headers);
    }
    let baggage = headers["baggage"].to_str().unwrap().to_owned();
    let run = string(&h.span("triage"), attributes::WORKFLOW_RUN_ID).unwrap();
    assert!(
        baggage.contains(&format!("{}={run}", attributes::WORKFLOW_RUN_ID)),
        "{baggage}"
    );
    assert!(
        baggage.contains(&format!("{}={run}", previous::WORKFLOW_RUN_ID)),
        "{baggage}"
    );
    // A service not yet moved sends the previous name only.
    let mut old = http::HeaderMap::new();
    old.insert(
        "baggage",
        "workflow.id=triage,workflow.run_id=00000000000000ab"
            .parse()
            .unwrap(),
    );
    let cx = propagation.extract(&old);
    {
        let _in = cx.attach();
        h.tracer.start("downstream").end();
    }
    let downstream = h.span("downstream");
    assert_eq!(
        string(&downstream, attributes::WORKFLOW_RUN_ID).as_deref(),
        Some("00000000000000ab")
    );
}
