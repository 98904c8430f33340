//! AWS Bedrock's Converse API: `#[observe]` reads the response for tokens
//! as Bedrock counts them (`inputTokens` leaves the prompt cache out; the
//! span's input counts it, as the conventions ask), the stop reason and
//! the provider `aws.bedrock`. A Converse response names no model: the
//! call is priced as the model id it asked for, a cross-region inference
//! profile (`us.anthropic.…`) priced as its model, from the bundled table.
//!
//! ConverseStream answers in AWS event-stream messages:
//! `observe_eventstream` follows their raw bytes (each message checked and
//! read as its event), and the span ends with the stream, its text, tokens
//! and cost read from the events.
//!
//! `cargo run -p examples --example bedrock_converse` talks to a scripted
//! Bedrock runtime on 127.0.0.1. (The real API wants SigV4-signed
//! requests, which this example does not make; with the AWS SDK, feature
//! `aws-bedrock` reads its typed output and `observe_converse` its typed
//! stream events.)

use examples::provider::ScriptedProvider;
use futures::StreamExt;
use last9_genai::{ObserveStream, ProviderHint, ScopeExt, StreamCall, conversation, observe};
use serde_json::{Value, json};

/// A Bedrock runtime client, as an app writes one over `reqwest`.
struct Bedrock {
    http: reqwest::Client,
    base: String,
}

/// Its calls go to Bedrock, whatever the model's id says: the spans of the
/// observed functions that take it are named `aws.bedrock`.
impl ProviderHint for Bedrock {
    fn provider(&self) -> Option<&'static str> {
        Some("aws.bedrock")
    }
}

/// The request body of a Converse or ConverseStream call.
fn request(question: &str) -> Value {
    json!({
        "messages": [{"role": "user", "content": [{"text": question}]}],
        "inferenceConfig": {"maxTokens": 256}
    })
}

#[observe(name = "bedrock.converse", skip(client))]
async fn converse(client: &Bedrock, model: &str, question: &str) -> Result<Value, reqwest::Error> {
    client
        .http
        .post(format!("{}/model/{model}/converse", client.base))
        .json(&request(question))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

/// ConverseStream: the response's raw bytes, followed to their end by a
/// span of their own. Returns how many bytes came.
async fn converse_stream(
    client: &Bedrock,
    model: &str,
    question: &str,
) -> Result<usize, reqwest::Error> {
    let response = client
        .http
        .post(format!("{}/model/{model}/converse-stream", client.base))
        .json(&request(question))
        .send()
        .await?
        .error_for_status()?;
    let call = StreamCall::new("bedrock.converse_stream")
        .model(model)
        .provider("aws.bedrock");
    let mut bytes = response.bytes_stream().observe_eventstream(call);
    let mut read = 0;
    while let Some(item) = bytes.next().await {
        read += item?.len();
    }
    Ok(read)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = last9_genai::Install::from_env()?
        .bundled_prices(true)
        .install()?;
    let client = Bedrock {
        http: reqwest::Client::new(),
        base: ScriptedProvider::start().await?.bedrock_base(),
    };
    let question = "What is the capital of France?";
    let model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let response = converse(&client, model, question)
        .with_scope(conversation("bedrock_session").user_id("user_3"))
        .await?;
    println!(
        "Q: {question}\nA: {}",
        response["output"]["message"]["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
    );
    let question = "And the capital of Italy?";
    let streamed = converse_stream(&client, model, question)
        .with_scope(conversation("bedrock_session").user_id("user_3"))
        .await?;
    println!("Q: {question}\n(streamed {streamed} bytes of events: the span holds the answer)");
    drop(telemetry);
    Ok(())
}
