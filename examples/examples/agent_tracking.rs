//! An agent: its identity on every span of its run, a planner calling
//! tools, and the run's cost as a workflow total.
//!
//! `cargo run -p examples --example agent_tracking`

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use last9_genai::{ScopeExt, agent, observe, workflow};

#[observe(kind = "tool")]
async fn get_weather(city: &str) -> String {
    format!("18°C and sunny in {city}")
}

/// Asks the model for a plan; the call's span is `async-openai`'s response,
/// read and priced by `#[observe]`.
#[observe(kind = "llm", name = "plan", skip(client))]
async fn plan(
    client: &Client<OpenAIConfig>,
    goal: &str,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, async_openai::error::OpenAIError>
{
    examples::chat(
        client,
        "gpt-4o-mini",
        &format!("Plan {goal}: which cities?"),
    )
    .await
}

#[observe(kind = "agent", name = "trip_planner", skip(client))]
async fn run(client: &Client<OpenAIConfig>, goal: &str) -> String {
    let mut notes = Vec::new();
    let _plan = plan(client, goal).await;
    for city in ["Paris", "Lyon"] {
        notes.push(get_weather(city).await);
    }
    notes.join("; ")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    let client = examples::openai().await?;
    // A scope builds on the context current when `with_scope` is called:
    // nest the calls to nest the scopes, the workflow outside the agent.
    let report = async {
        run(&client, "a weekend in France")
            .with_scope(agent("TripPlanner").id("agent-7").version("1.2"))
            .await
    }
    .with_scope(workflow("trip_planning").workflow_type("agent"))
    .await;
    println!("{report}");
    drop(telemetry);
    Ok(())
}
