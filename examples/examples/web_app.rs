//! An axum service: each request runs in the conversation its headers carry
//! (`PropagationLayer`), and its handler is observed. The example starts the
//! service on 127.0.0.1 and calls it twice, as a client in another service
//! would, with the trace and conversation in its headers.
//!
//! `cargo run -p examples --example web_app`

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use last9_genai::{Propagation, PropagationLayer, ScopeExt, conversation, observe};
use serde_json::{Value, json};

fn propagation() -> Propagation {
    Propagation::new().carry_conversation().carry_user()
}

#[observe(name = "POST /chat", kind = "chain")]
async fn chat(State(client): State<Client<OpenAIConfig>>, Json(body): Json<Value>) -> Json<Value> {
    let question = body["question"].as_str().unwrap_or_default().to_owned();
    let answer = match answer(&client, &question).await {
        Ok(response) => response.choices[0]
            .message
            .content
            .clone()
            .unwrap_or_default(),
        Err(err) => format!("error: {err}"),
    };
    Json(json!({ "answer": answer }))
}

#[observe(kind = "llm", skip(client))]
async fn answer(
    client: &Client<OpenAIConfig>,
    question: &str,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, async_openai::error::OpenAIError>
{
    examples::chat(client, "gpt-4o-mini", question).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    let app: Router = Router::new()
        .route("/chat", post(chat))
        .with_state(examples::openai().await?)
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
