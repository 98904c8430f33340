//! A local model on Ollama's native API, over plain HTTP: `#[observe]` reads
//! the chat answer and the embeddings for model, tokens (`prompt_eval_count`
//! in, `eval_count` out) and finish reason, and `observe_ndjson` follows the
//! streamed answer, newline-delimited JSON, to its last object. A local
//! model has no list price: the example prices it at $0, so that its calls
//! still count in a workflow's totals.
//!
//! `cargo run -p examples --example ollama_local` talks to a scripted Ollama
//! on 127.0.0.1; with `OLLAMA_HOST` set (`http://localhost:11434`) it talks
//! to that Ollama, which must have `llama3.2` and `all-minilm` pulled.

use examples::provider::ScriptedProvider;
use futures::StreamExt as _;
use last9_genai::{ModelPricing, ObserveStream as _, PricingTable, StreamCall, observe, workflow};
use serde_json::{Value, json};

struct Ollama {
    http: reqwest::Client,
    base: String,
}

#[observe(name = "ollama.chat", skip(client))]
async fn chat(client: &Ollama, model: &str, question: &str) -> Result<Value, reqwest::Error> {
    client
        .http
        .post(format!("{}/api/chat", client.base))
        .json(&json!({"model": model, "stream": false,
                      "messages": [{"role": "user", "content": question}]}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[observe(name = "ollama.embed", kind = "embedding", skip(client))]
async fn embed(client: &Ollama, model: &str, texts: &[&str]) -> Result<Value, reqwest::Error> {
    client
        .http
        .post(format!("{}/api/embed", client.base))
        .json(&json!({"model": model, "input": texts}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

/// The streamed answer, as the bytes arrive; the span follows them.
async fn chat_stream(
    client: &Ollama,
    model: &str,
    question: &str,
) -> Result<String, reqwest::Error> {
    let response = client
        .http
        .post(format!("{}/api/chat", client.base))
        .json(&json!({"model": model, "messages": [{"role": "user", "content": question}]}))
        .send()
        .await?
        .error_for_status()?;
    let mut lines = response
        .bytes_stream()
        .observe_ndjson(StreamCall::new("ollama.chat.stream").model(model));
    let mut text = String::new();
    let mut pending = Vec::new();
    while let Some(bytes) = lines.next().await {
        pending.extend_from_slice(&bytes?);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            if let Ok(object) = serde_json::from_slice::<Value>(&line) {
                text.push_str(object["message"]["content"].as_str().unwrap_or_default());
            }
        }
    }
    Ok(text)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let prices = PricingTable::new([
        ("llama3.2", ModelPricing::new(0.0, 0.0)),
        ("all-minilm", ModelPricing::new(0.0, 0.0)),
    ])?;
    let telemetry = last9_genai::Install::from_env()?
        .pricing(prices)
        .install()?;
    let base = match std::env::var("OLLAMA_HOST") {
        Ok(host) => host,
        Err(_) => ScriptedProvider::start().await?.ollama_base(),
    };
    let client = Ollama {
        http: reqwest::Client::new(),
        base,
    };
    {
        let _rag = workflow("local_rag").enter();
        let question = "What is the capital of France?";
        let vectors = embed(&client, "all-minilm", &[question]).await?;
        println!(
            "embedded 1 text in {} dimensions",
            vectors["embeddings"][0].as_array().map_or(0, Vec::len)
        );
        let answer = chat(&client, "llama3.2", question).await?;
        println!(
            "A: {}",
            answer["message"]["content"].as_str().unwrap_or_default()
        );
        let streamed = chat_stream(&client, "llama3.2", "What is the weather in Paris?").await?;
        println!("streamed: {streamed}");
    }
    drop(telemetry);
    Ok(())
}
