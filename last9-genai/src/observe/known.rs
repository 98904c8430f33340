//! Requests and responses read field by field, with no JSON round trip:
//! the typed requests and responses of client crates, behind their
//! features.
//!
//! The macro tries these first (`(&&&&&Wrap(&value)).l9_output(bounds)`), so
//! a type implementing [`KnownResponse`] never goes through `Serialize`, and
//! the model a [`KnownRequest`] asks for is on the span from its start.

use super::Output;
use super::capture::{Bounds, Wrap, json_within};
use crate::record::response;
#[cfg(feature = "async-openai")]
use crate::record::response::{ResponseInfo, ToolCallRequest};

/// A response type whose model, usage and text are read directly.
pub trait KnownResponse {
    /// What the response says of itself.
    fn output(&self, bounds: Bounds) -> Output;
}

/// A request type whose model is read directly, at span start.
pub trait KnownRequest {
    /// The model the request asks for.
    fn model(&self) -> Option<&str>;
}

/// First choice for the model a call asks for: a known request type.
pub trait ModelKnown<'a> {
    /// The model, when the argument tells.
    fn l9_model(&self) -> Option<&'a str>;
}

impl<'a, T: KnownRequest + ?Sized> ModelKnown<'a> for &&Wrap<'a, T> {
    fn l9_model(&self) -> Option<&'a str> {
        self.0.model()
    }
}

/// Second choice, for a parameter named `model` only: its text.
pub trait ModelText<'a> {
    /// The model, when the argument tells.
    fn l9_model(&self) -> Option<&'a str>;
}

impl<'a, T: AsRef<str> + ?Sized> ModelText<'a> for &Wrap<'a, T> {
    fn l9_model(&self) -> Option<&'a str> {
        Some(self.0.as_ref()).filter(|model| !model.is_empty())
    }
}

/// Last choice: the argument does not tell.
pub trait ModelNone<'a> {
    /// Nothing.
    fn l9_model(&self) -> Option<&'a str>;
}

impl<'a, T: ?Sized> ModelNone<'a> for Wrap<'a, T> {
    fn l9_model(&self) -> Option<&'a str> {
        None
    }
}

/// A model client that tells which provider its calls go to. An observed
/// model call that takes one as an argument (by value, by reference, in an
/// `Arc` or a `Box`; skipped or not) names its span's provider from it,
/// before the model's name is asked, and over a provider the response
/// names by a marker (the client knows where the call went). An explicit
/// `provider = "…"` still wins. Arguments in `redact(...)` are asked too:
/// a provider's name is no secret.
///
/// The crate implements it for async-openai's `Client`, by its base URL
/// (see [`detect_provider_from_url`](crate::detect_provider_from_url);
/// feature `async-openai-client`), and for the AWS SDK's Bedrock runtime client
/// (feature `aws-bedrock`). Implement it for your own:
///
/// ```
/// use last9_genai::{ProviderHint, detect_provider_from_url, observe};
///
/// struct Llm {
///     base_url: String,
/// }
///
/// impl ProviderHint for Llm {
///     fn provider(&self) -> Option<&'static str> {
///         detect_provider_from_url(&self.base_url)
///     }
/// }
///
/// #[observe(skip(client))]
/// fn chat(client: &Llm, model: &str) -> String {
///     // `gen_ai.provider.name` is `groq` whatever the model is named.
///     format!("asked {model}")
/// }
///
/// let groq = Llm { base_url: "https://api.groq.com/openai/v1".to_owned() };
/// assert_eq!(groq.provider(), Some("groq"));
/// chat(&groq, "llama-3.3-70b-versatile");
/// ```
pub trait ProviderHint {
    /// The `gen_ai.provider.name` of the calls this client makes, when it
    /// knows.
    fn provider(&self) -> Option<&'static str>;
}

impl<T: ProviderHint + ?Sized> ProviderHint for &T {
    fn provider(&self) -> Option<&'static str> {
        T::provider(self)
    }
}

impl<T: ProviderHint + ?Sized> ProviderHint for std::sync::Arc<T> {
    fn provider(&self) -> Option<&'static str> {
        T::provider(self)
    }
}

impl<T: ProviderHint + ?Sized> ProviderHint for Box<T> {
    fn provider(&self) -> Option<&'static str> {
        T::provider(self)
    }
}

/// First choice for the provider an argument tells: a client that knows.
pub trait ProviderKnown {
    /// The provider, when the argument tells.
    fn l9_provider(&self) -> Option<&'static str>;
}

impl<T: ProviderHint + ?Sized> ProviderKnown for &Wrap<'_, T> {
    fn l9_provider(&self) -> Option<&'static str> {
        self.0.provider()
    }
}

/// Last choice: the argument does not tell.
pub trait ProviderNone {
    /// Nothing.
    fn l9_provider(&self) -> Option<&'static str>;
}

impl<T: ?Sized> ProviderNone for Wrap<'_, T> {
    fn l9_provider(&self) -> Option<&'static str> {
        None
    }
}

/// First choice for outputs: known response types.
pub trait OutputKnown {
    /// Captures the output.
    fn l9_output(&self, bounds: Bounds) -> Output;
}

impl<T: KnownResponse + ?Sized> OutputKnown for &&&&Wrap<'_, T> {
    fn l9_output(&self, bounds: Bounds) -> Output {
        self.0.output(bounds)
    }
}

/// A response held as JSON is read in place: only what is recorded (model,
/// usage, finish reasons, the completion and tool calls, within the limit)
/// is copied out of it. A value that is no response is written as JSON text.
impl KnownResponse for serde_json::Value {
    fn output(&self, bounds: Bounds) -> Output {
        match response::read(self, bounds.limit) {
            Some(info) => Output {
                info: Some(info),
                ..Output::default()
            },
            None => Output {
                text: bounds.text.then(|| json_within(self, bounds)),
                json: true,
                unrecognised: bounds
                    .name_unrecognised
                    .then(|| response::unrecognised_keys(self))
                    .flatten(),
                ..Output::default()
            },
        }
    }
}

/// A reference reads as what it points to.
impl<T: KnownResponse + ?Sized> KnownResponse for &T {
    fn output(&self, bounds: Bounds) -> Output {
        T::output(self, bounds)
    }
}

#[cfg(feature = "async-openai")]
pub(crate) use async_openai_types::read_chat_chunk;

#[cfg(feature = "async-openai")]
mod async_openai_types {
    use async_openai::types::chat::{
        ChatCompletionMessageToolCalls, CreateChatCompletionRequest, CreateChatCompletionResponse,
    };
    use async_openai::types::responses::{CreateResponse, Response};

    use super::{Bounds, KnownRequest, KnownResponse, ResponseInfo, ToolCallRequest};
    use crate::record::response::MAX_LISTED;
    use crate::text::cut_bytes;

    impl KnownRequest for CreateChatCompletionRequest {
        fn model(&self) -> Option<&str> {
            Some(&self.model)
        }
    }

    impl KnownRequest for CreateResponse {
        fn model(&self) -> Option<&str> {
            self.model.as_deref()
        }
    }

    use crate::cost::TokenUsage;
    use crate::observe::Output;
    use crate::record::wire::openai_chat::ChatCounts;
    use crate::record::wire::provider_of_model;

    /// The usage of a chat completion or of its stream's last chunk, in the
    /// conventions' terms.
    fn usage(u: &async_openai::types::chat::CompletionUsage) -> TokenUsage {
        ChatCounts {
            prompt: u64::from(u.prompt_tokens),
            completion: u64::from(u.completion_tokens),
            total: Some(u64::from(u.total_tokens)),
            cached: u
                .prompt_tokens_details
                .as_ref()
                .and_then(|d| d.cached_tokens)
                .map_or(0, u64::from),
            reasoning: u
                .completion_tokens_details
                .as_ref()
                .and_then(|d| d.reasoning_tokens)
                .map_or(0, u64::from),
        }
        .usage()
    }

    /// A finish reason as the API writes it.
    fn finish_reason(reason: &async_openai::types::chat::FinishReason) -> &'static str {
        use async_openai::types::chat::FinishReason;
        match reason {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::FunctionCall => "function_call",
        }
    }

    impl KnownResponse for CreateChatCompletionResponse {
        /// Read field by field; texts are copied cut at the limit.
        fn output(&self, bounds: Bounds) -> Output {
            let cut = |text: &str| cut_bytes(text, bounds.limit).into_owned();
            let message = self.choices.first().map(|choice| &choice.message);
            let usage = self.usage.as_ref().map(usage);
            let tool_calls = message
                .and_then(|m| m.tool_calls.as_ref())
                .into_iter()
                .flatten()
                .map(|call| match call {
                    ChatCompletionMessageToolCalls::Function(f) => ToolCallRequest {
                        id: Some(cut(&f.id)),
                        name: cut(&f.function.name),
                        arguments: cut(&f.function.arguments),
                    },
                    ChatCompletionMessageToolCalls::Custom(c) => ToolCallRequest {
                        id: Some(cut(&c.id)),
                        name: cut(&c.custom_tool.name),
                        arguments: cut(&c.custom_tool.input),
                    },
                })
                .take(MAX_LISTED)
                .collect();
            let finish_reasons = self
                .choices
                .iter()
                .filter_map(|choice| choice.finish_reason.as_ref())
                .map(|reason| finish_reason(reason).to_owned())
                .take(MAX_LISTED)
                .collect();
            Output {
                info: Some(ResponseInfo {
                    provider: provider_of_model(&self.model).or(Some("openai")),
                    provider_marked: false,
                    operation: None,
                    model: Some(cut(&self.model)),
                    id: Some(cut(&self.id)),
                    finish_reasons,
                    usage,
                    usage_invalid: false,
                    completion: message.and_then(|m| m.content.as_deref()).map(cut),
                    tool_calls,
                }),
                ..Output::default()
            }
        }
    }

    /// Reads a chunk of an async-openai chat stream field by field: no
    /// JSON walk, no allocation but the first chunk's id and model and the
    /// text kept within the limit.
    pub(crate) fn read_chat_chunk(
        chunk: &async_openai::types::chat::CreateChatCompletionStreamResponse,
        read: &mut crate::record::stream::StreamRead,
    ) {
        let usage = chunk.usage.as_ref().map(usage);
        read.openai_chunk(Some(&chunk.id), Some(&chunk.model), usage);
        for choice in &chunk.choices {
            let finish = choice.finish_reason.as_ref().map(finish_reason);
            read.openai_choice(
                u64::from(choice.index),
                choice.delta.content.as_deref(),
                finish,
            );
            if choice.index != 0 {
                continue;
            }
            for call in choice.delta.tool_calls.iter().flatten() {
                let function = call.function.as_ref();
                read.openai_tool_call(
                    call.index,
                    call.id.as_deref(),
                    function.and_then(|f| f.name.as_deref()),
                    function.and_then(|f| f.arguments.as_deref()),
                );
            }
        }
    }

    /// The Responses API's response has many item kinds; it is read through
    /// its JSON form, as any `Serialize` response is.
    impl KnownResponse for Response {
        fn output(&self, bounds: Bounds) -> Output {
            use crate::observe::OutputSerialize as _;
            (&&crate::observe::capture::Wrap(self)).l9_output(bounds)
        }
    }
}

/// The server an async-openai client's base URL points at: OpenAI, Azure
/// OpenAI (`AzureConfig`'s endpoint), Groq, xAI, a local Ollama, …
#[cfg(feature = "async-openai-client")]
impl<C: async_openai::config::Config> ProviderHint for async_openai::Client<C> {
    fn provider(&self) -> Option<&'static str> {
        crate::record::detect_provider_from_url(self.config().api_base())
    }
}

#[cfg(all(test, feature = "async-openai"))]
mod tests {
    use async_openai::types::chat::CreateChatCompletionStreamResponse;
    use serde_json::json;

    use super::read_chat_chunk;
    use crate::cost::TokenUsage;
    use crate::record::stream::StreamRead;

    fn chunk(value: serde_json::Value) -> CreateChatCompletionStreamResponse {
        serde_json::from_value(value).unwrap()
    }

    /// async-openai's chunks read field by field: text of the first choice,
    /// tool-call deltas assembled, finish reasons, the usage chunk.
    #[test]
    fn typed_chunks_read_as_their_json() {
        let base = |choices: serde_json::Value, usage: serde_json::Value| {
            chunk(
                json!({"id": "c1", "object": "chat.completion.chunk", "created": 1,
                         "model": "gpt-4o-2024-08-06", "choices": choices, "usage": usage}),
            )
        };
        let chunks = [
            base(
                json!([{"index": 0, "delta": {"content": "Hi"}},
                        {"index": 1, "delta": {"content": "other"}}]),
                json!(null),
            ),
            base(
                json!([{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1",
                "type": "function", "function": {"name": "f", "arguments": "{\"a\""}}]}}]),
                json!(null),
            ),
            base(
                json!([{"index": 0, "delta": {"tool_calls": [{"index": 0,
                "function": {"arguments": ":1}"}}]}, "finish_reason": "tool_calls"}]),
                json!(null),
            ),
            base(
                json!([]),
                json!({"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
                "prompt_tokens_details": {"cached_tokens": 4},
                "completion_tokens_details": {"reasoning_tokens": 2}}),
            ),
        ];
        let mut read = StreamRead::new(100);
        for chunk in &chunks {
            read_chat_chunk(chunk, &mut read);
        }
        assert!(read.is_openai_chat());
        let info = read.finish();
        assert_eq!(info.completion.as_deref(), Some("Hi"));
        assert_eq!(info.model.as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(info.finish_reasons, ["tool_calls"]);
        assert_eq!(info.tool_calls.len(), 1);
        assert_eq!(info.tool_calls[0].id.as_deref(), Some("call_1"));
        assert_eq!(info.tool_calls[0].name, "f");
        assert_eq!(info.tool_calls[0].arguments, "{\"a\":1}");
        assert_eq!(
            info.usage,
            Some(TokenUsage::new(12, 5).with_cache_read(4).with_reasoning(2))
        );
        // Every finish reason by its name.
        for reason in [
            "stop",
            "length",
            "tool_calls",
            "content_filter",
            "function_call",
        ] {
            let mut read = StreamRead::new(100);
            read_chat_chunk(
                &base(
                    json!([{"index": 0, "delta": {}, "finish_reason": reason}]),
                    json!(null),
                ),
                &mut read,
            );
            assert_eq!(read.finish().finish_reasons, [reason]);
        }
    }
}
