//! A scripted model provider on 127.0.0.1: OpenAI chat completions
//! (`POST /v1/chat/completions`), Anthropic messages (`POST /v1/messages`),
//! Ollama's native chat and embeddings (`POST /api/chat`, `POST /api/embed`)
//! and AWS Bedrock's Converse and ConverseStream (`POST
//! /model/{modelId}/converse`, `…/converse-stream`), answering in each
//! provider's wire format with realistic token usage.
//!
//! A request with `"stream": true` is answered with server-sent events, as
//! the providers stream: OpenAI's chunks (the usage chunk only with
//! `stream_options.include_usage`) and Anthropic's message events; Ollama
//! streams unless asked not to, in newline-delimited JSON; Bedrock's
//! ConverseStream sends AWS event-stream messages. Words in
//! the last user message script the stream's faults: `[error]` sends an
//! error event after two chunks (Bedrock: a `throttlingException`),
//! `[slow]` waits 200 ms between chunks.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
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
            .route("/v1/messages", post(anthropic_messages))
            .route("/api/chat", post(ollama_chat))
            .route("/api/embed", post(ollama_embed))
            .route("/model/{model}/converse", post(bedrock_converse))
            .route(
                "/model/{model}/converse-stream",
                post(bedrock_converse_stream),
            );
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

    /// The base URL of the Ollama API (without `/api`), as
    /// `OLLAMA_HOST` gives it.
    pub fn ollama_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of the Bedrock runtime API (without `/model`).
    pub fn bedrock_base(&self) -> String {
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

async fn openai_chat(Json(request): Json<Value>) -> Response {
    if request["stream"] == true {
        return openai_stream(&request);
    }
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
    let body = json!({
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": 1_767_225_600, "model": format!("{model}-2024-08-06"),
        "choices": [{ "index": 0, "message": message, "logprobs": null,
                      "finish_reason": if wants_tool { "tool_calls" } else { "stop" } }],
        "usage": { "prompt_tokens": prompt + 900, "completion_tokens": completion, "total_tokens": prompt + 900 + completion,
                   "prompt_tokens_details": { "cached_tokens": 512 }, "completion_tokens_details": { "reasoning_tokens": 0 } }
    });
    Json(body).into_response()
}

async fn anthropic_messages(Json(request): Json<Value>) -> Response {
    if request["stream"] == true {
        return anthropic_stream(&request);
    }
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
    .into_response()
}

/// The answer cut into the pieces a stream sends: a word (and the space
/// before it) each.
fn pieces(text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        pieces.push(if i == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        });
    }
    pieces
}

/// Server-sent events, one each `pause` (or at once), from `events`: each
/// `(event name, data)`.
fn sse(events: Vec<(Option<&'static str>, String)>, pause: Option<Duration>) -> Response {
    let stream = futures::stream::unfold(
        (events.into_iter(), true),
        move |(mut events, first)| async move {
            let (name, data) = events.next()?;
            if let Some(pause) = pause.filter(|_| !first) {
                tokio::time::sleep(pause).await;
            }
            let frame = match name {
                Some(name) => format!("event: {name}\ndata: {data}\n\n"),
                None => format!("data: {data}\n\n"),
            };
            Some((Ok::<_, Infallible>(frame), (events, false)))
        },
    );
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// The faults the request's last user message asks for: an error event
/// after two chunks, and a pause between chunks.
fn faults(question: &str) -> (bool, Option<Duration>) {
    (
        question.contains("[error]"),
        question
            .contains("[slow]")
            .then_some(Duration::from_millis(200)),
    )
}

fn openai_stream(request: &Value) -> Response {
    let question = last_user_text(request);
    let (error, pause) = faults(&question);
    let model = format!(
        "{}-2024-08-06",
        request["model"].as_str().unwrap_or("gpt-4o")
    );
    let text = answer(&question);
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-streamed", "object": "chat.completion.chunk", "created": 1_767_225_600,
               "model": model, "choices": [{"index": 0, "delta": delta, "logprobs": null,
               "finish_reason": finish}]})
        .to_string()
    };
    let mut events = vec![(
        None,
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
    )];
    for (i, piece) in pieces(&text).into_iter().enumerate() {
        if error && i == 2 {
            let error = json!({"error": {"message": "The server had an error while processing your request.",
                                          "type": "server_error", "code": "server_error"}});
            events.push((None, error.to_string()));
            return sse(events, pause);
        }
        events.push((None, chunk(json!({"content": piece}), Value::Null)));
    }
    events.push((None, chunk(json!({}), json!("stop"))));
    if request["stream_options"]["include_usage"] == true {
        let prompt = tokens(&question) + 900;
        let completion = tokens(&text);
        let usage = json!({"id": "chatcmpl-streamed", "object": "chat.completion.chunk",
            "created": 1_767_225_600, "model": model, "choices": [],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion,
                      "prompt_tokens_details": {"cached_tokens": 512}}});
        events.push((None, usage.to_string()));
    }
    events.push((None, "[DONE]".to_owned()));
    sse(events, pause)
}

fn anthropic_stream(request: &Value) -> Response {
    let question = last_user_text(request);
    let (error, pause) = faults(&question);
    let text = answer(&question);
    let model = request["model"].as_str().unwrap_or("claude-sonnet-4-5");
    let mut events = vec![
        (
            Some("message_start"),
            json!({"type": "message_start", "message": {
            "id": "msg_streamed", "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": tokens(&question) + 1200, "output_tokens": 1,
                      "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}}})
            .to_string(),
        ),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}})
            .to_string(),
        ),
        (Some("ping"), json!({"type": "ping"}).to_string()),
    ];
    for (i, piece) in pieces(&text).into_iter().enumerate() {
        if error && i == 2 {
            let error = json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
            events.push((Some("error"), error.to_string()));
            return sse(events, pause);
        }
        events.push((
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": piece}})
            .to_string(),
        ));
    }
    events.extend([
        (
            Some("content_block_stop"),
            json!({"type": "content_block_stop", "index": 0}).to_string(),
        ),
        (
            Some("message_delta"),
            json!({"type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": null},
            "usage": {"output_tokens": tokens(&text)}})
            .to_string(),
        ),
        (
            Some("message_stop"),
            json!({"type": "message_stop"}).to_string(),
        ),
    ]);
    sse(events, pause)
}

/// Ollama's `/api/chat`: newline-delimited JSON, a piece of the answer an
/// object, unless `"stream": false`; the counts in the last object.
async fn ollama_chat(Json(request): Json<Value>) -> Response {
    let question = last_user_text(&request);
    let text = answer(&question);
    let model = request["model"].as_str().unwrap_or("llama3.2").to_owned();
    let object = |content: &str, done: bool| {
        let mut object = json!({"model": model, "created_at": "2026-12-07T12:00:00.000000Z",
            "message": {"role": "assistant", "content": content}, "done": done});
        if done {
            object["done_reason"] = json!("stop");
            object["total_duration"] = json!(4_883_583_458_u64);
            object["load_duration"] = json!(1_334_875);
            object["prompt_eval_count"] = json!(tokens(&question) + 20);
            object["prompt_eval_duration"] = json!(342_546_000);
            object["eval_count"] = json!(tokens(&text));
            object["eval_duration"] = json!(4_535_599_000_u64);
        }
        object
    };
    if request["stream"] == false {
        return Json(object(&text, true)).into_response();
    }
    let mut lines: Vec<String> = pieces(&text)
        .iter()
        .map(|piece| object(piece, false).to_string() + "\n")
        .collect();
    lines.push(object("", true).to_string() + "\n");
    let stream = futures::stream::iter(lines.into_iter().map(Ok::<_, Infallible>));
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// Ollama's `/api/embed`: one short vector an input.
async fn ollama_embed(Json(request): Json<Value>) -> Response {
    let inputs: Vec<String> = match &request["input"] {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap_or("").to_owned())
            .collect(),
        _ => Vec::new(),
    };
    let vectors: Vec<Value> = inputs
        .iter()
        .map(|_| json!([0.010_071, -0.001_759, 0.050_072]))
        .collect();
    Json(json!({
        "model": request["model"].as_str().unwrap_or("all-minilm"),
        "embeddings": vectors, "total_duration": 14_143_917, "load_duration": 1_019_500,
        "prompt_eval_count": inputs.iter().map(|i| tokens(i)).sum::<u64>()
    }))
    .into_response()
}

/// The text of the last user message of a Bedrock Converse request.
fn converse_question(request: &Value) -> String {
    request["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"][0]["text"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A Converse usage: `inputTokens` leaves the cache out, the total counts
/// it.
fn converse_usage(question: &str, text: &str) -> Value {
    let (input, output, cache_read) = (tokens(question) + 12, tokens(text), 1024);
    json!({"inputTokens": input, "outputTokens": output,
           "cacheReadInputTokens": cache_read, "cacheWriteInputTokens": 0,
           "totalTokens": input + output + cache_read})
}

/// Bedrock's Converse: the model in the path, none in the answer.
async fn bedrock_converse(Path(_model): Path<String>, Json(request): Json<Value>) -> Response {
    let question = converse_question(&request);
    let text = answer(&question);
    Json(json!({
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": converse_usage(&question, &text),
        "metrics": {"latencyMs": 412}
    }))
    .into_response()
}

/// Bedrock's ConverseStream: AWS event-stream messages, one event each (a
/// word of the answer a `contentBlockDelta`), the usage in the last
/// (`metadata`); `[error]` sends a `throttlingException` after two words.
async fn bedrock_converse_stream(
    Path(_model): Path<String>,
    Json(request): Json<Value>,
) -> Response {
    let question = converse_question(&request);
    let (error, pause) = faults(&question);
    let text = answer(&question);
    let event = |name: &str, payload: Value| {
        event_message(
            &[
                (":event-type", name),
                (":content-type", "application/json"),
                (":message-type", "event"),
            ],
            payload.to_string().as_bytes(),
        )
    };
    let mut messages = vec![event("messageStart", json!({"role": "assistant"}))];
    for (i, piece) in pieces(&text).into_iter().enumerate() {
        if error && i == 2 {
            messages.push(event_message(
                &[
                    (":exception-type", "throttlingException"),
                    (":content-type", "application/json"),
                    (":message-type", "exception"),
                ],
                br#"{"message":"Too many requests, please wait before trying again."}"#,
            ));
            return event_stream(messages, pause);
        }
        messages.push(event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": piece}, "p": "abcdefgh"}),
        ));
    }
    messages.push(event("contentBlockStop", json!({"contentBlockIndex": 0})));
    messages.push(event("messageStop", json!({"stopReason": "end_turn"})));
    messages.push(event(
        "metadata",
        json!({"usage": converse_usage(&question, &text), "metrics": {"latencyMs": 388}}),
    ));
    event_stream(messages, pause)
}

/// An AWS event stream of `messages`, one each `pause` (or at once).
fn event_stream(messages: Vec<Vec<u8>>, pause: Option<Duration>) -> Response {
    let stream = futures::stream::unfold(
        (messages.into_iter(), true),
        move |(mut messages, first)| async move {
            let message = messages.next()?;
            if let Some(pause) = pause.filter(|_| !first) {
                tokio::time::sleep(pause).await;
            }
            Some((Ok::<_, Infallible>(message), (messages, false)))
        },
    );
    (
        [(header::CONTENT_TYPE, "application/vnd.amazon.eventstream")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// One AWS event-stream message: the prelude (total length, headers'
/// length, their CRC-32), string headers, the payload, the CRC-32 of all.
///
/// ```
/// let message = examples::provider::event_message(&[(":event-type", "messageStop")], b"{}");
/// assert_eq!(message.len(), 16 + (1 + 11 + 1 + 2 + 11) + 2);
/// assert_eq!(u32::from_be_bytes(message[..4].try_into().unwrap()) as usize, message.len());
/// ```
pub fn event_message(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut encoded = Vec::new();
    for (name, value) in headers {
        encoded.push(u8::try_from(name.len()).expect("a header name fits in 255 bytes"));
        encoded.extend_from_slice(name.as_bytes());
        encoded.push(7);
        let len = u16::try_from(value.len()).expect("a header value fits in 64 KiB");
        encoded.extend_from_slice(&len.to_be_bytes());
        encoded.extend_from_slice(value.as_bytes());
    }
    let total = 16 + encoded.len() + payload.len();
    let mut message = Vec::with_capacity(total);
    let length = |n: usize| {
        u32::try_from(n)
            .expect("a message fits in 4 GiB")
            .to_be_bytes()
    };
    message.extend_from_slice(&length(total));
    message.extend_from_slice(&length(encoded.len()));
    message.extend_from_slice(&crc32fast::hash(&message).to_be_bytes());
    message.extend_from_slice(&encoded);
    message.extend_from_slice(payload);
    message.extend_from_slice(&crc32fast::hash(&message).to_be_bytes());
    message
}
