//! Streaming: `#[observe]` on the function that returns async-openai's
//! `create_stream(..)` follows the stream to its end — usage, cost, time to
//! first chunk and the whole answer land on the span when the last chunk is
//! read. A reader that stops early ends the span too, marked cancelled with
//! what arrived. Raw server-sent events from `reqwest` are followed with
//! `observe_sse`.
//!
//! `cargo run -p examples --example streaming_chat` talks to a scripted
//! provider on 127.0.0.1; with `OPENAI_API_KEY` set it talks to OpenAI.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, ChatCompletionResponseStream,
    ChatCompletionStreamOptions, CreateChatCompletionRequestArgs,
};
use futures::StreamExt;
use last9_genai::{ObserveStream, ScopeExt, StreamCall, conversation, observe};
use std::io::Write;

/// Asks for usage in the stream's last chunk: without it, OpenAI sends no
/// token counts and the call cannot be priced.
#[observe(name = "openai.chat.stream")]
async fn ask(
    client: &Client<OpenAIConfig>,
    question: &str,
) -> Result<ChatCompletionResponseStream, OpenAIError> {
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(question)
            .build()?
            .into()])
        .stream_options(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        })
        .build()?;
    client.chat().create_stream(request).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = last9_genai::Install::from_env()?
        .pricing(examples::pricing())
        .install()?;
    let client = examples::openai().await?;
    async {
        // Read to the end, printing the answer as it comes.
        let mut stream = ask(&client, "What is the capital of France?").await?;
        print!("A: ");
        while let Some(chunk) = stream.next().await {
            if let Some(text) = chunk?.choices.first().and_then(|c| c.delta.content.clone()) {
                print!("{text}");
                std::io::stdout().flush()?;
            }
        }
        println!();

        // Stopped after three chunks: the span ends when the stream drops.
        let mut stream = ask(&client, "Where is my order?").await?;
        for _ in 0..3 {
            stream.next().await;
        }
        drop(stream);
        println!("stopped reading after three chunks");
        Ok::<_, Box<dyn std::error::Error>>(())
    }
    .with_scope(conversation("streaming_session").user_id("user_1"))
    .await?;

    // Raw server-sent events, as `reqwest` gives them (Anthropic's format).
    let provider = examples::provider::ScriptedProvider::start().await?;
    let response = reqwest::Client::new()
        .post(format!("{}/v1/messages", provider.anthropic_base()))
        .json(
            &serde_json::json!({"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": true,
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}]}),
        )
        .send()
        .await?;
    let call = StreamCall::new("anthropic.messages.stream").model("claude-sonnet-4-5");
    let bytes = response.bytes_stream().observe_sse(call).count().await;
    println!("read {bytes} pieces of server-sent events");

    drop(telemetry);
    Ok(())
}
