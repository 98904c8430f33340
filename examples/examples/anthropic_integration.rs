//! Anthropic's Messages API over plain HTTP: `#[observe]` reads the message
//! for model, usage (cache tokens included) and stop reason, and prices it.
//!
//! `cargo run -p examples --example anthropic_integration` talks to a
//! scripted provider on 127.0.0.1; with `ANTHROPIC_API_KEY` set it talks to
//! Anthropic.

use examples::provider::ScriptedProvider;
use last9_genai::{ScopeExt, conversation, observe};
use serde_json::{Value, json};

struct Anthropic {
    http: reqwest::Client,
    base: String,
    key: String,
}

#[observe(name = "anthropic.messages", skip(client))]
async fn ask(client: &Anthropic, question: &str) -> Result<Value, reqwest::Error> {
    client
        .http
        .post(format!("{}/v1/messages", client.base))
        .header("x-api-key", &client.key)
        .header("anthropic-version", "2023-06-01")
        .json(&json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 256,
            "messages": [{ "role": "user", "content": question }]
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
        .pricing(examples::pricing())
        .install()?;
    let client = match std::env::var("ANTHROPIC_API_KEY") {
        Ok(key) => Anthropic {
            http: reqwest::Client::new(),
            base: "https://api.anthropic.com".into(),
            key,
        },
        Err(_) => Anthropic {
            http: reqwest::Client::new(),
            base: ScriptedProvider::start().await?.anthropic_base(),
            key: "scripted".into(),
        },
    };
    let question = "What is the capital of France?";
    let message = ask(&client, question)
        .with_scope(conversation("anthropic_session").user_id("user_2"))
        .await?;
    println!(
        "Q: {question}\nA: {}",
        message["content"][0]["text"].as_str().unwrap_or_default()
    );
    drop(telemetry);
    Ok(())
}
