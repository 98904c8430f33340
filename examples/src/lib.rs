//! What the examples share: a scripted model provider on 127.0.0.1 that
//! speaks the providers' real wire formats, so that the real client crates
//! run unchanged, and the example prices.
//!
//! Run an example with `cargo run -p examples --example NAME`. When a
//! provider's API key is set (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`), the
//! examples call the real provider instead.

pub mod provider;
pub mod remote;

use last9_genai::{ModelPricing, PricingTable};

/// Example prices in USD per million tokens, as published in February 2026.
/// Check your provider's pricing page: prices change.
pub fn pricing() -> PricingTable {
    PricingTable::new([
        (
            "gpt-4o",
            ModelPricing::new(2.50, 10.0).with_cache_read(1.25),
        ),
        ("gpt-4o-mini", ModelPricing::new(0.15, 0.60)),
        (
            "claude-sonnet-4-5",
            ModelPricing::new(3.0, 15.0).with_cache_read(0.30),
        ),
    ])
    .expect("the example prices are valid")
}

/// Sets tracing up as every example does: from the environment, with the
/// example prices; the trace tree goes to stderr when no endpoint is set.
pub fn telemetry() -> Result<last9_genai::TelemetryGuard, last9_genai::InstallError> {
    last9_genai::Install::from_env()?
        .pricing(pricing())
        .install()
}

/// An OpenAI client: the real API when `OPENAI_API_KEY` is set, else a
/// scripted provider started on 127.0.0.1 (on the current runtime).
pub async fn openai() -> std::io::Result<async_openai::Client<async_openai::config::OpenAIConfig>> {
    use async_openai::config::OpenAIConfig;
    let config = match std::env::var("OPENAI_API_KEY") {
        Ok(key) => OpenAIConfig::new().with_api_key(key),
        Err(_) => OpenAIConfig::new()
            .with_api_key("scripted")
            .with_api_base(provider::ScriptedProvider::start().await?.openai_base()),
    };
    Ok(async_openai::Client::with_config(config))
}

/// One chat completion of `question` on `model`.
pub async fn chat(
    client: &async_openai::Client<async_openai::config::OpenAIConfig>,
    model: &str,
    question: &str,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, async_openai::error::OpenAIError>
{
    use async_openai::types::chat::{
        ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
    };
    let request = CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(question)
            .build()?
            .into()])
        .build()?;
    client.chat().create(request).await
}
