//! AWS Bedrock's Converse API: `#[observe]` reads the response for tokens
//! as Bedrock counts them (`inputTokens` leaves the prompt cache out; the
//! span's input counts it, as the conventions ask), the stop reason and
//! the provider `aws.bedrock`. A Converse response names no model: the
//! call is priced as the model id it asked for, a cross-region inference
//! profile (`us.anthropic.…`) priced as its model, from the bundled table.
//!
//! `cargo run -p examples --example bedrock_converse` talks to a scripted
//! Bedrock runtime on 127.0.0.1. (The real API wants SigV4-signed
//! requests, which this example does not make; a body of the real API, or
//! of a ConverseStream's events as JSON, is read the same way.)

use examples::provider::ScriptedProvider;
use last9_genai::{ScopeExt, conversation, observe};
use serde_json::{Value, json};

struct Bedrock {
    http: reqwest::Client,
    base: String,
}

#[observe(name = "bedrock.converse", skip(client))]
async fn converse(client: &Bedrock, model: &str, question: &str) -> Result<Value, reqwest::Error> {
    client
        .http
        .post(format!("{}/model/{model}/converse", client.base))
        .json(&json!({
            "messages": [{"role": "user", "content": [{"text": question}]}],
            "inferenceConfig": {"maxTokens": 256}
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = last9_genai::Install::from_env()?
        .bundled_prices(true)
        .install()?;
    let client = Bedrock {
        http: reqwest::Client::new(),
        base: ScriptedProvider::start().await?.bedrock_base(),
    };
    let question = "What is the capital of France?";
    let model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let response = converse(&client, model, question)
        .with_scope(conversation("bedrock_session").user_id("user_3"))
        .await?;
    println!(
        "Q: {question}\nA: {}",
        response["output"]["message"]["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
    );
    drop(telemetry);
    Ok(())
}
