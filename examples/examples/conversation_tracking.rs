//! A multi-turn conversation through the `async-openai` client: each turn in
//! its own scope with its turn number, the history growing, every call priced.
//!
//! `cargo run -p examples --example conversation_tracking`

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
    CreateChatCompletionResponse,
};
use last9_genai::{ScopeExt, conversation, observe};

#[observe(name = "support.turn", skip(client))]
async fn turn(
    client: &Client<OpenAIConfig>,
    messages: Vec<ChatCompletionRequestMessage>,
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(messages)
        .build()?;
    client.chat().create(request).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    let client = examples::openai().await?;
    let mut history: Vec<ChatCompletionRequestMessage> = Vec::new();
    for (number, question) in (1..).zip(["I need help with my order", "Order #12345: where is it?"])
    {
        history.push(
            ChatCompletionRequestUserMessageArgs::default()
                .content(question)
                .build()?
                .into(),
        );
        let response = turn(&client, history.clone())
            .with_scope(
                conversation("support_session_456")
                    .user_id("user_456")
                    .turn_number(number),
            )
            .await?;
        let answer = response.choices[0]
            .message
            .content
            .clone()
            .unwrap_or_default();
        println!("turn {number}: {answer}");
        history.push(
            ChatCompletionRequestAssistantMessageArgs::default()
                .content(answer)
                .build()?
                .into(),
        );
    }
    drop(telemetry);
    Ok(())
}
