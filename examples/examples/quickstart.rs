//! Quick start: a conversation with a workflow of LLM and tool calls, priced
//! from your own table, printed as a tree.
//!
//! Run it with `cargo run -p examples --example quickstart`. It needs no
//! network: the model's answers are scripted. Set
//! `OTEL_EXPORTER_OTLP_ENDPOINT` to send the same spans to an OTLP backend
//! instead of the console.

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

    // A conversation around the request, a workflow around its steps.
    let answer = answer("What is the capital of France?")
        .with_scope(conversation("session_123").user_id("user_456"))
        .await;
    println!("answer: {answer}");

    drop(telemetry); // flushes: the trace tree is printed to stderr
    Ok(())
}

async fn answer(question: &str) -> String {
    let wf = workflow("rag_search").workflow_type("retrieval").enter();
    let documents = vector_search(question);
    let draft = draft_answer(question, &documents);
    let answer = review(&draft);
    println!(
        "workflow so far: {} LLM calls, {} tool calls, ${:.6}",
        wf.llm_calls(),
        wf.tool_calls(),
        wf.total_cost_usd()
    );
    answer
}

#[observe(kind = "tool")]
fn vector_search(query: &str) -> Vec<String> {
    vec![format!("Paris is the capital of France. ({query})")]
}

/// An OpenAI chat completion, scripted.
#[observe(name = "draft_answer")]
fn draft_answer(question: &str, documents: &[String]) -> Value {
    let _ = (question, documents);
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o",
        "choices": [{ "message": { "role": "assistant", "content": "Paris." }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 1200, "completion_tokens": 300 }
    })
}

/// An Anthropic message, scripted.
#[observe(name = "review")]
fn review(draft: &Value) -> String {
    let _ = draft;
    let response = json!({
        "id": "msg_1", "type": "message", "model": "claude-sonnet-4-5",
        "content": [{ "type": "text", "text": "Paris is the capital of France." }],
        "stop_reason": "end_turn", "usage": { "input_tokens": 2000, "output_tokens": 450 }
    });
    last9_genai::record_usage("claude-sonnet-4-5", last9_genai::TokenUsage::new(2000, 450));
    response["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
