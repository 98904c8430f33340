//! [`Last9GenAI`]: the manual API, for spans you make by hand or that another
//! instrumentation made.
//!
//! ```
//! use last9_genai::{Last9GenAI, ModelPricing, PricingTable, TokenUsage};
//! use opentelemetry::trace::{Tracer, TracerProvider as _};
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//!
//! let l9 = Last9GenAI::new().pricing(PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))])?);
//! let tracer = SdkTracerProvider::builder().build().tracer("app");
//! let mut span = tracer.start("gen_ai.chat");
//! let cost = l9.add_llm_cost_attributes(&mut span, "gpt-4o", &TokenUsage::new(1000, 500)).unwrap();
//! assert_eq!(cost.total_usd(), 0.0075);
//! # Ok::<(), last9_genai::PricingError>(())
//! ```

use std::borrow::Cow;

use opentelemetry::{Context, KeyValue};
use sha2::{Digest, Sha256};

use crate::attributes::{self as attr, span_kind};
use crate::context::{MetricScope, open_workflow_totals};
use crate::cost::{CostBreakdown, TokenUsage};
use crate::json::text::json_text;
use crate::metrics::{self, CallAttributes, Measured};
use crate::pricing::{self, PricingTable};
use crate::record::conventions;
use crate::record::detect_provider;
use crate::record::messages::{self, Message, Part};
use crate::record::{
    ObservationKind, SpanTarget, cost_attributes, finish_reasons_attribute, model_attribute,
    usage_attributes,
};
use crate::redact;
use crate::settings;
use crate::text::{cut_chars, model_name, saturating_i64};

/// The default limit of [`Last9GenAI::add_content_events`], in characters,
/// as in the Python SDK.
///
/// ```
/// assert_eq!(last9_genai::DEFAULT_CONTENT_LIMIT, 1000);
/// ```
pub const DEFAULT_CONTENT_LIMIT: usize = 1000;

/// A tool call, for [`Last9GenAI::add_tool_attributes`].
///
/// ```
/// use last9_genai::ToolCall;
/// use serde_json::json;
///
/// let call = ToolCall::new("web_search")
///     .tool_type("search")
///     .arguments(json!({"query": "weather"}))
///     .result(json!({"temp": 72}))
///     .duration_ms(150);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ToolCall {
    name: String,
    id: Option<String>,
    tool_type: Option<String>,
    description: Option<String>,
    arguments: Option<serde_json::Value>,
    result: Option<serde_json::Value>,
    duration_ms: Option<u64>,
}

impl ToolCall {
    /// A call of the tool `name`.
    ///
    /// ```
    /// # use last9_genai::ToolCall;
    /// let call = ToolCall::new("calculator");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Sets `gen_ai.tool.call.id`: the id of the call the model asked for.
    ///
    /// ```
    /// # use last9_genai::ToolCall;
    /// let call = ToolCall::new("get_weather").id("call_1");
    /// ```
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets `gen_ai.tool.type`.
    ///
    /// ```
    /// # use last9_genai::ToolCall;
    /// let call = ToolCall::new("db").tool_type("datastore");
    /// ```
    pub fn tool_type(mut self, tool_type: impl Into<String>) -> Self {
        self.tool_type = Some(tool_type.into());
        self
    }

    /// Sets `gen_ai.tool.description`.
    ///
    /// ```
    /// # use last9_genai::ToolCall;
    /// let call = ToolCall::new("db").description("reads orders");
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the arguments, written as JSON text.
    ///
    /// ```
    /// # use last9_genai::ToolCall;
    /// let call = ToolCall::new("db").arguments(serde_json::json!({"id": 7}));
    /// ```
    pub fn arguments(mut self, arguments: serde_json::Value) -> Self {
        self.arguments = Some(arguments);
        self
    }

    /// Sets the result: a JSON string is written as the string itself,
    /// anything else as JSON text.
    ///
    /// ```
    /// # use last9_genai::ToolCall;
    /// let call = ToolCall::new("db").result(serde_json::json!("found"));
    /// ```
    pub fn result(mut self, result: serde_json::Value) -> Self {
        self.result = Some(result);
        self
    }

    /// Sets `gen_ai.function.call.duration_ms`.
    ///
    /// ```
    /// # use last9_genai::ToolCall;
    /// let call = ToolCall::new("db").duration_ms(12);
    /// ```
    pub fn duration_ms(mut self, duration_ms: u64) -> Self {
        self.duration_ms = Some(duration_ms);
        self
    }
}

/// A model call, for [`Last9GenAI::add_standard_llm_attributes`].
///
/// ```
/// use last9_genai::{LlmCall, TokenUsage};
///
/// let call = LlmCall::new("gpt-4o")
///     .temperature(0.2)
///     .max_tokens(256)
///     .response_id("chatcmpl-123")
///     .finish_reasons(["stop"])
///     .usage(TokenUsage::new(1000, 500));
/// ```
#[derive(Debug, Clone, Default)]
pub struct LlmCall {
    model: String,
    operation: Option<String>,
    provider: Option<String>,
    max_tokens: Option<u64>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
    response_id: Option<String>,
    response_model: Option<String>,
    finish_reasons: Vec<String>,
    usage: Option<TokenUsage>,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $conv:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.$name = Some(($conv)(value));
                self
            }
        )*
    };
}

impl LlmCall {
    /// A call of `model`; the operation defaults to `chat` and the provider
    /// to [`detect_provider`]'s guess.
    ///
    /// ```
    /// # use last9_genai::LlmCall;
    /// let call = LlmCall::new("claude-sonnet-4-5");
    /// ```
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            ..Self::default()
        }
    }

    setters! {
        /// Sets `gen_ai.operation.name` (default `chat`).
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("text-embedding-3-small").operation("embeddings");
        /// ```
        operation: impl Into<String> => Into::into;
        /// Sets `gen_ai.provider.name` and `gen_ai.system`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("llama3.1").provider("ollama");
        /// ```
        provider: impl Into<String> => Into::into;
        /// Sets `gen_ai.request.max_tokens`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("gpt-4o").max_tokens(256);
        /// ```
        max_tokens: u64 => std::convert::identity;
        /// Sets `gen_ai.request.temperature`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("gpt-4o").temperature(0.2);
        /// ```
        temperature: f64 => std::convert::identity;
        /// Sets `gen_ai.request.top_p`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("gpt-4o").top_p(0.9);
        /// ```
        top_p: f64 => std::convert::identity;
        /// Sets `gen_ai.request.frequency_penalty`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("gpt-4o").frequency_penalty(0.5);
        /// ```
        frequency_penalty: f64 => std::convert::identity;
        /// Sets `gen_ai.request.presence_penalty`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("gpt-4o").presence_penalty(0.5);
        /// ```
        presence_penalty: f64 => std::convert::identity;
        /// Sets `gen_ai.response.id`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("gpt-4o").response_id("chatcmpl-1");
        /// ```
        response_id: impl Into<String> => Into::into;
        /// Sets `gen_ai.response.model`.
        ///
        /// ```
        /// # use last9_genai::LlmCall;
        /// let call = LlmCall::new("gpt-4o").response_model("gpt-4o-2024-08-06");
        /// ```
        response_model: impl Into<String> => Into::into;
        /// Sets the token usage.
        ///
        /// ```
        /// # use last9_genai::{LlmCall, TokenUsage};
        /// let call = LlmCall::new("gpt-4o").usage(TokenUsage::new(10, 5));
        /// ```
        usage: TokenUsage => std::convert::identity;
    }

    /// Sets `gen_ai.response.finish_reasons`.
    ///
    /// ```
    /// # use last9_genai::LlmCall;
    /// let call = LlmCall::new("gpt-4o").finish_reasons(["stop"]);
    /// ```
    pub fn finish_reasons<S: Into<String>>(mut self, reasons: impl IntoIterator<Item = S>) -> Self {
        self.finish_reasons = reasons.into_iter().map(Into::into).collect();
        self
    }
}

/// Performance measures, for [`Last9GenAI::add_performance_attributes`].
///
/// ```
/// use last9_genai::Performance;
///
/// let perf = Performance { response_time_ms: Some(850.0), quality_score: Some(0.9), ..Default::default() };
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Performance {
    /// `gen_ai.response.time_ms`.
    pub response_time_ms: Option<f64>,
    /// `gen_ai.request.size_bytes`.
    pub request_size_bytes: Option<u64>,
    /// `gen_ai.response.size_bytes`.
    pub response_size_bytes: Option<u64>,
    /// `gen_ai.quality.score`, between 0 and 1.
    pub quality_score: Option<f64>,
}

/// The manual API: adds Last9 GenAI attributes to spans you hold.
///
/// Cheap to clone. Cost tracking is on by default and needs a pricing table;
/// without one, or with [`cost_tracking(false)`](Self::cost_tracking), only
/// token counts are recorded.
///
/// ```
/// use last9_genai::{Last9GenAI, TokenUsage};
/// use opentelemetry::trace::{Tracer, TracerProvider as _};
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let l9 = Last9GenAI::new().cost_tracking(false);
/// let tracer = SdkTracerProvider::builder().build().tracer("app");
/// let mut span = tracer.start("gen_ai.chat");
/// assert_eq!(l9.add_llm_cost_attributes(&mut span, "gpt-4o", &TokenUsage::new(1, 1)), None);
/// ```
#[derive(Debug, Clone)]
pub struct Last9GenAI {
    pricing: Option<PricingTable>,
    cost_tracking: bool,
    content_limit: usize,
}

impl Default for Last9GenAI {
    fn default() -> Self {
        Self::new()
    }
}

impl Last9GenAI {
    /// A manual API with no prices, cost tracking on, and content truncated
    /// at [`DEFAULT_CONTENT_LIMIT`] characters.
    ///
    /// ```
    /// # use last9_genai::Last9GenAI;
    /// let l9 = Last9GenAI::new();
    /// ```
    pub fn new() -> Self {
        Self {
            pricing: None,
            cost_tracking: true,
            content_limit: DEFAULT_CONTENT_LIMIT,
        }
    }

    /// Uses `table` for [`add_llm_cost_attributes`](Self::add_llm_cost_attributes).
    ///
    /// ```
    /// # use last9_genai::{Last9GenAI, ModelPricing, PricingTable};
    /// let l9 = Last9GenAI::new().pricing(PricingTable::new([("o1", ModelPricing::new(15.0, 60.0))])?);
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn pricing(mut self, table: PricingTable) -> Self {
        self.pricing = Some(table);
        self
    }

    /// Switches cost tracking on or off.
    ///
    /// ```
    /// # use last9_genai::Last9GenAI;
    /// let l9 = Last9GenAI::new().cost_tracking(false);
    /// ```
    pub fn cost_tracking(mut self, enabled: bool) -> Self {
        self.cost_tracking = enabled;
        self
    }

    /// Sets the number of characters after which content events are cut.
    ///
    /// ```
    /// # use last9_genai::Last9GenAI;
    /// let l9 = Last9GenAI::new().content_limit(4096);
    /// ```
    pub fn content_limit(mut self, characters: usize) -> Self {
        self.content_limit = characters;
        self
    }

    /// Prices `usage` on `model` and writes `gen_ai.usage.cost_usd`,
    /// `cost_input_usd` and `cost_output_usd`. Returns the breakdown, or
    /// `None` when cost tracking is off or the model has no price (then
    /// nothing is written, never a zero).
    ///
    /// ```
    /// # use last9_genai::{Last9GenAI, ModelPricing, PricingTable, TokenUsage};
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// let l9 = Last9GenAI::new().pricing(PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))])?);
    /// let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("chat");
    /// let cost = l9.add_llm_cost_attributes(&mut span, "gpt-4o", &TokenUsage::new(1000, 500));
    /// assert_eq!(cost.map(|c| c.total_usd()), Some(0.0075));
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn add_llm_cost_attributes(
        &self,
        span: &mut impl SpanTarget,
        model: &str,
        usage: &TokenUsage,
    ) -> Option<CostBreakdown> {
        if !self.cost_tracking {
            return None;
        }
        let cost = pricing::price_call(Some(self.pricing.as_ref()?), [Some(model)], usage)?;
        span.add_attributes(cost_attributes(&cost).collect());
        Some(cost.breakdown)
    }

    /// Writes `gen_ai.l9.span.kind`.
    ///
    /// ```
    /// # use last9_genai::{Last9GenAI, ObservationKind};
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// Last9GenAI::new().set_span_kind(&mut span, ObservationKind::Prompt);
    /// ```
    pub fn set_span_kind(&self, span: &mut impl SpanTarget, kind: ObservationKind) {
        span.add_attributes(vec![KeyValue::new(attr::L9_SPAN_KIND, kind.as_str())]);
    }

    /// Writes the tool attributes of `call` and `gen_ai.l9.span.kind = tool`.
    ///
    /// ```
    /// # use last9_genai::{Last9GenAI, ToolCall};
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// Last9GenAI::new().add_tool_attributes(&mut span, &ToolCall::new("web_search").duration_ms(150));
    /// ```
    pub fn add_tool_attributes(&self, span: &mut impl SpanTarget, call: &ToolCall) {
        let mut attributes = vec![
            KeyValue::new(attr::TOOL_NAME, call.name.clone()),
            KeyValue::new(attr::L9_SPAN_KIND, span_kind::TOOL),
            KeyValue::new(attr::OPERATION_NAME, attr::operation::EXECUTE_TOOL),
        ];
        push_string(&mut attributes, attr::TOOL_CALL_ID, &call.id);
        push_string(&mut attributes, attr::TOOL_TYPE, &call.tool_type);
        push_string(&mut attributes, attr::TOOL_DESCRIPTION, &call.description);
        let rules = redact::rules();
        // JSON with each key judged as it is written, then read inside its
        // strings: a secret key's value of any shape is `"[REDACTED]"`.
        let json = |value: &serde_json::Value| {
            let text = json_text(value, usize::MAX, rules.enabled().then_some(&*rules));
            rules.scrub_json_owned(text)
        };
        if let Some(arguments) = &call.arguments {
            let text = json(arguments);
            attributes.push(KeyValue::new(attr::TOOL_CALL_ARGUMENTS, text.clone()));
            attributes.push(KeyValue::new(attr::FUNCTION_CALL_ARGUMENTS, text));
        }
        if let Some(result) = &call.result {
            let text = match result {
                serde_json::Value::String(s) => rules.scrub_text(s).into_owned(),
                other => json(other),
            };
            attributes.push(KeyValue::new(attr::TOOL_CALL_RESULT, text.clone()));
            attributes.push(KeyValue::new(attr::FUNCTION_CALL_RESULT, text));
        }
        if let Some(ms) = call.duration_ms {
            attributes.push(KeyValue::new(
                attr::FUNCTION_CALL_DURATION_MS,
                saturating_i64(ms),
            ));
        }
        span.add_attributes(attributes);
    }

    /// Writes `workflow.id`, and `workflow.type`, `workflow.user_id` and
    /// `workflow.session_id` when given, as the Python SDK does; when the
    /// workflow `workflow_id` is the innermost one open in the current
    /// context, its running totals too (`workflow.total_cost_usd`,
    /// `workflow.llm_calls`, `workflow.tool_calls`), as the Python SDK writes
    /// those of a workflow it tracks. (Workflow scopes,
    /// [`workflow`](crate::workflow), stamp their ids on every span inside
    /// and their totals on their own span.)
    ///
    /// ```
    /// # use last9_genai::Last9GenAI;
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// Last9GenAI::new().add_workflow_attributes(&mut span, "rag_search", Some("retrieval"), None, None);
    /// ```
    pub fn add_workflow_attributes(
        &self,
        span: &mut impl SpanTarget,
        workflow_id: &str,
        workflow_type: Option<&str>,
        user_id: Option<&str>,
        session_id: Option<&str>,
    ) {
        let mut attributes = vec![KeyValue::new(attr::WORKFLOW_ID, workflow_id.to_owned())];
        push_str(&mut attributes, attr::WORKFLOW_TYPE, workflow_type);
        push_str(&mut attributes, attr::WORKFLOW_USER_ID, user_id);
        push_str(&mut attributes, attr::WORKFLOW_SESSION_ID, session_id);
        if let Some((cost, llm_calls, tool_calls)) = open_workflow_totals(workflow_id) {
            attributes.extend([
                KeyValue::new(attr::WORKFLOW_TOTAL_COST_USD, cost),
                KeyValue::new(attr::WORKFLOW_LLM_CALLS, saturating_i64(llm_calls)),
                KeyValue::new(attr::WORKFLOW_TOOL_CALLS, saturating_i64(tool_calls)),
            ]);
        }
        span.add_attributes(attributes);
    }

    /// Writes `gen_ai.conversation.id`, and the user under `workflow.user_id`
    /// (the Python SDK's key for this call) and `user.id` (the scopes' key),
    /// `workflow.session_id`
    /// and `gen_ai.conversation.turn_number` when given. (Conversation scopes,
    /// [`conversation`](crate::conversation), do this for every span inside.)
    ///
    /// ```
    /// # use last9_genai::Last9GenAI;
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// Last9GenAI::new().add_conversation_tracking(&mut span, "session_123", Some("user_456"), None, Some(2));
    /// ```
    pub fn add_conversation_tracking(
        &self,
        span: &mut impl SpanTarget,
        conversation_id: &str,
        user_id: Option<&str>,
        session_id: Option<&str>,
        turn_number: Option<u32>,
    ) {
        let mut attributes = vec![KeyValue::new(
            attr::CONVERSATION_ID,
            conversation_id.to_owned(),
        )];
        push_str(&mut attributes, attr::WORKFLOW_USER_ID, user_id);
        push_str(&mut attributes, attr::USER_ID, user_id);
        push_str(&mut attributes, attr::WORKFLOW_SESSION_ID, session_id);
        if let Some(turn) = turn_number {
            attributes.push(KeyValue::new(
                attr::CONVERSATION_TURN_NUMBER,
                i64::from(turn),
            ));
        }
        span.add_attributes(attributes);
    }

    /// Writes the standard GenAI attributes of `call`: request model,
    /// operation, provider (also as `gen_ai.system`), request parameters,
    /// response id, model and finish reasons (a string array), and token
    /// usage with total, cache and reasoning counts.
    ///
    /// ```
    /// # use last9_genai::{Last9GenAI, LlmCall, TokenUsage};
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// Last9GenAI::new().add_standard_llm_attributes(&mut span, &LlmCall::new("gpt-4o").usage(TokenUsage::new(10, 5)));
    /// ```
    pub fn add_standard_llm_attributes(&self, span: &mut impl SpanTarget, call: &LlmCall) {
        let mut attributes = vec![
            model_attribute(attr::REQUEST_MODEL, &call.model),
            KeyValue::new(
                attr::OPERATION_NAME,
                call.operation
                    .as_deref()
                    .map_or(attr::operation::CHAT.into(), model_name),
            ),
        ];
        let provider = call
            .provider
            .clone()
            .map(Cow::Owned)
            .or_else(|| detect_provider(&call.model).map(Cow::Borrowed));
        if let Some(provider) = &provider {
            attributes.extend(conventions::provider_attributes(model_name(provider)));
        }
        if let Some(max) = call.max_tokens {
            attributes.push(KeyValue::new(attr::REQUEST_MAX_TOKENS, saturating_i64(max)));
        }
        for (key, value) in [
            (attr::REQUEST_TEMPERATURE, call.temperature),
            (attr::REQUEST_TOP_P, call.top_p),
            (attr::REQUEST_FREQUENCY_PENALTY, call.frequency_penalty),
            (attr::REQUEST_PRESENCE_PENALTY, call.presence_penalty),
        ] {
            if let Some(value) = value {
                attributes.push(KeyValue::new(key, value));
            }
        }
        push_string(&mut attributes, attr::RESPONSE_ID, &call.response_id);
        if let Some(model) = &call.response_model {
            attributes.push(model_attribute(attr::RESPONSE_MODEL, model));
        }
        attributes.extend(finish_reasons_attribute(&call.finish_reasons));
        if let Some(usage) = &call.usage {
            attributes.extend(usage_attributes(usage));
            let total = usage.input_tokens.saturating_add(usage.output_tokens);
            attributes.push(KeyValue::new(
                attr::USAGE_TOTAL_TOKENS,
                saturating_i64(total),
            ));
            if metrics::on() {
                self.meter(call, provider.as_deref(), usage);
                attributes.push(KeyValue::new(attr::metric::METERED, true));
            }
        }
        span.add_attributes(attributes);
    }

    /// Records the tokens and cost of `call` in the metrics, in the scopes
    /// current now, whether or not its span is sampled.
    fn meter(&self, call: &LlmCall, provider: Option<&str>, usage: &TokenUsage) {
        let scope = MetricScope::of(&Context::current());
        let metric_call = CallAttributes {
            kind: None,
            operation: Some(
                call.operation
                    .as_deref()
                    .map_or(attr::operation::CHAT.into(), model_name),
            ),
            provider: provider.map(model_name),
            request_model: Some(model_name(&call.model)),
            response_model: call.response_model.as_deref(),
            workflow: scope.workflow,
            ids: scope.ids,
            error_type: None,
        };
        // The model that answered, else the one asked for, with this
        // instance's prices when it tracks cost, else the pipeline's.
        let models = [call.response_model.as_deref(), Some(call.model.as_str())];
        let own = self.pricing.as_ref().filter(|_| self.cost_tracking);
        let cost_usd = pricing::price_own_else_pipeline(own, models, usage).map(|cost| cost.usd());
        metrics::record(
            &metric_call,
            &Measured {
                usage: Some(usage),
                cost_usd,
                ..Measured::default()
            },
        );
    }

    /// Adds the prompt and the completion as events, in the content layout
    /// ([`content_layout`](crate::content_layout)), each redacted and cut to
    /// the content limit (on a character boundary, with `...` appended):
    ///
    /// - `python` (and `both`): `gen_ai.content.prompt` and
    ///   `gen_ai.content.completion`, as the Python SDK writes them, each with
    ///   its full length and whether it was cut;
    /// - `conventions` (the default, and `both`): one
    ///   `gen_ai.client.inference.operation.details` event, the prompt as a
    ///   `user` message in `gen_ai.input.messages` and the completion as an
    ///   `assistant` message in `gen_ai.output.messages` (finish reason
    ///   `stop`), as the GenAI conventions write them.
    ///
    /// ```
    /// # use last9_genai::Last9GenAI;
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// Last9GenAI::new().add_content_events(&mut span, Some("Hello!"), Some("Hi there"));
    /// ```
    pub fn add_content_events(
        &self,
        span: &mut impl SpanTarget,
        prompt: Option<&str>,
        completion: Option<&str>,
    ) {
        let events = [
            (
                attr::EVENT_CONTENT_PROMPT,
                prompt,
                [attr::PROMPT, attr::PROMPT_LENGTH, attr::PROMPT_TRUNCATED],
            ),
            (
                attr::EVENT_CONTENT_COMPLETION,
                completion,
                [
                    attr::COMPLETION,
                    attr::COMPLETION_LENGTH,
                    attr::COMPLETION_TRUNCATED,
                ],
            ),
        ];
        let rules = redact::rules();
        let layout = settings::content_layout();
        let mut details = Vec::new();
        for (event, text, [text_key, length_key, truncated_key]) in events {
            let Some(text) = text.filter(|t| !t.is_empty()) else {
                continue;
            };
            let text = rules.scrub_text(text);
            let (shown, length, truncated) = cut_chars(&text, self.content_limit);
            if layout.conventions() {
                let output = event == attr::EVENT_CONTENT_COMPLETION;
                let message = [Message {
                    role: if output { "assistant" } else { "user" },
                    parts: vec![Part::Text(shown.clone().into_owned())],
                    finish_reason: output.then(|| "stop".to_owned()),
                }];
                if output {
                    details.push(messages::conventions_output(&message));
                } else {
                    details.extend(messages::conventions_input(&[], &message));
                }
            }
            if layout.python() {
                span.add_span_event(
                    event,
                    vec![
                        KeyValue::new(text_key, shown.into_owned()),
                        KeyValue::new(length_key, saturating_i64(length)),
                        KeyValue::new(truncated_key, truncated),
                    ],
                );
            }
        }
        if !details.is_empty() {
            span.add_span_event(attr::EVENT_INFERENCE_DETAILS, details);
        }
    }

    /// Writes `gen_ai.prompt.template`, `gen_ai.prompt.hash` (the first 16
    /// hex digits of the SHA-256 of the template), and the template id and
    /// version when given. Returns the hash.
    ///
    /// ```
    /// # use last9_genai::Last9GenAI;
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// let hash = Last9GenAI::new().add_prompt_versioning(&mut span, "Hello {name}", Some("greet"), Some("v2"));
    /// assert_eq!(hash.len(), 16);
    /// ```
    pub fn add_prompt_versioning(
        &self,
        span: &mut impl SpanTarget,
        template: &str,
        template_id: Option<&str>,
        version: Option<&str>,
    ) -> String {
        let digest = Sha256::digest(template.as_bytes());
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        // The hash is of the template itself, so that versions compare
        // alike whatever redaction shows of it.
        let mut attributes = vec![
            KeyValue::new(
                attr::PROMPT_TEMPLATE,
                redact::rules().scrub_text(template).into_owned(),
            ),
            KeyValue::new(attr::PROMPT_HASH, hash.clone()),
        ];
        push_str(&mut attributes, attr::PROMPT_TEMPLATE_ID, template_id);
        push_str(&mut attributes, attr::PROMPT_VERSION, version);
        span.add_attributes(attributes);
        hash
    }

    /// Writes the performance measures that are given.
    ///
    /// ```
    /// # use last9_genai::{Last9GenAI, Performance};
    /// # use opentelemetry::trace::{Tracer, TracerProvider as _};
    /// # let mut span = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t").start("s");
    /// Last9GenAI::new().add_performance_attributes(&mut span, &Performance { response_time_ms: Some(850.0), ..Default::default() });
    /// ```
    pub fn add_performance_attributes(
        &self,
        span: &mut impl SpanTarget,
        performance: &Performance,
    ) {
        let mut attributes = Vec::new();
        if let Some(ms) = performance.response_time_ms {
            attributes.push(KeyValue::new(attr::RESPONSE_TIME_MS, ms));
        }
        if let Some(bytes) = performance.request_size_bytes {
            attributes.push(KeyValue::new(
                attr::REQUEST_SIZE_BYTES,
                saturating_i64(bytes),
            ));
        }
        if let Some(bytes) = performance.response_size_bytes {
            attributes.push(KeyValue::new(
                attr::RESPONSE_SIZE_BYTES,
                saturating_i64(bytes),
            ));
        }
        if let Some(score) = performance.quality_score {
            attributes.push(KeyValue::new(attr::QUALITY_SCORE, score));
        }
        span.add_attributes(attributes);
    }
}

fn push_str(attributes: &mut Vec<KeyValue>, key: &'static str, value: Option<&str>) {
    if let Some(value) = value {
        attributes.push(KeyValue::new(key, value.to_owned()));
    }
}

fn push_string(attributes: &mut Vec<KeyValue>, key: &'static str, value: &Option<String>) {
    push_str(attributes, key, value.as_deref());
}
