//! Scopes: every span started inside a conversation, workflow, agent or
//! custom-attribute scope carries its attributes, whoever makes the span;
//! inner scopes win and outer ones come back.
//!
//! `cargo run -p examples --example context_tracking`

use last9_genai::{agent, conversation, custom_attributes, workflow};
use opentelemetry::trace::{Span as _, Tracer as _};

fn step(name: &'static str) {
    opentelemetry::global::tracer("context-tracking")
        .start(name)
        .end();
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    {
        let _conversation = conversation("user_session_789").user_id("user_789").enter();
        let _tenant = custom_attributes([("tenant", "acme")]).enter();
        {
            let _workflow = workflow("product_search").workflow_type("search").enter();
            let _agent = agent("Searcher").version("2").enter();
            step("search_products");
            step("rank_results");
        }
        step("handle_followup"); // conversation only: the workflow has closed
    }
    step("outside"); // no scope at all
    println!("made 4 spans in nested scopes");
    drop(telemetry);
    Ok(())
}
