//! Reading back what an ended span says: its model, usage, cost and kind,
//! in one pass over its attributes, whoever wrote them.

use opentelemetry::{KeyValue, Value};

use crate::attributes as attr;
use crate::cost::{MAX_TOKEN_COUNT, TokenUsage};
use crate::text::saturating_i64;

/// What the processor needs to know of an ended span, read in one pass.
#[derive(Debug, Default)]
pub(crate) struct SpanFacts<'a> {
    pub(crate) request_model: Option<&'a str>,
    pub(crate) response_model: Option<&'a str>,
    pub(crate) input: Option<u64>,
    pub(crate) output: Option<u64>,
    pub(crate) cache_read: Option<u64>,
    pub(crate) cache_creation: Option<u64>,
    pub(crate) reasoning: Option<u64>,
    pub(crate) cost_usd: Option<f64>,
    pub(crate) kind: Option<&'a str>,
    pub(crate) operation: Option<&'a str>,
    /// `gen_ai.provider.name`, else `gen_ai.system`.
    pub(crate) provider: Option<&'a str>,
    /// `workflow.id`, `gen_ai.conversation.id`, `user.id`: the scopes.
    pub(crate) workflow: Option<&'a str>,
    pub(crate) conversation: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) error_type: Option<&'a str>,
    /// The manual API recorded the span's metrics already.
    pub(crate) metered: bool,
    /// Some token count was recorded as text.
    pub(crate) tokens_as_text: bool,
    /// Some token count cannot be right: negative, fractional, not a
    /// number, or above [`MAX_TOKEN_COUNT`].
    pub(crate) usage_invalid: bool,
    /// The span already says so (`gen_ai.l9.usage_invalid`).
    pub(crate) marked_invalid: bool,
    /// The provider or the operation was written again, by a response that
    /// told better than the guess at the span's start: the earlier values
    /// are to go ([`keep_last_written`]).
    pub(crate) rewritten: bool,
}

impl<'a> SpanFacts<'a> {
    pub(crate) fn read(attributes: &'a [KeyValue]) -> Self {
        let mut facts = Self::default();
        let mut seen_provider = false;
        for KeyValue { key, value, .. } in attributes {
            match key.as_str() {
                attr::REQUEST_MODEL => facts.request_model = string(value),
                attr::RESPONSE_MODEL => facts.response_model = string(value),
                attr::USAGE_INPUT_TOKENS => facts.input = facts.tokens(value),
                attr::USAGE_OUTPUT_TOKENS => facts.output = facts.tokens(value),
                attr::USAGE_CACHE_READ_INPUT_TOKENS => facts.cache_read = facts.tokens(value),
                attr::USAGE_CACHE_CREATION_INPUT_TOKENS | attr::USAGE_CACHE_WRITE_INPUT_TOKENS => {
                    facts.cache_creation = facts.tokens(value)
                }
                attr::USAGE_REASONING_OUTPUT_TOKENS => facts.reasoning = facts.tokens(value),
                attr::USAGE_COST_USD => facts.cost_usd = float(value),
                attr::L9_SPAN_KIND => facts.kind = string(value),
                attr::OPERATION_NAME => {
                    facts.rewritten |= facts.operation.is_some();
                    facts.operation = string(value);
                }
                attr::PROVIDER_NAME => {
                    facts.rewritten |= seen_provider;
                    seen_provider = true;
                    facts.provider = string(value);
                }
                attr::SYSTEM => facts.provider = facts.provider.or(string(value)),
                attr::WORKFLOW_ID => facts.workflow = string(value),
                attr::CONVERSATION_ID => facts.conversation = string(value),
                attr::USER_ID => facts.user = string(value),
                attr::ERROR_TYPE => facts.error_type = string(value),
                attr::metric::METERED => facts.metered = true,
                attr::L9_USAGE_INVALID => {
                    facts.marked_invalid = true;
                    facts.usage_invalid = true;
                }
                _ => {}
            }
        }
        if let Some(usage) = facts.counted_usage()
            && !usage.is_consistent()
        {
            facts.usage_invalid = true;
        }
        facts
    }

    fn has_model(&self) -> bool {
        self.request_model.is_some() || self.response_model.is_some()
    }

    /// The usage recorded, unless a count cannot be right or the counts
    /// contradict each other.
    pub(crate) fn usage(&self) -> Option<TokenUsage> {
        self.counted_usage().filter(|_| !self.usage_invalid)
    }

    /// The usage recorded, right or not.
    fn counted_usage(&self) -> Option<TokenUsage> {
        (self.input.is_some() || self.output.is_some()).then(|| TokenUsage {
            input_tokens: self.input.unwrap_or(0),
            output_tokens: self.output.unwrap_or(0),
            cache_read_input_tokens: self.cache_read.unwrap_or(0),
            cache_creation_input_tokens: self.cache_creation.unwrap_or(0),
            reasoning_output_tokens: self.reasoning.unwrap_or(0),
        })
    }

    /// Input and output tokens, as budgets count them.
    pub(crate) fn total_tokens(&self) -> u64 {
        self.input
            .unwrap_or(0)
            .saturating_add(self.output.unwrap_or(0))
    }

    /// An LLM call: a span with a model and token usage (right or not).
    pub(crate) fn is_llm(&self) -> bool {
        self.has_model() && (self.input.is_some() || self.output.is_some() || self.usage_invalid)
    }

    pub(crate) fn is_tool(&self) -> bool {
        self.kind == Some(attr::span_kind::TOOL)
            || self.operation == Some(attr::operation::EXECUTE_TOOL)
    }
}

fn string(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// The attribute keys of token counts.
const TOKEN_KEYS: [&str; 6] = [
    attr::USAGE_CACHE_WRITE_INPUT_TOKENS,
    attr::USAGE_INPUT_TOKENS,
    attr::USAGE_OUTPUT_TOKENS,
    attr::USAGE_CACHE_READ_INPUT_TOKENS,
    attr::USAGE_CACHE_CREATION_INPUT_TOKENS,
    attr::USAGE_REASONING_OUTPUT_TOKENS,
];

impl SpanFacts<'_> {
    /// A token count: an integer from 0 to [`MAX_TOKEN_COUNT`], also when an
    /// instrumentation recorded it as a whole float or as text (as
    /// tracing-opentelemetry does for `u64` fields recorded after the span
    /// was made). Anything else marks the usage invalid.
    fn tokens(&mut self, value: &Value) -> Option<u64> {
        let count = match value {
            Value::I64(n) => u64::try_from(*n).ok(),
            // The fraction of an infinity or NaN is NaN; a float above
            // `u64::MAX` casts to it, which the bound below refuses.
            Value::F64(f) if *f >= 0.0 && f.fract() == 0.0 => Some(*f as u64),
            Value::String(s) => {
                let parsed = s.as_str().trim().parse().ok();
                self.tokens_as_text |= parsed.is_some();
                parsed
            }
            _ => None,
        }
        .filter(|n| *n <= MAX_TOKEN_COUNT);
        self.usage_invalid |= count.is_none();
        count
    }
}

/// Rewrites token counts recorded as text as the integers the attribute
/// contract asks for (saturating at `i64::MAX`).
pub(crate) fn normalize_token_counts(attributes: &mut [KeyValue]) {
    for kv in attributes {
        if let Value::String(text) = &kv.value
            && TOKEN_KEYS.contains(&kv.key.as_str())
            && let Ok(count) = text.as_str().trim().parse::<u64>()
        {
            kv.value = Value::I64(saturating_i64(count));
        }
    }
}

/// The keys a response may write again over a guess made at span start.
const REWRITTEN_KEYS: [&str; 3] = [attr::PROVIDER_NAME, attr::SYSTEM, attr::OPERATION_NAME];

/// Keeps the last value written of each key a response may write again
/// (the provider, also as `gen_ai.system`, and the operation): exporters
/// and backends then see each key once, with what the response told.
pub(crate) fn keep_last_written(attributes: &mut Vec<KeyValue>) {
    let last = REWRITTEN_KEYS.map(|key| attributes.iter().rposition(|kv| kv.key.as_str() == key));
    let mut index = 0;
    attributes.retain(|kv| {
        let keep = REWRITTEN_KEYS
            .iter()
            .zip(last)
            .all(|(key, last)| kv.key.as_str() != *key || last == Some(index));
        index += 1;
        keep
    });
}

fn float(value: &Value) -> Option<f64> {
    match value {
        Value::F64(f) => Some(*f),
        Value::I64(n) => Some(*n as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(key: &'static str, value: impl Into<Value>) -> KeyValue {
        KeyValue::new(key, value)
    }

    /// A provider and an operation written again are seen as rewritten,
    /// and only their last values are kept, in place; a span written once
    /// is not rewritten.
    #[test]
    fn values_written_again_keep_the_last() {
        let mut attributes = vec![
            kv(attr::SYSTEM, "openai"),
            kv(attr::PROVIDER_NAME, "openai"),
            kv(attr::OPERATION_NAME, "chat"),
            kv(attr::REQUEST_MODEL, "gpt-4o"),
            kv(attr::SYSTEM, "azure.ai.openai"),
            kv(attr::PROVIDER_NAME, "azure.ai.openai"),
            kv(attr::OPERATION_NAME, "embeddings"),
        ];
        assert!(!SpanFacts::read(&attributes[..4]).rewritten);
        assert!(SpanFacts::read(&attributes[..6]).rewritten);
        assert!(SpanFacts::read(&[attributes[2].clone(), attributes[6].clone()]).rewritten);
        keep_last_written(&mut attributes);
        assert_eq!(
            attributes,
            [
                kv(attr::REQUEST_MODEL, "gpt-4o"),
                kv(attr::SYSTEM, "azure.ai.openai"),
                kv(attr::PROVIDER_NAME, "azure.ai.openai"),
                kv(attr::OPERATION_NAME, "embeddings"),
            ]
        );
    }

    /// Every key the processor reads, whoever wrote it: counts as integers,
    /// whole floats or text, a cost as a float or an integer.
    #[test]
    fn a_span_is_read_in_one_pass() {
        let attributes = [
            kv(attr::REQUEST_MODEL, "gpt-4o"),
            kv(attr::RESPONSE_MODEL, "gpt-4o-2024-08-06"),
            kv(attr::USAGE_INPUT_TOKENS, 1000),
            kv(attr::USAGE_OUTPUT_TOKENS, 200.0),
            kv(attr::USAGE_CACHE_READ_INPUT_TOKENS, " 400 "),
            kv(attr::USAGE_CACHE_WRITE_INPUT_TOKENS, 30),
            kv(attr::USAGE_REASONING_OUTPUT_TOKENS, 50),
            kv(attr::USAGE_COST_USD, 1),
            kv(attr::L9_SPAN_KIND, "llm"),
            kv(attr::OPERATION_NAME, "chat"),
            kv(attr::PROVIDER_NAME, "azure.ai.openai"),
            kv(attr::SYSTEM, "openai"),
            kv(attr::WORKFLOW_ID, "wf"),
            kv(attr::CONVERSATION_ID, "c1"),
            kv(attr::USER_ID, "u1"),
            kv(attr::ERROR_TYPE, "timeout"),
            kv(attr::metric::METERED, true),
        ];
        let facts = SpanFacts::read(&attributes);
        assert_eq!(facts.request_model, Some("gpt-4o"));
        assert_eq!(facts.response_model, Some("gpt-4o-2024-08-06"));
        assert_eq!(
            facts.usage(),
            Some(TokenUsage {
                input_tokens: 1000,
                output_tokens: 200,
                cache_read_input_tokens: 400,
                cache_creation_input_tokens: 30,
                reasoning_output_tokens: 50,
            })
        );
        assert_eq!(facts.total_tokens(), 1200);
        assert_eq!(facts.cost_usd, Some(1.0));
        assert_eq!(
            (facts.kind, facts.operation, facts.provider),
            (Some("llm"), Some("chat"), Some("azure.ai.openai"))
        );
        assert_eq!(
            (facts.workflow, facts.conversation, facts.user),
            (Some("wf"), Some("c1"), Some("u1"))
        );
        assert_eq!(facts.error_type, Some("timeout"));
        assert!(facts.metered);
        assert!(facts.tokens_as_text);
        assert!(!facts.usage_invalid && !facts.marked_invalid);
        assert!(facts.is_llm());
        assert!(!facts.is_tool());
        // `gen_ai.system` is the provider only when the newer key is absent,
        // in either order.
        let older = SpanFacts::read(&attributes[10..12]);
        assert_eq!(older.provider, Some("azure.ai.openai"));
        let swapped = [attributes[11].clone(), attributes[10].clone()];
        assert_eq!(SpanFacts::read(&swapped).provider, Some("azure.ai.openai"));
        assert_eq!(
            SpanFacts::read(&attributes[11..12]).provider,
            Some("openai")
        );
    }

    /// A count that cannot be right, or counts that contradict each other,
    /// make the usage invalid: none is used, yet the span is still a call.
    #[test]
    fn counts_that_cannot_be_right_mark_the_usage_invalid() {
        let above = i64::try_from(MAX_TOKEN_COUNT).unwrap() + 1;
        for bad in [
            Value::I64(-1),
            Value::I64(above),
            Value::F64(1.5),
            Value::F64(-1.0),
            Value::F64(f64::NAN),
            Value::F64(f64::INFINITY),
            Value::F64(f64::NEG_INFINITY),
            Value::F64(1.8e19),
            Value::F64(1e30),
            Value::from("ten"),
            Value::Bool(true),
        ] {
            let attributes = [
                kv(attr::REQUEST_MODEL, "m"),
                KeyValue::new(attr::USAGE_INPUT_TOKENS, bad.clone()),
            ];
            let facts = SpanFacts::read(&attributes);
            assert!(facts.usage_invalid, "{bad:?}");
            assert!(!facts.marked_invalid, "{bad:?}");
            assert_eq!(facts.usage(), None, "{bad:?}");
            assert!(facts.is_llm(), "{bad:?}");
        }
        let attributes = [kv(attr::USAGE_INPUT_TOKENS, MAX_TOKEN_COUNT as f64)];
        let at_most = SpanFacts::read(&attributes);
        assert_eq!(at_most.input, Some(MAX_TOKEN_COUNT));
        assert!(!at_most.usage_invalid);
        // More reasoning than output.
        let attributes = [
            kv(attr::USAGE_OUTPUT_TOKENS, 10),
            kv(attr::USAGE_REASONING_OUTPUT_TOKENS, 11),
        ];
        let facts = SpanFacts::read(&attributes);
        assert!(facts.usage_invalid);
        assert_eq!(facts.output, Some(10));
        // Already marked by whoever wrote the span.
        let attributes = [kv(attr::L9_USAGE_INVALID, true)];
        let marked = SpanFacts::read(&attributes);
        assert!(marked.marked_invalid && marked.usage_invalid);
    }

    /// A call needs a model and a usage; a tool is said by its kind or its
    /// operation.
    #[test]
    fn calls_and_tools_are_told_apart() {
        let model = kv(attr::RESPONSE_MODEL, "m");
        let usage = kv(attr::USAGE_OUTPUT_TOKENS, 3);
        assert!(SpanFacts::read(&[model.clone(), usage.clone()]).is_llm());
        assert!(!SpanFacts::read(std::slice::from_ref(&model)).is_llm());
        assert!(!SpanFacts::read(std::slice::from_ref(&usage)).is_llm());
        assert!(SpanFacts::read(&[kv(attr::L9_SPAN_KIND, "tool")]).is_tool());
        assert!(SpanFacts::read(&[kv(attr::OPERATION_NAME, "execute_tool")]).is_tool());
        assert!(!SpanFacts::read(&[kv(attr::OPERATION_NAME, "chat")]).is_tool());
        assert_eq!(
            SpanFacts::read(&[kv(attr::USAGE_INPUT_TOKENS, i64::MAX)]).total_tokens(),
            0,
            "above the largest count: none"
        );
        let most = MAX_TOKEN_COUNT as i64;
        let attributes = [
            kv(attr::USAGE_INPUT_TOKENS, most),
            kv(attr::USAGE_OUTPUT_TOKENS, most),
        ];
        let both = SpanFacts::read(&attributes);
        assert_eq!(both.total_tokens(), 2 * MAX_TOKEN_COUNT);
    }

    /// Token counts written as text become the integers the attribute
    /// contract asks for; other text stays as it is.
    #[test]
    fn counts_written_as_text_are_rewritten_as_integers() {
        let mut attributes = vec![
            kv(attr::USAGE_INPUT_TOKENS, " 12 "),
            kv(attr::USAGE_CACHE_WRITE_INPUT_TOKENS, "7"),
            kv(attr::USAGE_OUTPUT_TOKENS, u64::MAX.to_string()),
            kv(attr::USAGE_REASONING_OUTPUT_TOKENS, "many"),
            kv(attr::REQUEST_MODEL, "42"),
        ];
        normalize_token_counts(&mut attributes);
        let values: Vec<&Value> = attributes.iter().map(|kv| &kv.value).collect();
        assert_eq!(
            values,
            [
                &Value::I64(12),
                &Value::I64(7),
                &Value::I64(i64::MAX),
                &Value::from("many"),
                &Value::from("42"),
            ]
        );
    }
}
