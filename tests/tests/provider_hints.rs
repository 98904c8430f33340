//! The provider of a call told by the client that makes it: an
//! async-openai `Client`'s base URL, a Bedrock runtime client, a user's own
//! client (`ProviderHint`), a stream's `StreamCall::base_url`; and what
//! wins over what.

mod common;

use std::sync::Arc;

use async_openai::Client;
use async_openai::config::{AzureConfig, OpenAIConfig};
use common::string;
use last9_genai::{ObserveIterator, ProviderHint, StreamCall, detect_provider_from_url, observe};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{Value as Json, json};

/// An OpenAI chat completion of `model`, no marker in it.
fn completion(model: &str) -> Json {
    json!({"id": "c1", "object": "chat.completion", "model": model,
           "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                        "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}})
}

#[observe(skip(client))]
fn chat<C: async_openai::config::Config>(client: &Client<C>, model: &str) -> Json {
    let _ = client;
    completion(model)
}

#[observe(skip(client))]
fn chat_openai(client: &Client<OpenAIConfig>, model: &str) -> Json {
    let _ = client;
    completion(model)
}

#[observe(skip(client))]
fn chat_azure(client: Arc<Client<AzureConfig>>, model: &str) -> Json {
    let _ = client;
    completion(model)
}

#[observe(skip(client), provider = "openai")]
fn chat_said_openai(client: &Client<OpenAIConfig>, model: &str) -> Json {
    let _ = client;
    completion(model)
}

fn provider(span: &SpanData) -> Option<String> {
    string(span, "gen_ai.provider.name")
}

/// The provider of each span, in order; `-` for none.
fn providers(spans: &[SpanData]) -> Vec<String> {
    spans
        .iter()
        .map(|span| provider(span).unwrap_or_else(|| "-".to_owned()))
        .collect()
}

fn groq() -> Client<OpenAIConfig> {
    Client::with_config(OpenAIConfig::new().with_api_base("https://api.groq.com/openai/v1"))
}

/// A client's base URL names the provider before the model's name does:
/// Groq serving an OpenAI-named model, Azure OpenAI serving `gpt-4o`, a
/// local Ollama; a base URL no server is known by leaves it to the model.
#[test]
fn an_async_openai_clients_base_url_names_the_provider() {
    let (_turn, h) = common::observed();
    chat_openai(&groq(), "openai/gpt-oss-120b");
    let azure = Client::with_config(
        AzureConfig::new().with_api_base("https://my-resource.openai.azure.com"),
    );
    chat_azure(Arc::new(azure), "gpt-4o");
    let ollama =
        Client::with_config(OpenAIConfig::new().with_api_base("http://localhost:11434/v1"));
    chat_openai(&ollama, "llama3.2");
    let proxy =
        Client::with_config(OpenAIConfig::new().with_api_base("https://llm-proxy.internal/v1"));
    chat_openai(&proxy, "gpt-4o");
    let spans = h.spans();
    assert_eq!(
        providers(&spans),
        ["groq", "azure.ai.openai", "ollama", "openai"]
    );
    // `gen_ai.system`, deprecated, is the Python layout's alone
    // (`observe_env.rs`): not in the default one.
    assert!(spans.iter().all(|s| string(s, "gen_ai.system").is_none()));
}

/// The client is read in a generic function too, through its type's
/// instance; a provider said on the function wins over the client.
#[test]
fn a_provider_said_wins_over_the_client() {
    let (_turn, h) = common::observed();
    chat(&groq(), "llama-3.3-70b-versatile");
    chat_said_openai(&groq(), "llama-3.3-70b-versatile");
    assert_eq!(providers(&h.spans()), ["groq", "openai"]);
}

/// A user's own client, by reference, in an `Arc` or a `Box`.
struct House {
    base_url: String,
}

impl ProviderHint for House {
    fn provider(&self) -> Option<&'static str> {
        detect_provider_from_url(&self.base_url)
    }
}

#[observe(skip(client))]
fn house(client: &House, model: &str) -> Json {
    let _ = client;
    completion(model)
}

#[observe(redact(client))]
fn house_redacted(client: &House, model: &str) -> Json {
    let _ = client;
    completion(model)
}

#[observe(skip(client))]
fn house_boxed(client: Box<House>, model: &str) -> Json {
    let _ = client;
    completion(model)
}

/// A body that names its provider by a marker (Azure's content filter
/// results) is written over a model-name guess, not over a client.
#[observe(skip(client))]
fn house_azure_body(client: &House, model: &str) -> Json {
    let _ = client;
    let mut body = completion(model);
    body["prompt_filter_results"] = json!([]);
    body
}

#[test]
fn a_users_own_client_names_the_provider() {
    let (_turn, h) = common::observed();
    let xai = House {
        base_url: "https://api.x.ai/v1".to_owned(),
    };
    house(&xai, "my-finetune");
    house_boxed(
        Box::new(House {
            base_url: "https://api.deepseek.com".to_owned(),
        }),
        "x",
    );
    let unknown = House {
        base_url: "http://127.0.0.1:8080".to_owned(),
    };
    house(&unknown, "claude-sonnet-4-5");
    house_azure_body(&unknown, "gpt-4o");
    house_azure_body(&xai, "gpt-4o");
    house_redacted(&xai, "gpt-4o");
    assert_eq!(
        providers(&h.spans()),
        [
            "x_ai",
            "deepseek",
            "anthropic",
            "azure.ai.openai",
            "x_ai",
            "x_ai"
        ]
    );
}

/// A stream followed without the macro: its base URL names the provider,
/// unless one is given.
#[test]
fn a_stream_calls_base_url_names_the_provider() {
    let (_turn, h) = common::observed();
    let chunks = || {
        let chunk = json!({"object": "chat.completion.chunk", "model": "llama3.2",
            "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]});
        vec![Ok::<Json, String>(chunk)].into_iter()
    };
    let call = || StreamCall::new("chat.stream").model("llama3.2");
    let _ = chunks()
        .observe_chunks(call().base_url("http://localhost:11434"))
        .count();
    let _ = chunks()
        .observe_chunks(call().base_url("http://localhost:11434").provider("vllm"))
        .count();
    let _ = chunks()
        .observe_chunks(call().provider("vllm").base_url("http://localhost:11434"))
        .count();
    assert_eq!(providers(&h.spans()), ["ollama", "vllm", "vllm"]);
}

#[observe(skip(client))]
fn converse(client: &aws_sdk_bedrockruntime::Client, model: &str) -> String {
    let _ = (client, model);
    "hi".to_owned()
}

/// The Bedrock runtime client's calls are Bedrock's, whatever the model's
/// name says (here: Anthropic's), with nothing in the answer to tell.
#[test]
fn a_bedrock_client_names_bedrock() {
    let (_turn, h) = common::observed();
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        // No sleep is needed: nothing is sent.
        .retry_config(aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled())
        .timeout_config(aws_sdk_bedrockruntime::config::timeout::TimeoutConfig::disabled())
        .identity_cache(aws_sdk_bedrockruntime::config::IdentityCache::no_cache())
        .stalled_stream_protection(
            aws_sdk_bedrockruntime::config::StalledStreamProtectionConfig::disabled(),
        )
        .build();
    let client = aws_sdk_bedrockruntime::Client::from_conf(config);
    converse(&client, "claude-sonnet-4-5");
    let spans = h.spans();
    assert_eq!(provider(&spans[0]).as_deref(), Some("aws.bedrock"));
}
