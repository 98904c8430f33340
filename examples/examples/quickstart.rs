//! Quick start: a conversation with a workflow of LLM and tool calls, priced
//! from your own table, printed as a tree.
//!
//! Run it with `cargo run -p examples --example quickstart`. It needs no
//! network: the model provider is a scripted server on 127.0.0.1 speaking
//! the OpenAI and Anthropic wire formats, called with the real clients. Set
//! `OTEL_EXPORTER_OTLP_ENDPOINT` to send the same spans to an OTLP backend
//! instead of the console.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
    CreateChatCompletionResponse,
};
use examples::provider::ScriptedProvider;
use last9_genai::{ModelPricing, PricingTable, ScopeExt, conversation, observe, workflow};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Your prices, in USD per million tokens, and one call that sets up
    // tracing from the environment: the console when no endpoint is set.
    let pricing = PricingTable::new([
        ("gpt-4o", ModelPricing::new(2.50, 10.0)),
        ("claude-sonnet-4-5", ModelPricing::new(3.0, 15.0)),
    ])?;
    let telemetry = last9_genai::Install::from_env()?
        .pricing(pricing)
        .install()?;

    let provider = ScriptedProvider::start().await?;
    let openai = Client::with_config(
        OpenAIConfig::new()
            .with_api_key("scripted")
            .with_api_base(provider.openai_base()),
    );
    let anthropic = format!("{}/v1/messages", provider.anthropic_base());

    // A conversation around the request, a workflow around its steps.
    let answer = answer(&openai, &anthropic, "What is the capital of France?")
        .with_scope(conversation("session_123").user_id("user_456"))
        .await?;
    println!("answer: {answer}");

    drop(telemetry); // flushes: the trace tree is printed to stderr
    Ok(())
}

async fn answer(
    openai: &Client<OpenAIConfig>,
    anthropic: &str,
    question: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    // An open workflow is a handle: attach it to the steps, read its totals.
    let wf = workflow("rag_search").workflow_type("retrieval").start();
    let reviewed = async {
        let documents = vector_search(question);
        let draft = draft_answer(openai, question, &documents).await?;
        let text = draft.choices[0].message.content.clone().unwrap_or_default();
        Ok::<_, Box<dyn std::error::Error>>(review(anthropic, &text).await?)
    }
    .with_scope(&wf)
    .await?;
    println!(
        "workflow so far: {} LLM calls, {} tool calls, ${:.6}",
        wf.llm_calls(),
        wf.tool_calls(),
        wf.total_cost_usd()
    );
    Ok(reviewed["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

#[observe(kind = "tool")]
fn vector_search(query: &str) -> Vec<String> {
    vec![format!("Paris is the capital of France. ({query})")]
}

/// OpenAI, through the `async-openai` client.
#[observe(skip(client))]
async fn draft_answer(
    client: &Client<OpenAIConfig>,
    question: &str,
    documents: &[String],
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    let prompt = format!("{question}\n\nContext: {}", documents.join(" "));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(prompt)
            .build()?
            .into()])
        .build()?;
    client.chat().create(request).await
}

/// Anthropic, through its Messages API.
#[observe(skip(url))]
async fn review(url: &str, draft: &str) -> Result<Value, reqwest::Error> {
    reqwest::Client::new()
        .post(url)
        .header("x-api-key", "scripted")
        .header("anthropic-version", "2023-06-01")
        .json(&json!({ "model": "claude-sonnet-4-5", "max_tokens": 256,
                       "messages": [{ "role": "user", "content": format!("Check: capital of France? {draft}") }] }))
        .send()
        .await?
        .json()
        .await
}
