//! An axum service: each request runs in the conversation its headers carry
//! (`PropagationLayer`), and its handler is observed. The example starts the
//! service on 127.0.0.1 and calls it twice, as a client in another service
//! would, with the trace and conversation in its headers.
//!
//! `cargo run -p examples --example web_app`

use axum::routing::post;
use axum::{Json, Router};
use last9_genai::{Propagation, PropagationLayer, ScopeExt, conversation, observe};
use serde_json::{Value, json};

fn propagation() -> Propagation {
    Propagation::new().carry_conversation().carry_user()
}

#[observe(name = "POST /chat", kind = "chain")]
async fn chat(Json(body): Json<Value>) -> Json<Value> {
    let question = body["question"].as_str().unwrap_or_default().to_owned();
    Json(json!({ "answer": answer(&question).await }))
}

#[observe(kind = "llm")]
async fn answer(question: &str) -> String {
    last9_genai::record_usage("gpt-4o-mini", last9_genai::TokenUsage::new(400, 40));
    format!("Scripted answer to: {question}")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    let app = Router::new()
        .route("/chat", post(chat))
        .layer(PropagationLayer::new(propagation()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/chat", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::new();
    for (session, question) in [
        ("web_session_1", "Hello!"),
        ("web_session_2", "Where is my order?"),
    ] {
        let reply: Value = async {
            let mut headers = reqwest::header::HeaderMap::new();
            propagation().inject(&mut headers);
            client
                .post(&url)
                .headers(headers)
                .json(&json!({ "question": question }))
                .send()
                .await?
                .json()
                .await
        }
        .with_scope(conversation(session).user_id("web_user"))
        .await?;
        println!("{session}: {}", reply["answer"]);
    }
    drop(telemetry);
    Ok(())
}
