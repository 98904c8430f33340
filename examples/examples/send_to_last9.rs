//! Sending to Last9 (or any OTLP backend), configured from the environment:
//!
//! ```sh
//! export OTEL_EXPORTER_OTLP_ENDPOINT="https://otlp.last9.io:443"
//! export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Basic%20<your key>"
//! export OTEL_SERVICE_NAME="support-bot"
//! cargo run -p examples --example send_to_last9
//! ```
//!
//! With no endpoint set it prints the trace instead, so it runs offline too.

use last9_genai::{ScopeExt, conversation, observe};

#[observe(metadata = { "category": "customer_support" }, skip(client))]
async fn handle(
    client: &async_openai::Client<async_openai::config::OpenAIConfig>,
    query: &str,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, async_openai::error::OpenAIError>
{
    examples::chat(client, "gpt-4o", query).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Ok(endpoint) => println!("exporting over OTLP to {endpoint}"),
        Err(_) => println!("OTEL_EXPORTER_OTLP_ENDPOINT is not set: printing the trace instead"),
    }
    let telemetry = examples::telemetry()?;
    let client = examples::openai().await?;
    let response = handle(&client, "Where is my order?")
        .with_scope(conversation("last9_demo").user_id("user_1"))
        .await?;
    println!(
        "{}",
        response.choices[0]
            .message
            .content
            .clone()
            .unwrap_or_default()
    );
    drop(telemetry); // flushes: nothing is lost on exit
    Ok(())
}
