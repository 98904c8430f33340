//! OpenAI embeddings (`/v1/embeddings`), which Azure OpenAI, Mistral,
//! vLLM and Ollama's OpenAI-compatible endpoint answer alike:
//! `{"object": "list", "data": [{"object": "embedding", …}], "usage": …}`,
//! told by the list and its prompt count.
//!
//! How it counts: `usage.prompt_tokens` is the input; an embedding has no
//! output. The provider is the model's, else `openai`.

use serde_json::{Map, Value};

use super::{Format, Usage, starts_with_any};
use crate::attributes::operation;
use crate::cost::TokenUsage;
use crate::record::response::{ResponseInfo, TextLimit, usage_of};
use crate::record::stream::StreamRead;

/// The format. Embeddings are never streamed.
pub(crate) static FORMAT: Format = Format {
    name: "openai_embeddings",
    provider: "openai",
    marked: false,
    named_by_model: true,
    is_response,
    read_response,
    is_chunk: |_| false,
    read_chunk: |_: &mut StreamRead, _: &Value| None,
    stream_usage: usage_of_embeddings,
    provider_of_model: |name| {
        starts_with_any(name, &["text-embedding-3", "text-embedding-ada"]).then_some("openai")
    },
    request_part: |_| None,
    hosts: &[],
};

/// The keys the reader of this file looks at.
#[cfg(test)]
pub(crate) const RESPONSE_KEYS: &[&str] = &["object", "usage", "prompt_tokens", "model"];

/// A list with a prompt count: OpenAI's other lists (models, files) count
/// no tokens. The vectors (`data`) are never looked at, so that a typed
/// response is walked without them.
fn is_response(object: &Map<String, Value>) -> bool {
    object.get("object").and_then(Value::as_str) == Some("list")
        && object
            .get("usage")
            .is_some_and(|u| u.get("prompt_tokens").is_some())
}

fn usage_of_embeddings(usage: &Value) -> Usage {
    usage_of(Some(usage), |c| {
        TokenUsage::new(c.get(&["prompt_tokens"]), 0)
    })
}

fn read_response(read: TextLimit, value: &Value) -> ResponseInfo {
    let (usage, usage_invalid) = match value.get("usage") {
        Some(usage) => usage_of_embeddings(usage),
        None => (None, false),
    };
    let model = read.string(value, "model");
    ResponseInfo {
        provider: model
            .as_deref()
            .and_then(super::provider_of_model)
            .or(Some(FORMAT.provider)),
        operation: Some(operation::EMBEDDINGS),
        model,
        usage,
        usage_invalid,
        ..ResponseInfo::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::response::read;

    /// A list with a prompt count; OpenAI's other lists and a lone count
    /// are no embeddings.
    #[test]
    fn embeddings_are_a_list_with_a_prompt_count() {
        let body = json!({"object": "list", "data": [], "model": "mistral-embed",
                          "usage": {"prompt_tokens": 8}});
        let info = read(&body, 100).unwrap();
        assert_eq!(
            (info.provider, info.provider_marked, info.operation),
            (Some("mistral_ai"), false, Some("embeddings"))
        );
        assert_eq!(info.usage, Some(TokenUsage::new(8, 0)));
        let unknown_model = json!({"object": "list", "usage": {"prompt_tokens": 8}});
        assert_eq!(read(&unknown_model, 100).unwrap().provider, Some("openai"));
        assert_eq!(read(&json!({"object": "list", "data": []}), 100), None);
        assert_eq!(read(&json!({"usage": {"prompt_tokens": 8}}), 100), None);
        let bad = json!({"object": "list", "usage": {"prompt_tokens": -8}});
        let info = read(&bad, 100).unwrap();
        assert_eq!((info.usage, info.usage_invalid), (None, true));
    }
}
