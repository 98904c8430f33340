//! The wire formats the crate reads, one module each, and the one ordered
//! list every reader loops over.
//!
//! A module owns everything about its format: how to recognise a whole
//! response and a stream chunk or event of it, the readers that fill the
//! shared [`ResponseInfo`] and [`StreamRead`], its provider's name, the
//! model names that tell it, and how its provider counts tokens (what
//! includes what). Reading a response, reading a stream chunk, reading the
//! blocks of a request's messages that only one format writes, and telling
//! a provider from a model name are loops over [`FORMATS`], in its order:
//! the first format that recognises a value reads it. A value no format
//! recognises is read as nothing: no provider, no tokens.
//!
//! Adding a provider: a new module here holding a [`Format`], one line in
//! [`FORMATS`], the keys its readers look at in [`RESPONSE_KEYS`] or
//! [`STREAM_KEYS`] (and `request::REQUEST_KEYS`; a test names any it
//! forgot), and its fixtures under `tests/fixtures/providers/`
//! (docs/ARCHITECTURE.md walks it).

use serde_json::{Map, Value};

use super::messages::Part;
use super::response::{MAX_LISTED, ResponseInfo, TextLimit, ToolCallRequest};
use super::stream::{ChunkError, StreamRead};
use crate::cost::TokenUsage;

pub(crate) mod anthropic;
pub(crate) mod bedrock;
pub(crate) mod cohere;
pub(crate) mod gemini;
pub(crate) mod ollama;
pub(crate) mod openai_chat;
pub(crate) mod openai_embeddings;
pub(crate) mod openai_responses;

/// Usage as read: the counts, or `None`; and whether a count was
/// impossible (the span is then marked).
pub(crate) type Usage = (Option<TokenUsage>, bool);

/// One wire format: what the readers of the crate need to know of it.
pub(crate) struct Format {
    /// The format's name, for tests and warnings.
    pub(crate) name: &'static str,
    /// The `gen_ai.provider.name` its responses are named by when nothing
    /// more precise is known.
    pub(crate) provider: &'static str,
    /// The shape is sent only by its provider: the provider it names is
    /// written over one guessed from the model's name.
    pub(crate) marked: bool,
    /// The shape is spoken by many servers: a model name that tells its
    /// provider names the response.
    pub(crate) named_by_model: bool,
    /// Whether a whole response (an object) is of this format.
    pub(crate) is_response: fn(&Map<String, Value>) -> bool,
    /// Reads a whole response of this format.
    pub(crate) read_response: fn(TextLimit, &Value) -> ResponseInfo,
    /// Whether a stream chunk or event (an object) is of this format.
    pub(crate) is_chunk: fn(&Map<String, Value>) -> bool,
    /// Reads one chunk or event of this format into what the stream said;
    /// an error the provider sent as an event is returned.
    pub(crate) read_chunk: fn(&mut StreamRead, &Value) -> Option<ChunkError>,
    /// The usage of the usage object a stream of this format collected.
    pub(crate) stream_usage: fn(&Value) -> Usage,
    /// The provider a model name tells, as this format's provider names its
    /// models; `None` when the name is not one of them.
    pub(crate) provider_of_model: fn(&str) -> Option<&'static str>,
    /// A block of a request message's content that only this format
    /// writes (its tool calls and tool results), read as a part; `None`
    /// when the block is not one of them. Text blocks are everyone's.
    pub(crate) request_part: fn(&Value) -> Option<Part>,
    /// The servers known to speak this format, by the host of a client's
    /// base URL, each with the provider it names.
    pub(crate) hosts: &'static [(Host, &'static str)],
}

/// A server, as the host of a base URL tells it (compared ignoring ASCII
/// case).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Host {
    /// This host.
    Is(&'static str),
    /// Any host ending with this (`.openai.azure.com`).
    EndsWith(&'static str),
    /// Any host starting with the first and ending with the second
    /// (`bedrock-runtime` … `.amazonaws.com`).
    Between(&'static str, &'static str),
    /// Any host, at this port (Ollama's 11434).
    Port(u16),
}

impl Host {
    fn matches(self, host: &str, port: Option<u16>) -> bool {
        match self {
            Self::Is(name) => host.eq_ignore_ascii_case(name),
            Self::EndsWith(suffix) => ends_with(host, suffix),
            Self::Between(prefix, suffix) => {
                host.len() >= prefix.len() + suffix.len()
                    && starts_with(host, prefix)
                    && ends_with(host, suffix)
            }
            Self::Port(known) => port == Some(known),
        }
    }
}

/// Every format, in the order they are tried: formats with a marker no
/// other has come before those told by the keys they share.
pub(crate) static FORMATS: &[&Format] = &[
    &openai_chat::FORMAT,
    &openai_embeddings::FORMAT,
    &openai_responses::FORMAT,
    &anthropic::FORMAT,
    &gemini::FORMAT,
    &bedrock::FORMAT,
    &ollama::FORMAT,
    &cohere::FORMAT,
];

/// The format of a whole response, if any recognises it.
pub(crate) fn response_format(object: &Map<String, Value>) -> Option<&'static Format> {
    FORMATS.iter().copied().find(|f| (f.is_response)(object))
}

/// The format of a stream chunk or event, if any recognises it.
pub(crate) fn chunk_format(object: &Map<String, Value>) -> Option<&'static Format> {
    FORMATS.iter().copied().find(|f| (f.is_chunk)(object))
}

/// The `gen_ai.provider.name` of a model, guessed from its name by the
/// wire formats in turn: Bedrock model ids (`us.anthropic.claude-…`,
/// `amazon.nova-…`) → `aws.bedrock`; `gpt…`/`o1`/`o3`/`o4…`/`chatgpt…`/
/// `text-embedding-3…` → `openai`; `grok…` → `x_ai`; `deepseek…` →
/// `deepseek`; `mistral…`/`mixtral…`/`codestral…` → `mistral_ai`; `claude…`
/// → `anthropic`; `gemini…` → `gcp.gemini`; `command…`/`embed-…` →
/// `cohere`. A provider prefix (`azure/gpt-4o`) is looked through. `None`
/// when unknown: a local model's name (`llama3.1`) names no provider.
///
/// ```
/// use last9_genai::detect_provider;
///
/// assert_eq!(detect_provider("gpt-4o-2024-08-06"), Some("openai"));
/// assert_eq!(detect_provider("claude-sonnet-4-5"), Some("anthropic"));
/// assert_eq!(detect_provider("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Some("aws.bedrock"));
/// assert_eq!(detect_provider("grok-4"), Some("x_ai"));
/// assert_eq!(detect_provider("llama3.1"), None);
/// ```
pub fn detect_provider(model: &str) -> Option<&'static str> {
    provider_of_model(model)
}

/// [`detect_provider`], for the readers of the crate.
pub(crate) fn provider_of_model(model: &str) -> Option<&'static str> {
    let name = model.rsplit('/').next().unwrap_or(model);
    FORMATS.iter().find_map(|f| (f.provider_of_model)(name))
}

/// The `gen_ai.provider.name` of the server a client's base URL points
/// at, by its host: `https://api.groq.com/openai/v1` → `groq`,
/// `https://my-resource.openai.azure.com` → `azure.ai.openai`,
/// `http://localhost:11434` → `ollama`,
/// `https://bedrock-runtime.us-east-1.amazonaws.com` → `aws.bedrock`.
/// `None` for a host no format knows (a proxy, a local server on another
/// port): then the provider is told by the model's name.
///
/// ```
/// use last9_genai::detect_provider_from_url;
///
/// assert_eq!(detect_provider_from_url("https://api.x.ai/v1"), Some("x_ai"));
/// assert_eq!(detect_provider_from_url("https://Api.OpenAI.com/v1"), Some("openai"));
/// assert_eq!(detect_provider_from_url("http://127.0.0.1:11434/api"), Some("ollama"));
/// assert_eq!(detect_provider_from_url("https://llm-proxy.internal/v1"), None);
/// ```
pub fn detect_provider_from_url(url: &str) -> Option<&'static str> {
    let (host, port) = host_of(url)?;
    FORMATS.iter().find_map(|format| {
        format
            .hosts
            .iter()
            .find(|(known, _)| known.matches(host, port))
            .map(|(_, provider)| *provider)
    })
}

/// The host of a URL (`scheme://user@host:port/path`), and its port when
/// written; `None` when there is no host.
fn host_of(url: &str) -> Option<(&str, Option<u16>)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        // An IPv6 address: `[::1]:11434`.
        let (host, after) = bracketed.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    (!host.is_empty()).then(|| (host, port.and_then(|p| p.parse().ok())))
}

/// The tool calls of a message in OpenAI's shape, which Cohere and Ollama
/// answer in too: `tool_calls[].{id, function: {name, arguments}}`, the
/// arguments a JSON string or any JSON value; at most `MAX_LISTED`.
pub(crate) fn function_calls(read: TextLimit, message: Option<&Value>) -> Vec<ToolCallRequest> {
    message
        .into_iter()
        .flat_map(|m| items(m, "tool_calls"))
        .take(MAX_LISTED)
        .map(|call| {
            let function = call.get("function");
            read.tool_call(
                call.get("id"),
                function.and_then(|f| f.get("name")),
                function.and_then(|f| f.get("arguments")),
            )
        })
        .collect()
}

/// A block of a request message's content as a part, by the first format
/// that knows it.
pub(crate) fn request_part(block: &Value) -> Option<Part> {
    FORMATS.iter().find_map(|f| (f.request_part)(block))
}

/// A request's tool-call arguments or tool result as text: a string as it
/// is, any other value as JSON.
pub(crate) fn as_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// The text at `key` of `value`, owned.
pub(crate) fn string(value: &Value, key: &str) -> Option<String> {
    str_at(value, key).map(str::to_owned)
}

/// Whether `name` starts with `prefix`, ASCII case aside (model names are
/// compared so without a lowercase copy).
pub(crate) fn starts_with(name: &str, prefix: &str) -> bool {
    name.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether `name` ends with `suffix`, ASCII case aside.
fn ends_with(name: &str, suffix: &str) -> bool {
    name.len() >= suffix.len()
        && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// Whether `name` starts with any of `prefixes`, ASCII case aside.
pub(crate) fn starts_with_any(name: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| starts_with(name, p))
}

/// The text at `key` of `value`, in place.
pub(crate) fn str_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The array at `key` of `value`, its items in place (none when absent or
/// not an array).
pub(crate) fn items<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The field named `camel` in a REST API, `snake` in its SDKs.
pub(crate) fn either<'v>(value: &'v Value, camel: &str, snake: &str) -> Option<&'v Value> {
    value.get(camel).or_else(|| value.get(snake))
}

key_list! {
    /// Every object key the response readers of [`FORMATS`] look at, with
    /// the wrappers looked through: a value walked for them needs nothing
    /// else (see `json::tree`). Each module lists its own (`RESPONSE_KEYS`
    /// there); a test holds this list to their union.
    RESPONSE_KEYS, is_response_key,
    // The wrappers of `Result` and `Option`.
    "Ok", "Some", "Err",
    // OpenAI chat completions and the compatible servers.
    "id", "model", "object", "choices", "message", "content", "tool_calls", "function",
    "name", "arguments", "finish_reason", "usage", "prompt_tokens", "completion_tokens",
    "total_tokens", "prompt_tokens_details", "cached_tokens", "completion_tokens_details", "reasoning_tokens",
    "prompt_cache_hit_tokens", "x_groq", "prompt_filter_results",
    // OpenAI Responses API.
    "type", "status", "output", "output_text", "text", "call_id", "input_tokens",
    "output_tokens", "input_tokens_details", "output_tokens_details",
    // Anthropic.
    "stop_reason", "cache_read_input_tokens", "cache_creation_input_tokens", "input",
    // Gemini.
    "candidates", "usageMetadata", "parts", "thought", "functionCall", "args",
    "promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount",
    "thoughtsTokenCount", "modelVersion", "responseId", "finishReason", "usage_metadata",
    "prompt_token_count", "candidates_token_count", "cached_content_token_count",
    "thoughts_token_count", "model_version", "response_id", "function_call",
    // Bedrock.
    "stopReason", "toolUse", "toolUseId", "inputTokens", "outputTokens", "totalTokens",
    "cacheReadInputTokens", "cacheWriteInputTokens", "inputTextTokenCount",
    // Ollama.
    "done", "done_reason", "created_at", "response", "prompt_eval_count", "eval_count",
    "total_duration",
    // Cohere.
    "billed_units", "tokens", "meta", "response_type",
}

/// Keys whose value is read whole, whatever keys it holds inside: tool-call
/// arguments.
pub(crate) const OPAQUE_KEYS: &[&str] = &["arguments", "input", "args"];

key_list! {
    /// Every object key the stream readers of [`FORMATS`] look at: a chunk
    /// walked for them needs nothing else. Each module lists its own
    /// (`STREAM_KEYS` there); a test holds this list to their union.
    STREAM_KEYS, is_stream_key,
    // Errors inside a stream, and `Result`.
    "Ok", "error", "type", "code", "status", "message",
    // OpenAI chat completion chunks.
    "id", "model", "usage", "choices", "index", "finish_reason", "delta", "content",
    "tool_calls", "function", "name", "arguments", "x_groq",
    // OpenAI Responses API events.
    "item", "output_index", "call_id", "response",
    // Anthropic events.
    "content_block", "text", "partial_json", "stop_reason",
    // Gemini chunks.
    "responseId", "response_id", "modelVersion", "model_version", "usageMetadata",
    "usage_metadata", "candidates", "finishReason", "parts", "functionCall", "function_call", "args",
    "thought",
    // Bedrock ConverseStream events.
    "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop",
    "messageStop", "metadata", "start", "toolUse", "toolUseId", "input", "stopReason",
    "contentBlockIndex", "internalServerException", "modelStreamErrorException",
    "validationException", "throttlingException", "serviceUnavailableException",
    // Ollama chunks.
    "done", "done_reason", "created_at", "prompt_eval_count", "eval_count",
}

/// Keys of a chunk whose value is read whole: usage objects, a final
/// event's whole response, an error, tool-call arguments.
pub(crate) const STREAM_OPAQUE_KEYS: &[&str] = &[
    "usage",
    "usageMetadata",
    "usage_metadata",
    "response",
    "error",
    "args",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each known server by its base URL, as clients write them.
    #[test]
    fn base_urls_name_their_servers() {
        for (url, provider) in [
            ("https://api.openai.com/v1", "openai"),
            ("https://my-resource.openai.azure.com/", "azure.ai.openai"),
            (
                "https://my-hub.services.ai.azure.com/models",
                "azure.ai.inference",
            ),
            (
                "https://m-1.eastus2.models.ai.azure.com",
                "azure.ai.inference",
            ),
            ("https://api.groq.com/openai/v1", "groq"),
            ("https://api.x.ai/v1", "x_ai"),
            ("https://api.deepseek.com", "deepseek"),
            ("https://api.mistral.ai/v1", "mistral_ai"),
            ("https://api.perplexity.ai", "perplexity"),
            ("https://api.anthropic.com/v1/messages", "anthropic"),
            (
                "https://generativelanguage.googleapis.com/v1beta/openai/",
                "gcp.gemini",
            ),
            (
                "https://us-central1-aiplatform.googleapis.com/v1",
                "gcp.vertex_ai",
            ),
            (
                "https://bedrock-runtime.us-east-1.amazonaws.com",
                "aws.bedrock",
            ),
            (
                "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com",
                "aws.bedrock",
            ),
            ("http://localhost:11434", "ollama"),
            ("http://127.0.0.1:11434/api/chat", "ollama"),
            ("http://[::1]:11434/v1", "ollama"),
            ("https://ollama.com/api", "ollama"),
            ("https://api.cohere.com/v2", "cohere"),
            ("https://api.cohere.ai", "cohere"),
            // Case, a user, a port, a query and a root dot change nothing.
            ("HTTPS://API.GROQ.COM/openai/v1", "groq"),
            ("https://key@api.x.ai:443/v1?x=1#y", "x_ai"),
            ("https://api.openai.com./v1", "openai"),
            ("api.deepseek.com/v1", "deepseek"),
        ] {
            assert_eq!(detect_provider_from_url(url), Some(provider), "{url}");
        }
    }

    /// What names no known server names none: a proxy, another local port,
    /// a host that only contains a known one, garbage.
    #[test]
    fn other_and_malformed_urls_name_nothing() {
        let enormous = format!("https://{}.com", "a".repeat(1 << 20));
        for url in [
            "https://llm-proxy.internal/v1",
            "http://localhost:8000/v1",
            "https://api.openai.com.evil.example/v1",
            "https://notapi.groq.com",
            "https://bedrock-runtime.example.com",
            "https://s3.us-east-1.amazonaws.com",
            "https://amazonaws.com",
            "http://localhost:notaport",
            "http://[::1/v1",
            "http://:11434",
            "",
            "://",
            "https://",
            "https:///v1",
            "\u{0}\u{ffff}",
            enormous.as_str(),
        ] {
            assert_eq!(detect_provider_from_url(url), None, "{url:.80}");
        }
    }

    /// Each format module's request keys, in the order of [`FORMATS`].
    fn request_lists() -> [&'static [&'static str]; 8] {
        [
            &[],
            &[],
            &[],
            anthropic::REQUEST_KEYS,
            gemini::REQUEST_KEYS,
            bedrock::REQUEST_KEYS,
            &[],
            &[],
        ]
    }

    /// The request keys every module reads are walked for.
    #[test]
    fn the_request_keys_are_walked_for() {
        for list in request_lists() {
            for key in list {
                assert!(
                    crate::record::request::REQUEST_KEYS.contains(key),
                    "{key:?} is not in request::REQUEST_KEYS"
                );
            }
        }
    }

    /// Each format module's own key lists, in the order of [`FORMATS`].
    fn module_lists() -> [(
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    ); 8] {
        [
            (
                "openai_chat",
                openai_chat::RESPONSE_KEYS,
                openai_chat::STREAM_KEYS,
            ),
            ("openai_embeddings", openai_embeddings::RESPONSE_KEYS, &[]),
            (
                "openai_responses",
                openai_responses::RESPONSE_KEYS,
                openai_responses::STREAM_KEYS,
            ),
            (
                "anthropic",
                anthropic::RESPONSE_KEYS,
                anthropic::STREAM_KEYS,
            ),
            ("gemini", gemini::RESPONSE_KEYS, gemini::STREAM_KEYS),
            ("bedrock", bedrock::RESPONSE_KEYS, bedrock::STREAM_KEYS),
            ("ollama", ollama::RESPONSE_KEYS, ollama::STREAM_KEYS),
            ("cohere", cohere::RESPONSE_KEYS, cohere::STREAM_KEYS),
        ]
    }

    /// The union lists hold exactly the keys the modules list (and the
    /// wrappers and errors the shared readers look through).
    #[test]
    fn the_union_lists_are_the_modules_lists() {
        let lists = module_lists();
        assert_eq!(lists.len(), FORMATS.len());
        for ((name, _, _), format) in lists.iter().zip(FORMATS) {
            assert_eq!(
                *name, format.name,
                "module_lists is in the order of FORMATS"
            );
        }
        let shared_response = ["Ok", "Some", "Err"];
        let shared_stream = ["Ok", "error", "type", "code", "status", "message"];
        for (union, pick, shared) in [
            (
                RESPONSE_KEYS,
                (|l: &(_, &'static [&'static str], _)| l.1) as fn(&_) -> _,
                &shared_response[..],
            ),
            (STREAM_KEYS, |l| l.2, &shared_stream[..]),
        ] {
            for key in union {
                assert!(
                    shared.contains(key) || lists.iter().any(|l| pick(l).contains(key)),
                    "{key:?} is in a union list but no module reads it"
                );
            }
            for list in &lists {
                for key in pick(list) {
                    assert!(
                        union.contains(key),
                        "{key:?} of {} is not in the union",
                        list.0
                    );
                }
            }
        }
        for key in OPAQUE_KEYS {
            assert!(RESPONSE_KEYS.contains(key), "{key}");
        }
        for key in STREAM_OPAQUE_KEYS {
            assert!(STREAM_KEYS.contains(key), "{key}");
        }
    }

    /// Every quoted name a module's readers use, from its first function
    /// on, is one of its listed keys or a value it compares with: a key
    /// added to a reader and not listed would be lost when a `Serialize`
    /// response is walked for the listed keys only.
    #[test]
    fn every_key_a_reader_uses_is_listed() {
        let sources = [
            (
                include_str!("openai_chat.rs"),
                &[
                    "openai",
                    "gpt",
                    "o1",
                    "o3",
                    "o4",
                    "chatgpt",
                    "ft:gpt",
                    "grok",
                    "x_ai",
                    "deepseek",
                    "mistral",
                    "mixtral",
                    "codestral",
                    "ministral",
                    "magistral",
                    "pixtral",
                    "devstral",
                    "open-mistral",
                    "mistral_ai",
                    "groq",
                    "azure.ai.openai",
                ][..],
            ),
            (include_str!("openai_embeddings.rs"), &["list"][..]),
            (
                include_str!("openai_responses.rs"),
                &[
                    "response",
                    "response.",
                    "message",
                    "output_text",
                    "function_call",
                    "",
                    "response.output_text.delta",
                    "response.output_item.added",
                    "response.function_call_arguments.delta",
                    "response.created",
                    "response.in_progress",
                    "response.completed",
                    "response.incomplete",
                    "response.failed",
                ][..],
            ),
            (
                include_str!("anthropic.rs"),
                &[
                    "message",
                    "message_",
                    "content_block_",
                    "text",
                    "tool_use",
                    "tool_result",
                    " ",
                    "message_start",
                    "content_block_start",
                    "content_block_delta",
                    "text_delta",
                    "input_json_delta",
                    "message_delta",
                ][..],
            ),
            // The vectors are looked at in JSON values only, never walked for.
            (
                include_str!("gemini.rs"),
                &["embedding", "embeddings", "values", ""][..],
            ),
            (
                include_str!("bedrock.rs"),
                &["aws.bedrock", "", "Exception"][..],
            ),
            (include_str!("ollama.rs"), &[][..]),
            (
                include_str!("cohere.rs"),
                &[
                    "embeddings",
                    "text",
                    "",
                    "message-start",
                    "content-delta",
                    "tool-call-start",
                    "tool-call-delta",
                    "message-end",
                ][..],
            ),
        ];
        let lists = module_lists().into_iter().zip(request_lists());
        for (((_, response, stream), request), (source, values)) in lists.zip(sources) {
            let keys: Vec<&str> = response
                .iter()
                .chain(stream)
                .chain(request)
                .copied()
                .collect();
            crate::record::assert_keys_listed(source, "\nfn ", (&keys, &[]), values);
        }
    }

    /// Model names tell their provider, through any prefix and in any
    /// case; a name no format knows tells none.
    #[test]
    fn model_names_tell_their_provider() {
        for (model, provider) in [
            ("gpt-4o-2024-08-06", Some("openai")),
            ("o3-mini", Some("openai")),
            ("text-embedding-3-small", Some("openai")),
            ("azure/gpt-4o", Some("openai")),
            ("claude-sonnet-4-5", Some("anthropic")),
            ("gemini-2.0-flash", Some("gcp.gemini")),
            ("text-embedding-004", Some("gcp.gemini")),
            ("command-r-plus", Some("cohere")),
            ("embed-english-v3.0", Some("cohere")),
            ("mistral-large-latest", Some("mistral_ai")),
            ("codestral-2501", Some("mistral_ai")),
            ("deepseek-chat", Some("deepseek")),
            ("grok-4", Some("x_ai")),
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                Some("aws.bedrock"),
            ),
            (
                "anthropic.claude-3-5-sonnet-20241022-v2:0",
                Some("aws.bedrock"),
            ),
            ("amazon.nova-pro-v1:0", Some("aws.bedrock")),
            ("amazon.titan-embed-text-v2:0", Some("aws.bedrock")),
            ("meta.llama3-3-70b-instruct-v1:0", Some("aws.bedrock")),
            ("GPT-4O", Some("openai")),
            ("US.Amazon.Nova-Pro-v1:0", Some("aws.bedrock")),
            ("Claude-3-Opus", Some("anthropic")),
            ("llama3.1", None),
            ("", None),
        ] {
            assert_eq!(provider_of_model(model), provider, "{model}");
        }
        // An enormous name is looked at for its start alone, never copied.
        assert_eq!(provider_of_model(&"gpt".repeat(100_000)), Some("openai"));
        assert_eq!(provider_of_model(&"x".repeat(100_000)), None);
    }
}
