//! A scripted model provider on 127.0.0.1: OpenAI chat completions
//! (`POST /v1/chat/completions`) and Anthropic messages (`POST /v1/messages`),
//! answering in each provider's wire format with realistic token usage.

use std::net::SocketAddr;

use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

/// A running scripted provider.
#[derive(Debug, Clone, Copy)]
pub struct ScriptedProvider {
    addr: SocketAddr,
}

impl ScriptedProvider {
    /// Starts the provider on a free loopback port, on the current runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/v1/chat/completions", post(openai_chat))
            .route("/v1/messages", post(anthropic_messages));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr })
    }

    /// The base URL of the OpenAI API (`…/v1`).
    pub fn openai_base(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The base URL of the Anthropic API (without `/v1`).
    pub fn anthropic_base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// About four characters a token, as tokenizers average on English.
fn tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4).max(1)
}

/// The text of the last user message of a request.
fn last_user_text(request: &Value) -> String {
    request["messages"]
        .as_array()
        .and_then(|messages| messages.iter().rev().find(|m| m["role"] == "user"))
        .map(|m| match &m["content"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// The scripted answer to `question`.
fn answer(question: &str) -> String {
    let q = question.to_ascii_lowercase();
    if q.contains("capital of france") {
        "The capital of France is Paris.".to_owned()
    } else if q.contains("order") {
        "Your order #12345 shipped yesterday and arrives on Friday.".to_owned()
    } else if q.contains("weather") {
        "It is 18°C and sunny in Paris.".to_owned()
    } else {
        format!("You asked: {question}. Here is a short, scripted answer.")
    }
}

async fn openai_chat(Json(request): Json<Value>) -> Json<Value> {
    let question = last_user_text(&request);
    let prompt: u64 = request["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .map(|m| tokens(&m["content"].to_string()) + 4)
                .sum()
        })
        .unwrap_or(8);
    let model = request["model"].as_str().unwrap_or("gpt-4o");
    let wants_tool = request["tools"].as_array().is_some_and(|t| !t.is_empty())
        && !request["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["role"] == "tool"));
    let message = if wants_tool {
        let tool = &request["tools"][0]["function"]["name"];
        json!({ "role": "assistant", "content": null, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": { "name": tool, "arguments": json!({ "city": "Paris" }).to_string() } }] })
    } else {
        json!({ "role": "assistant", "content": answer(&question) })
    };
    let completion = tokens(&message.to_string());
    Json(json!({
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": 1_767_225_600, "model": format!("{model}-2024-08-06"),
        "choices": [{ "index": 0, "message": message, "logprobs": null,
                      "finish_reason": if wants_tool { "tool_calls" } else { "stop" } }],
        "usage": { "prompt_tokens": prompt + 900, "completion_tokens": completion, "total_tokens": prompt + 900 + completion,
                   "prompt_tokens_details": { "cached_tokens": 512 }, "completion_tokens_details": { "reasoning_tokens": 0 } }
    }))
}

async fn anthropic_messages(Json(request): Json<Value>) -> Json<Value> {
    let question = last_user_text(&request);
    let text = answer(&question);
    Json(json!({
        "id": "msg_scripted", "type": "message", "role": "assistant",
        "model": request["model"].as_str().unwrap_or("claude-sonnet-4-5"),
        "content": [{ "type": "text", "text": text }],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": { "input_tokens": tokens(&question) + 1200, "output_tokens": tokens(&text),
                   "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0 }
    }))
}
