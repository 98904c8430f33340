//! OpenAI through the `async-openai` client, unchanged: `#[observe]` reads
//! the typed response for model, usage, cached tokens and finish reason, and
//! prices it; a conversation scope ties the turns together.
//!
//! `cargo run -p examples --example openai_integration` talks to a scripted
//! provider on 127.0.0.1; with `OPENAI_API_KEY` set it talks to OpenAI.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
    CreateChatCompletionResponse,
};
use last9_genai::{ScopeExt, conversation, observe};

#[observe(name = "openai.chat", tags = ["example"], metadata = { "category": "qa" })]
async fn ask(
    client: &Client<OpenAIConfig>,
    question: &str,
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(question)
            .build()?
            .into()])
        .build()?;
    client.chat().create(request).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = last9_genai::Install::from_env()?
        .pricing(examples::pricing())
        .install()?;
    let client = examples::openai().await?;
    async {
        for question in ["What is the capital of France?", "Where is my order?"] {
            let response = ask(&client, question).await?;
            let text = response.choices[0]
                .message
                .content
                .clone()
                .unwrap_or_default();
            println!("Q: {question}\nA: {text}");
        }
        Ok::<_, OpenAIError>(())
    }
    .with_scope(conversation("openai_session").user_id("user_1"))
    .await?;
    drop(telemetry);
    Ok(())
}
