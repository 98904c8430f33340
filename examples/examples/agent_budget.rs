//! A looping agent that stops cleanly when its workflow's budget is spent.
//!
//! The agent keeps asking the model for the next step. Before each step it
//! checks the budget with `check_budget()?`; once the model calls inside the
//! workflow have spent $0.01 the check fails with a typed error, and the
//! loop ends with what it has. The workflow's span records the warning at
//! 80% and the crossing, and the tree marks it over budget. Prices come from
//! the bundled, dated price table (`bundled_prices(true)`), so no table is
//! given here.
//!
//! `cargo run -p examples --example agent_budget`

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use last9_genai::{BudgetExceeded, ScopeExt, check_budget, observe, workflow};

/// One step: ask the model what to do next.
#[observe(kind = "llm", name = "next_step", skip(client))]
async fn next_step(
    client: &Client<OpenAIConfig>,
    step: u32,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, async_openai::error::OpenAIError>
{
    examples::chat(
        client,
        "gpt-4o",
        &format!("Research step {step}: what next?"),
    )
    .await
}

/// The agent's loop: it runs until the budget says stop (or ten steps).
async fn research(client: &Client<OpenAIConfig>) -> (u32, Option<BudgetExceeded>) {
    for step in 1..=10 {
        if let Err(spent) = check_budget() {
            return (step - 1, Some(spent));
        }
        if next_step(client, step).await.is_err() {
            return (step, None);
        }
    }
    (10, None)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = last9_genai::Install::from_env()?
        .bundled_prices(true)
        .install()?;
    let client = examples::openai().await?;
    let wf = workflow("research_agent").budget_usd(0.01).start();
    let (steps, stopped) = research(&client).with_scope(&wf).await;
    match stopped {
        Some(spent) => println!("stopped after {steps} steps: {spent}"),
        None => println!("finished in {steps} steps"),
    }
    println!(
        "spent ${:.6} of ${:.2} in {} model calls",
        wf.total_cost_usd(),
        wf.budget_usd().unwrap_or_default(),
        wf.llm_calls()
    );
    drop(wf);
    drop(telemetry);
    Ok(())
}
