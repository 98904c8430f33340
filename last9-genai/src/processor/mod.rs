//! [`Last9SpanProcessor`]: stamps scope attributes on spans when they start,
//! prices them and counts them toward workflow totals when they end, then
//! hands them to the processor it wraps.

mod metered;
mod open_spans;

use std::time::{Duration, SystemTime};

use opentelemetry::trace::Event;
use opentelemetry::trace::Span as _;
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::attributes;
use crate::context::ScopeState;
use crate::cost::usd_to_micro;
use crate::health::ExportHealth;
use crate::metrics;
use crate::pipeline;
use crate::pricing::{self, CallCost, PricingTable};
use crate::record::conventions;
use crate::record::{SpanFacts, cost_attributes, keep_last_written, normalize_token_counts};
use crate::settings::{ContentLayout, set_content_layout};
use open_spans::OpenSpans;

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
    health: Option<ExportHealth>,
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
    bundled: bool,
    health: Option<ExportHealth>,
    layout: Option<ContentLayout>,
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

    /// Prices models the table given to [`pricing`](Self::pricing) does not
    /// know from the bundled table of list prices (see
    /// [`PricingTable::with_bundled_prices`]); off by default. Spans priced
    /// from it carry `gen_ai.l9.cost.prices = "bundled <date>"`.
    ///
    /// ```
    /// # use last9_genai::Last9SpanProcessor;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let processor = Last9SpanProcessor::builder()
    ///     .bundled_prices(true)
    ///     .wrap(SimpleSpanProcessor::new(InMemorySpanExporter::default()));
    /// ```
    pub fn bundled_prices(mut self, on: bool) -> Self {
        self.bundled = on;
        self
    }

    /// Counts into `health` what happens to the spans handed to the wrapped
    /// processor, and bounds its queue: a sampled span is handed on only
    /// while fewer than the capacity of `health` are queued or being
    /// exported; else it is counted dropped. Give the exporter of the
    /// wrapped processor to [`ExportHealth::exporter`], and its queue the
    /// same capacity (see [`ExportHealth`]).
    ///
    /// ```
    /// # use last9_genai::{ExportHealth, Last9SpanProcessor};
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let health = ExportHealth::new(2048);
    /// let processor = Last9SpanProcessor::builder()
    ///     .export_health(health.clone())
    ///     .wrap(SimpleSpanProcessor::new(health.exporter(InMemorySpanExporter::default())));
    /// ```
    pub fn export_health(mut self, health: ExportHealth) -> Self {
        self.health = Some(health);
        self
    }

    /// Writes captured content in `layout` for the whole process, from
    /// [`wrap`](Self::wrap) on (see [`ContentLayout`];
    /// `LAST9_GENAI_CONTENT_LAYOUT` otherwise).
    ///
    /// ```
    /// # use last9_genai::{ContentLayout, Last9SpanProcessor};
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let processor = Last9SpanProcessor::builder()
    ///     .content_layout(ContentLayout::Python)
    ///     .wrap(SimpleSpanProcessor::new(InMemorySpanExporter::default()));
    /// assert_eq!(last9_genai::content_layout(), ContentLayout::Python);
    /// # last9_genai::set_content_layout(ContentLayout::Conventions);
    /// ```
    pub fn content_layout(mut self, layout: ContentLayout) -> Self {
        self.layout = Some(layout);
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
        pipeline::changed(None);
        if let Some(layout) = self.layout {
            set_content_layout(layout);
        }
        // Calls the processor never sees (their span was not sampled), and
        // metrics, are priced with the same table.
        let table = match (self.pricing, self.bundled) {
            (table, true) => Some(table.unwrap_or_default().with_bundled_prices()),
            (table, false) => table.filter(|table| !table.is_empty()),
        };
        if let Some(table) = &table {
            pricing::install(table.clone());
        }
        Last9SpanProcessor {
            inner,
            pricing: table,
            health: self.health,
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

    /// The export counters given to
    /// [`export_health`](Last9SpanProcessorBuilder::export_health).
    ///
    /// ```
    /// # use last9_genai::{ExportHealth, Last9SpanProcessor};
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let health = ExportHealth::new(8);
    /// let processor = Last9SpanProcessor::builder()
    ///     .export_health(health.clone())
    ///     .wrap(SimpleSpanProcessor::new(health.exporter(InMemorySpanExporter::default())));
    /// assert_eq!(processor.export_health().unwrap().counts().dropped, 0);
    /// ```
    pub fn export_health(&self) -> Option<&ExportHealth> {
        self.health.as_ref()
    }
}

impl<P: SpanProcessor> SpanProcessor for Last9SpanProcessor<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        if let Some(scope) = cx.get::<ScopeState>() {
            span.set_attributes(scope.attributes().iter().cloned());
            if let Some(totals) = scope.totals() {
                self.open
                    .insert(span.span_context().span_id(), totals.clone());
            }
        }
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        let scope = self.open.remove(span.span_context.span_id());
        let facts = SpanFacts::read(&span.attributes);
        let (is_tool, is_llm) = (facts.is_tool(), facts.is_llm());
        let agent_span = facts.operation == Some(attributes::operation::INVOKE_AGENT);
        let facts_tokens = facts.total_tokens();
        let recorded = facts.cost_usd;
        let priced = recorded.is_none().then(|| self.price(&facts)).flatten();
        let mark_invalid = facts.usage_invalid && !facts.marked_invalid;
        if metered::is_foreign_call(&facts) && metrics::on() {
            let cost = priced.as_ref().map(CallCost::usd).or(recorded);
            metered::record(&span, &facts, cost);
        }
        let (tokens_as_text, rewritten) = (facts.tokens_as_text, facts.rewritten);
        if tokens_as_text {
            normalize_token_counts(&mut span.attributes);
        }
        if rewritten {
            keep_last_written(&mut span.attributes);
        }
        if mark_invalid {
            span.attributes
                .push(KeyValue::new(attributes::L9_USAGE_INVALID, true));
        }
        if let Some(cost) = &priced {
            span.attributes.extend(cost_attributes(cost));
        }
        if agent_span && conventions::latest() {
            // The GenAI repository's `invoke_agent` span names its agent
            // and no longer its id or version; the spans inside keep them.
            span.attributes.retain(|kv| {
                !matches!(
                    kv.key.as_str(),
                    attributes::AGENT_ID | attributes::AGENT_VERSION
                )
            });
        }
        if let Some(totals) = scope {
            if is_tool {
                totals.record_tool();
            } else if is_llm {
                let cost = priced.map(|c| c.breakdown.total_micro_usd());
                totals.record_llm(
                    cost.or_else(|| recorded.and_then(usd_to_micro)),
                    facts_tokens,
                    |crossing| {
                        let (name, attributes) = crossing.event();
                        span.events
                            .events
                            .push(Event::new(name, SystemTime::now(), attributes, 0));
                    },
                );
            }
        }
        // Only sampled spans go on to export; the others the wrapped
        // processor skips, and they must not take a place in the queue.
        if span.span_context.is_sampled()
            && let Some(health) = &self.health
            && !health.admit()
        {
            return;
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
    /// The span's cost, and whether it was priced from the bundled table.
    fn price(&self, facts: &SpanFacts<'_>) -> Option<CallCost> {
        let usage = facts.usage()?;
        // The response names the exact model; the request may name an alias
        // that is the one priced.
        let models = [facts.response_model, facts.request_model];
        // With no table, only a model call is worth a word.
        if self.pricing.is_none() && !facts.is_llm() {
            return None;
        }
        pricing::price_call(self.pricing.as_ref(), models, &usage)
    }
}
