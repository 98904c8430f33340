//! What a model response says of itself ([`ResponseInfo`]), read from its
//! JSON by the format of `record::wire` that recognises it. `Result`
//! (`{"Ok": …}`) and `Option` are looked through; the helpers every
//! format's reader uses (text cut at the capture limit, token counts that
//! spoil the usage when impossible) live here.

use serde_json::Value;

use super::wire;
use crate::cost::{MAX_TOKEN_COUNT, TokenUsage};
use crate::text::{Limited, MAX_DEPTH, cut_bytes};

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolCallRequest {
    /// The call id, when the provider gives one.
    pub id: Option<String>,
    /// The tool's name.
    pub name: String,
    /// The arguments, as JSON text.
    pub arguments: String,
}

/// What a model response says about itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseInfo {
    /// `gen_ai.provider.name`, from the response's shape, a marker in it,
    /// or its model's name.
    pub provider: Option<&'static str>,
    /// The provider was told by a marker only that provider sends (Groq's
    /// `x_groq`, Azure's content filter results, a Bedrock, Ollama or Cohere
    /// body), not guessed from a shape many servers share: it is written
    /// over a provider guessed from the model's name.
    pub provider_marked: bool,
    /// `gen_ai.operation.name` when the response tells it (`embeddings`);
    /// `None` for a chat or completion.
    pub operation: Option<&'static str>,
    /// The model that answered.
    pub model: Option<String>,
    /// The response id.
    pub id: Option<String>,
    /// Why generation stopped.
    pub finish_reasons: Vec<String>,
    /// Token usage, in the OpenTelemetry convention (input includes cached
    /// tokens, output includes reasoning tokens).
    pub usage: Option<TokenUsage>,
    /// A token count cannot be right (negative, fractional, not a number,
    /// null, above [`MAX_TOKEN_COUNT`]): `usage` is then `None`.
    pub usage_invalid: bool,
    /// The answer's text.
    pub completion: Option<String>,
    /// Tool calls asked for.
    pub tool_calls: Vec<ToolCallRequest>,
}

/// At most this many finish reasons, tool calls and text parts are read
/// from one response: a response holding more is read for its first ones,
/// so that reading costs the same for an enormous value.
pub(crate) const MAX_LISTED: usize = 128;

/// A JSON value written with its nesting bounded: a value built in code may
/// be nested without end, and writing recurses once per level.
struct Nested<'v>(&'v Value, usize);

impl serde::Serialize for Nested<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap as _, SerializeSeq as _};
        let Self(value, depth) = *self;
        match value {
            Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => Err(S::Error::custom(
                format!("nested deeper than {MAX_DEPTH} levels"),
            )),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Nested(item, depth + 1))?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, item) in fields {
                    map.serialize_entry(key, &Nested(item, depth + 1))?;
                }
                map.end()
            }
            scalar => scalar.serialize(serializer),
        }
    }
}

/// Reads `value` as a model response, or `None` when no format of
/// [`wire::FORMATS`] recognises it. Text is kept up to `limit` bytes (then
/// marked): the value is read in place, and nothing of it is copied but
/// what the response info holds.
pub(crate) fn read(value: &Value, limit: usize) -> Option<ResponseInfo> {
    let value = look_through(value);
    let format = wire::response_format(value.as_object()?)?;
    Some((format.read_response)(TextLimit { limit }, value))
}

/// The top-level keys of a value no format recognised, for the warning that
/// says what was seen: at most eight, each cut to 32 bytes; `None` when the
/// value is no object (nothing was mistaken for a response).
pub(crate) fn unrecognised_keys(value: &Value) -> Option<String> {
    let object = look_through(value).as_object()?;
    let mut keys: Vec<String> = object
        .keys()
        .take(8)
        .map(|key| format!("{:?}", cut_bytes(key, 32)))
        .collect();
    if object.len() > 8 {
        keys.push(format!("… {} more", object.len() - 8));
    }
    Some(keys.join(", "))
}

/// `{"Ok": v}` and `{"Some": v}` (a `Result` or an `Option` serialized) →
/// `v`; anything else as it is (`{"Err": …}` and `null` are no response).
fn look_through(value: &Value) -> &Value {
    match value {
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            Some((key, inner)) if key == "Ok" || key == "Some" => look_through(inner),
            _ => value,
        },
        _ => value,
    }
}

/// The token counts of a usage object: an absent count is 0; one present
/// but impossible spoils the whole usage.
pub(crate) struct Counts<'a> {
    usage: &'a Value,
    invalid: bool,
}

impl Counts<'_> {
    /// The count at `path`: 0 when absent.
    pub(crate) fn get(&mut self, path: &[&str]) -> u64 {
        self.find(path).unwrap_or(0)
    }

    /// The count at `path`, `None` when absent.
    pub(crate) fn find(&mut self, path: &[&str]) -> Option<u64> {
        let count = path.iter().try_fold(self.usage, |v, key| v.get(key))?;
        match count.as_u64().filter(|n| *n <= MAX_TOKEN_COUNT) {
            Some(n) => Some(n),
            None => {
                self.invalid = true;
                Some(0)
            }
        }
    }

    /// Whether the usage object has `key`.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.usage.get(key).is_some()
    }
}

/// The usage `build` reads from `usage`, and whether a count was
/// impossible, the usage was no object, or the counts contradict each
/// other (then no usage).
pub(crate) fn usage_of(
    usage: Option<&Value>,
    build: impl FnOnce(&mut Counts<'_>) -> TokenUsage,
) -> (Option<TokenUsage>, bool) {
    let Some(usage) = usage.filter(|u| !u.is_null()) else {
        return (None, false);
    };
    if !usage.is_object() {
        // `"usage": 12` or `"usage": "n/a"`: no counts can be read from it.
        return (None, true);
    }
    let mut counts = Counts {
        usage,
        invalid: false,
    };
    let built = build(&mut counts);
    if counts.invalid || !built.is_consistent() {
        (None, true)
    } else {
        (Some(built), false)
    }
}

/// Reading text out of a response, kept up to `limit` bytes: what every
/// format's reader uses.
#[derive(Clone, Copy)]
pub(crate) struct TextLimit {
    pub(crate) limit: usize,
}

impl TextLimit {
    /// The text at `key`, cut at the limit.
    pub(crate) fn string(self, value: &Value, key: &str) -> Option<String> {
        let text = value.get(key).and_then(Value::as_str)?;
        Some(self.cut(text))
    }

    /// `text`, cut at the limit.
    pub(crate) fn cut(self, text: &str) -> String {
        cut_bytes(text, self.limit).into_owned()
    }

    /// Tool-call arguments as JSON text: a string as it is, any other value
    /// written as JSON; either cut at the limit.
    pub(crate) fn arguments(self, value: Option<&Value>) -> String {
        match value {
            Some(Value::String(s)) => cut_bytes(s, self.limit).into_owned(),
            Some(other) => {
                let mut out = Limited::new(self.limit);
                // A write refused at the limit leaves the text cut and
                // marked; one refused for its depth is marked too.
                if serde_json::to_writer(&mut out, &Nested(other, 0)).is_err() {
                    out.mark_cut();
                }
                out.finish()
            }
            None => String::new(),
        }
    }

    /// `texts` joined by `separator`, or `None` when there are none; the
    /// join stops once it holds more than the limit, and is cut there.
    pub(crate) fn joined<'v>(
        self,
        texts: impl Iterator<Item = &'v str>,
        separator: &str,
    ) -> Option<String> {
        let mut out = Limited::new(self.limit);
        let mut any = false;
        for text in texts.take(MAX_LISTED) {
            if any && !out.take(separator) {
                break;
            }
            any = true;
            if !out.take(text) {
                break;
            }
        }
        any.then(|| out.finish())
    }

    /// A tool call: its id, name and arguments (see [`TextLimit::arguments`]).
    pub(crate) fn tool_call(
        self,
        id: Option<&Value>,
        name: Option<&Value>,
        arguments: Option<&Value>,
    ) -> ToolCallRequest {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(|t| self.cut(t));
        ToolCallRequest {
            id: text(id),
            name: text(name).unwrap_or_default(),
            arguments: self.arguments(arguments),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The google-genai SDKs' snake_case response reads as the REST API's
    /// camelCase one.
    #[test]
    fn gemini_in_both_casings() {
        let camel = json!({"candidates": [{"content": {"parts": [{"text": "hi"},
                {"functionCall": {"name": "f", "args": {"q": 1}}}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 7,
                              "cachedContentTokenCount": 10, "thoughtsTokenCount": 3},
            "modelVersion": "gemini-2.5-flash", "responseId": "r-1"});
        let snake = json!({"candidates": [{"content": {"parts": [{"text": "hi"},
                {"function_call": {"name": "f", "args": {"q": 1}}}]}, "finish_reason": "STOP"}],
            "usage_metadata": {"prompt_token_count": 30, "candidates_token_count": 7,
                               "cached_content_token_count": 10, "thoughts_token_count": 3},
            "model_version": "gemini-2.5-flash", "response_id": "r-1"});
        let expected = ResponseInfo {
            provider: Some("gcp.gemini"),
            provider_marked: false,
            operation: None,
            model: Some("gemini-2.5-flash".into()),
            id: Some("r-1".into()),
            finish_reasons: vec!["STOP".into()],
            usage: Some(TokenUsage {
                input_tokens: 30,
                output_tokens: 10,
                cache_read_input_tokens: 10,
                cache_creation_input_tokens: 0,
                reasoning_output_tokens: 3,
            }),
            usage_invalid: false,
            completion: Some("hi".into()),
            tool_calls: vec![ToolCallRequest {
                id: None,
                name: "f".into(),
                arguments: "{\"q\":1}".into(),
            }],
        };
        assert_eq!(read(&camel, 4096).as_ref(), Some(&expected));
        assert_eq!(read(&snake, 4096).as_ref(), Some(&expected));
        // Usage alone, snake_case, is a response too.
        let usage_only = json!({"usage_metadata": {"prompt_token_count": 1}});
        assert_eq!(
            read(&usage_only, 4096).unwrap().usage.unwrap().input_tokens,
            1
        );
    }

    /// OpenAI's two shapes and Anthropic's, read field by field.
    #[test]
    fn openai_and_anthropic_responses_read_whole() {
        let call = |id: &str, name: &str, arguments: &str| ToolCallRequest {
            id: Some(id.into()),
            name: name.into(),
            arguments: arguments.into(),
        };
        let chat = json!({"id": "c1", "object": "chat.completion", "model": "gpt-4o",
            "choices": [{"finish_reason": "tool_calls", "message": {"content": "Let me look",
                "tool_calls": [{"id": "t1", "function": {"name": "f", "arguments": "{}"}}]}},
                {"finish_reason": "stop"}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 4,
                      "prompt_tokens_details": {"cached_tokens": 2}}});
        let info = read(&chat, 100).unwrap();
        assert_eq!(info.provider, Some("openai"));
        assert_eq!(
            (info.id.as_deref(), info.model.as_deref()),
            (Some("c1"), Some("gpt-4o"))
        );
        assert_eq!(info.finish_reasons, ["tool_calls", "stop"]);
        assert_eq!(info.completion.as_deref(), Some("Let me look"));
        assert_eq!(info.tool_calls, [call("t1", "f", "{}")]);
        assert_eq!(info.usage, Some(TokenUsage::new(9, 4).with_cache_read(2)));
        let responses = json!({"object": "response", "id": "r1", "model": "gpt-4.1",
            "status": "completed",
            "output": [{"type": "message", "content": [{"type": "output_text", "text": "Do"},
                                                        {"type": "refusal", "text": "x"},
                                                        {"type": "output_text", "text": "ne"}]},
                       {"type": "reasoning", "content": [{"type": "output_text", "text": "y"}]},
                       {"type": "function_call", "call_id": "fc1", "name": "g",
                        "arguments": "{\"a\":1}"}],
            "usage": {"input_tokens": 5, "output_tokens": 3}});
        let info = read(&responses, 100).unwrap();
        assert_eq!(info.completion.as_deref(), Some("Done"));
        assert_eq!(info.finish_reasons, ["completed"]);
        assert_eq!(info.tool_calls, [call("fc1", "g", "{\"a\":1}")]);
        assert_eq!(info.usage, Some(TokenUsage::new(5, 3)));
        let message = json!({"id": "m1", "type": "message", "model": "claude-sonnet-4-5",
            "stop_reason": "tool_use",
            "content": [{"type": "text", "text": "a"}, {"type": "thinking", "text": "z"},
                        {"type": "tool_use", "id": "tu1", "name": "h", "input": {"q": [1]}},
                        {"type": "text", "text": "b"}],
            "usage": {"input_tokens": 7, "output_tokens": 2, "cache_read_input_tokens": 3}});
        let info = read(&message, 100).unwrap();
        assert_eq!(info.provider, Some("anthropic"));
        assert_eq!(
            (info.id.as_deref(), info.model.as_deref()),
            (Some("m1"), Some("claude-sonnet-4-5"))
        );
        assert_eq!(info.finish_reasons, ["tool_use"]);
        assert_eq!(info.completion.as_deref(), Some("a b"));
        assert_eq!(info.tool_calls, [call("tu1", "h", "{\"q\":[1]}")]);
        assert_eq!(info.usage, Some(TokenUsage::new(10, 2).with_cache_read(3)));
    }

    /// Tool input nested without end is written to the depth bound, then
    /// marked cut: writing it never recurses deeper, whatever the limit.
    #[test]
    fn deeply_nested_tool_input_is_written_to_the_depth_bound() {
        let in_array = |inner| Value::Array(vec![inner]);
        let in_object = |inner| Value::Object([("a".to_owned(), inner)].into_iter().collect());
        assert_eq!(nested_arguments(in_array), "[".repeat(MAX_DEPTH));
        assert_eq!(nested_arguments(in_object), r#"{"a":"#.repeat(MAX_DEPTH));
    }

    /// The arguments of a tool call whose input is 20 000 levels of `nest`,
    /// read on a thread with a usual stack; without the cut marker.
    fn nested_arguments(nest: fn(Value) -> Value) -> String {
        let mut input = json!(1);
        for _ in 0..20_000 {
            input = nest(input);
        }
        // Put in place, not through `json!`, which would copy it recursively.
        let mut message = json!({"type": "message",
            "content": [{"type": "tool_use", "id": "t", "name": "f"}]});
        message["content"][0]["input"] = input;
        // A thread's usual 2 MiB: 20 000 levels of writing overflow it.
        let arguments = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let arguments = read(&message, 1 << 20).unwrap().tool_calls[0]
                    .arguments
                    .clone();
                std::mem::forget(message); // dropping 20 000 levels recurses too
                arguments
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
        let marker = crate::text::TRUNCATION_MARKER;
        arguments
            .strip_suffix(marker)
            .unwrap_or_else(|| panic!("not marked cut: {arguments}"))
            .to_owned()
    }

    /// Which shapes are read as which provider's response: each by any one
    /// of its markers, and through the wrappers `Ok` and `Some` alone.
    #[test]
    fn responses_are_told_by_any_of_their_markers() {
        let provider = |value: Value| read(&value, 100).and_then(|info| info.provider);
        // The Responses API: `"object": "response"` alone, or output with usage.
        assert_eq!(
            provider(json!({"object": "response", "output": []})),
            Some("openai")
        );
        assert_eq!(
            provider(json!({"output": [], "usage": {"input_tokens": 1}})),
            Some("openai")
        );
        // Output and usage alone are no Responses API body.
        assert_eq!(provider(json!({"output": [], "usage": {}})), None);
        assert_eq!(provider(json!({"output": []})), None);
        // Anthropic: `"type": "message"` alone, or a stop reason alone.
        assert_eq!(provider(json!({"type": "message"})), Some("anthropic"));
        assert_eq!(
            provider(json!({"stop_reason": "end_turn"})),
            Some("anthropic")
        );
        // Gemini: candidates, or usage in either casing, each alone.
        for marker in ["candidates", "usageMetadata", "usage_metadata"] {
            assert_eq!(
                provider(json!({marker: {}})),
                Some("gcp.gemini"),
                "{marker}"
            );
        }
        // A `Result` or an `Option` serialized is looked through; an error,
        // null, or an object that only has such a key among others is not.
        let chat = json!({"choices": []});
        assert_eq!(provider(json!({"Ok": {"Some": chat}})), Some("openai"));
        assert_eq!(provider(json!({"Err": chat})), None);
        assert_eq!(provider(json!({"Ok": null})), None);
        assert_eq!(provider(Value::Null), None);
        assert_eq!(provider(json!({"Ok": 1, "choices": []})), Some("openai"));
    }

    /// Text blocks are joined up to the limit and cut there, marked; at
    /// most `MAX_LISTED` are read.
    #[test]
    fn text_blocks_are_joined_within_the_limit() {
        let message = |texts: &[&str]| {
            let blocks: Vec<Value> = texts
                .iter()
                .map(|t| json!({"type": "text", "text": t}))
                .collect();
            json!({"type": "message", "content": blocks})
        };
        let completion = |value: &Value, limit| read(value, limit).unwrap().completion;
        let three = message(&["abc", "def", "gh"]);
        assert_eq!(completion(&three, 100).as_deref(), Some("abc def gh"));
        let marker = crate::text::TRUNCATION_MARKER;
        assert_eq!(completion(&three, 5), Some(format!("abc d{marker}")));
        assert_eq!(completion(&three, 3), Some(format!("abc{marker}")));
        assert_eq!(completion(&message(&[]), 100), None);
        let many = message(&["x"; 300]);
        assert_eq!(
            completion(&many, 10_000).map(|c| c.len()),
            Some(2 * MAX_LISTED - 1)
        );
    }
}
