//! An agent: its identity on every span of its run, a planner calling
//! tools, and the run's cost as a workflow total.
//!
//! `cargo run -p examples --example agent_tracking`

use last9_genai::{ScopeExt, TokenUsage, agent, observe, record_usage, workflow};

#[observe(kind = "tool")]
async fn get_weather(city: &str) -> String {
    format!("18°C and sunny in {city}")
}

#[observe(kind = "llm", name = "plan")]
async fn plan(goal: &str) -> Vec<&'static str> {
    let _ = goal;
    record_usage("gpt-4o-mini", TokenUsage::new(800, 60));
    vec!["Paris", "Lyon"]
}

#[observe(kind = "agent", name = "trip_planner")]
async fn run(goal: &str) -> String {
    let mut notes = Vec::new();
    for city in plan(goal).await {
        notes.push(get_weather(city).await);
    }
    notes.join("; ")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    // A scope builds on the context current when `with_scope` is called:
    // nest the calls to nest the scopes, the workflow outside the agent.
    let report = async {
        run("a weekend in France")
            .with_scope(agent("TripPlanner").id("agent-7").version("1.2"))
            .await
    }
    .with_scope(workflow("trip_planning").workflow_type("agent"))
    .await;
    println!("{report}");
    drop(telemetry);
    Ok(())
}
