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
}

impl<'a> SpanFacts<'a> {
    pub(crate) fn read(attributes: &'a [KeyValue]) -> Self {
        let mut facts = Self::default();
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
                attr::OPERATION_NAME => facts.operation = string(value),
                attr::PROVIDER_NAME => facts.provider = string(value),
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
            Value::F64(f) if f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19 => {
                Some(*f as u64)
            }
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

fn float(value: &Value) -> Option<f64> {
    match value {
        Value::F64(f) => Some(*f),
        Value::I64(n) => Some(*n as f64),
        _ => None,
    }
}
