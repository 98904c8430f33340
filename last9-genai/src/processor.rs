//! [`Last9SpanProcessor`]: stamps scope attributes on spans when they start,
//! prices them and counts them toward workflow totals when they end, then
//! hands them to the processor it wraps.

use std::time::Duration;

use opentelemetry::trace::Span as _;
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::attributes as attr;
use crate::context::ScopeState;
use crate::cost::{CostBreakdown, TokenUsage, usd_to_micro};
use crate::pricing::PricingTable;
use crate::workflow::OpenSpans;

/// A span processor that adds conversation, workflow, agent and custom
/// attributes, cost, and workflow totals to every span, then forwards it to
/// the processor it wraps (batch or simple, with any exporter).
///
/// * **On start** it stamps the attributes of the scopes current in the
///   span's parent context.
/// * **On end** it prices every span that has a model
///   (`gen_ai.response.model`, else `gen_ai.request.model`) and token usage
///   but no `gen_ai.usage.cost_usd` yet, whoever made the span, and counts
///   LLM and tool spans toward the workflow they started in.
///
/// Wrap the exporting processor rather than adding this one next to it: the
/// data a processor sees at the end of a span is its own copy, so attributes
/// added here reach only the processor wrapped.
///
/// ```
/// use last9_genai::{Last9SpanProcessor, ModelPricing, PricingTable};
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};
///
/// let pricing = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))])?;
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(
///         Last9SpanProcessor::builder()
///             .pricing(pricing)
///             .wrap(SimpleSpanProcessor::new(exporter.clone())),
///     )
///     .build();
/// # Ok::<(), last9_genai::PricingError>(())
/// ```
#[derive(Debug)]
pub struct Last9SpanProcessor<P> {
    inner: P,
    pricing: Option<PricingTable>,
    open: OpenSpans,
}

/// Configures a [`Last9SpanProcessor`]; made by [`Last9SpanProcessor::builder`].
///
/// ```
/// use last9_genai::{Last9SpanProcessor, Last9SpanProcessorBuilder, PricingTable};
///
/// let builder: Last9SpanProcessorBuilder = Last9SpanProcessor::builder().pricing(PricingTable::default());
/// ```
#[derive(Debug, Default)]
#[must_use = "call wrap() to make the processor"]
pub struct Last9SpanProcessorBuilder {
    pricing: Option<PricingTable>,
}

impl Last9SpanProcessorBuilder {
    /// Prices spans with `table`. Without a table (the default) no cost is
    /// computed, though costs already on spans still add to workflow totals.
    ///
    /// ```
    /// # use last9_genai::{Last9SpanProcessor, ModelPricing, PricingTable};
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))])?;
    /// let processor = Last9SpanProcessor::builder()
    ///     .pricing(table)
    ///     .wrap(SimpleSpanProcessor::new(InMemorySpanExporter::default()));
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn pricing(mut self, table: PricingTable) -> Self {
        self.pricing = Some(table);
        self
    }

    /// Makes the processor, wrapping `inner`, which receives every span.
    ///
    /// ```
    /// # use last9_genai::Last9SpanProcessor;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let processor = Last9SpanProcessor::builder()
    ///     .wrap(SimpleSpanProcessor::new(InMemorySpanExporter::default()));
    /// ```
    pub fn wrap<P: SpanProcessor>(self, inner: P) -> Last9SpanProcessor<P> {
        // Observed functions look their tracer up again: a pipeline exists.
        crate::observe::pipeline_changed(None);
        Last9SpanProcessor {
            inner,
            pricing: self.pricing.filter(|table| !table.is_empty()),
            open: OpenSpans::default(),
        }
    }
}

impl Last9SpanProcessor<()> {
    /// Starts configuring a processor.
    ///
    /// ```
    /// # use last9_genai::Last9SpanProcessor;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let processor = Last9SpanProcessor::builder()
    ///     .wrap(SimpleSpanProcessor::new(InMemorySpanExporter::default()));
    /// ```
    pub fn builder() -> Last9SpanProcessorBuilder {
        Last9SpanProcessorBuilder::default()
    }
}

impl<P> Last9SpanProcessor<P> {
    /// Spans that started inside a workflow and have not ended yet. Once
    /// every span has ended this is zero: nothing is kept for a workflow
    /// after it closes.
    ///
    /// ```
    /// # use last9_genai::Last9SpanProcessor;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let processor = Last9SpanProcessor::builder()
    ///     .wrap(SimpleSpanProcessor::new(InMemorySpanExporter::default()));
    /// assert_eq!(processor.open_workflow_spans(), 0);
    /// ```
    pub fn open_workflow_spans(&self) -> usize {
        self.open.len()
    }

    /// The processor this one wraps.
    ///
    /// ```
    /// # use last9_genai::Last9SpanProcessor;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let processor = Last9SpanProcessor::builder()
    ///     .wrap(SimpleSpanProcessor::new(InMemorySpanExporter::default()));
    /// let _simple: &SimpleSpanProcessor<_> = processor.inner();
    /// ```
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

impl<P: SpanProcessor> SpanProcessor for Last9SpanProcessor<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        if let Some(scope) = cx.get::<ScopeState>() {
            span.set_attributes(scope.attributes().iter().cloned());
            if let Some(totals) = scope.workflow_totals() {
                self.open
                    .insert(span.span_context().span_id(), totals.clone());
            }
        }
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        let workflow = self.open.remove(span.span_context.span_id());
        let facts = SpanFacts::read(&span.attributes);
        let (is_tool, is_llm) = (facts.is_tool(), facts.is_llm());
        let recorded = facts.cost_usd;
        let priced = recorded.is_none().then(|| self.price(&facts)).flatten();
        if facts.tokens_as_text {
            normalize_token_counts(&mut span.attributes);
        }
        if let Some(cost) = &priced {
            span.attributes.extend(cost_attributes(cost));
        }
        if let Some(totals) = workflow {
            if is_tool {
                totals.record_tool();
            } else if is_llm {
                let cost = priced.map(|c| c.total_micro_usd());
                totals.record_llm(cost.or_else(|| recorded.and_then(usd_to_micro)));
            }
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<P> Last9SpanProcessor<P> {
    fn price(&self, facts: &SpanFacts<'_>) -> Option<CostBreakdown> {
        let table = self.pricing.as_ref()?;
        let usage = facts.usage()?;
        // The response names the exact model; the request may name an alias
        // that is the one priced.
        let models = [facts.response_model, facts.request_model];
        let priced = models
            .iter()
            .flatten()
            .find_map(|model| table.cost_quiet(model, &usage));
        if priced.is_none()
            && let Some(model) = models.iter().flatten().next()
        {
            table.warn_unknown(model);
        }
        priced
    }
}

/// The three cost attributes of `cost`.
pub(crate) fn cost_attributes(cost: &CostBreakdown) -> [KeyValue; 3] {
    [
        KeyValue::new(attr::USAGE_COST_USD, cost.total_usd()),
        KeyValue::new(attr::USAGE_COST_INPUT_USD, cost.input_usd()),
        KeyValue::new(attr::USAGE_COST_OUTPUT_USD, cost.output_usd()),
    ]
}

/// What the processor needs to know of an ended span, read in one pass.
#[derive(Debug, Default)]
struct SpanFacts<'a> {
    request_model: Option<&'a str>,
    response_model: Option<&'a str>,
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_creation: Option<u64>,
    reasoning: Option<u64>,
    cost_usd: Option<f64>,
    kind: Option<&'a str>,
    operation: Option<&'a str>,
    /// Some token count was recorded as text.
    tokens_as_text: bool,
}

impl<'a> SpanFacts<'a> {
    fn read(attributes: &'a [KeyValue]) -> Self {
        let mut facts = Self::default();
        for KeyValue { key, value, .. } in attributes {
            match key.as_str() {
                attr::REQUEST_MODEL => facts.request_model = string(value),
                attr::RESPONSE_MODEL => facts.response_model = string(value),
                attr::USAGE_INPUT_TOKENS => facts.input = facts.tokens(value),
                attr::USAGE_OUTPUT_TOKENS => facts.output = facts.tokens(value),
                attr::USAGE_CACHE_READ_INPUT_TOKENS => facts.cache_read = facts.tokens(value),
                attr::USAGE_CACHE_CREATION_INPUT_TOKENS => {
                    facts.cache_creation = facts.tokens(value)
                }
                attr::USAGE_REASONING_OUTPUT_TOKENS => facts.reasoning = facts.tokens(value),
                attr::USAGE_COST_USD => facts.cost_usd = float(value),
                attr::L9_SPAN_KIND => facts.kind = string(value),
                attr::OPERATION_NAME => facts.operation = string(value),
                _ => {}
            }
        }
        facts
    }

    fn has_model(&self) -> bool {
        self.request_model.is_some() || self.response_model.is_some()
    }

    fn usage(&self) -> Option<TokenUsage> {
        (self.input.is_some() || self.output.is_some()).then(|| TokenUsage {
            input_tokens: self.input.unwrap_or(0),
            output_tokens: self.output.unwrap_or(0),
            cache_read_input_tokens: self.cache_read.unwrap_or(0),
            cache_creation_input_tokens: self.cache_creation.unwrap_or(0),
            reasoning_output_tokens: self.reasoning.unwrap_or(0),
        })
    }

    /// An LLM call: a span with a model and token usage.
    fn is_llm(&self) -> bool {
        self.has_model() && (self.input.is_some() || self.output.is_some())
    }

    fn is_tool(&self) -> bool {
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
const TOKEN_KEYS: [&str; 5] = [
    attr::USAGE_INPUT_TOKENS,
    attr::USAGE_OUTPUT_TOKENS,
    attr::USAGE_CACHE_READ_INPUT_TOKENS,
    attr::USAGE_CACHE_CREATION_INPUT_TOKENS,
    attr::USAGE_REASONING_OUTPUT_TOKENS,
];

impl SpanFacts<'_> {
    /// A token count: a non-negative integer, also when an instrumentation
    /// recorded it as a whole float or as text (as tracing-opentelemetry does
    /// for `u64` fields recorded after the span was made).
    fn tokens(&mut self, value: &Value) -> Option<u64> {
        match value {
            Value::I64(n) => u64::try_from(*n).ok(),
            Value::F64(f) if f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19 => {
                Some(*f as u64)
            }
            Value::String(s) => {
                let parsed = s.as_str().parse().ok();
                self.tokens_as_text |= parsed.is_some();
                parsed
            }
            _ => None,
        }
    }
}

/// Rewrites token counts recorded as text as the integers the attribute
/// contract asks for (saturating at `i64::MAX`).
fn normalize_token_counts(attributes: &mut [KeyValue]) {
    for kv in attributes {
        if let Value::String(text) = &kv.value
            && TOKEN_KEYS.contains(&kv.key.as_str())
            && let Ok(count) = text.as_str().parse::<u64>()
        {
            kv.value = Value::I64(i64::try_from(count).unwrap_or(i64::MAX));
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
