//! GenAI metrics: the conventions' client instruments (v1.41) and a cost
//! counter, recorded where the span attributes are written — by observed
//! calls, followed streams, the manual API and workflows — whether or not
//! the trace sampler keeps the span, so that they hold at any sampling rate.
//!
//! Nothing is recorded until a meter provider is handed in, by
//! [`install`](crate::install) or [`set_meter_provider`]: until then a
//! call pays one load of an atomic. The instruments are built once per
//! provider; each thread keeps them, and looks them up again only when the
//! provider changes, so that no lock or shared counter sits on the hot path.
//! With the SDK's provider, a thread also keeps handles bound to the
//! attribute sets it met (`bound`): a call like one before records without
//! the SDK hashing its attributes again.

mod bound;

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider};
use opentelemetry::{InstrumentationScope, KeyValue, StringValue};
use opentelemetry_sdk::metrics::SdkMeterProvider;

use crate::attributes::{self as attr, metric, token_type};
use crate::cost::TokenUsage;
use crate::current::{Current, ThreadCopy};
use crate::text::model_name;

/// Bucket boundaries of the token histogram, as the conventions give them.
const TOKEN_BUCKETS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// Bucket boundaries of the duration histograms, in seconds, as the
/// conventions give them.
const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// Bucket boundaries of the MCP duration histograms, in seconds, as the
/// conventions give them.
#[cfg(feature = "mcp")]
const MCP_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// The instruments of one meter provider, and the prices that cost is
/// counted with.
#[derive(Debug)]
pub(crate) struct Instruments {
    token_usage: Histogram<u64>,
    token_parts: Counter<u64>,
    duration: Histogram<f64>,
    /// The duration of a call the conventions' instrument cannot hold: it
    /// names no provider or no operation, which that one requires.
    other_duration: Histogram<f64>,
    time_to_first_chunk: Histogram<f64>,
    time_per_output_chunk: Histogram<f64>,
    cost: Counter<f64>,
    workflow_duration: Histogram<f64>,
    budget_crossings: Counter<u64>,
    /// MCP requests as their clients and servers see them.
    #[cfg(feature = "mcp")]
    mcp: [Histogram<f64>; 2],
    /// The provider is the SDK's, whose instruments bind (another
    /// provider's bound handles may drop what they are given).
    bindable: bool,
}

impl Instruments {
    fn new(meter: &Meter, bindable: bool) -> Self {
        let seconds = |name: &'static str, description: &'static str| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(description)
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build()
        };
        Self {
            token_usage: meter
                .u64_histogram(metric::TOKEN_USAGE)
                .with_unit("{token}")
                .with_description("Number of input and output tokens used.")
                .with_boundaries(TOKEN_BUCKETS.to_vec())
                .build(),
            token_parts: meter
                .u64_counter(metric::TOKEN_PARTS)
                .with_unit("{token}")
                .with_description(
                    "Cached input tokens (read and written) and reasoning output tokens.",
                )
                .build(),
            duration: seconds(metric::OPERATION_DURATION, "GenAI operation duration."),
            other_duration: seconds(
                metric::OTHER_OPERATION_DURATION,
                "Duration of an observed call that names no GenAI provider or operation.",
            ),
            time_to_first_chunk: seconds(
                metric::TIME_TO_FIRST_CHUNK,
                "Time to receive the first chunk of a streamed response.",
            ),
            time_per_output_chunk: seconds(
                metric::TIME_PER_OUTPUT_CHUNK,
                "Time between two chunks of a streamed response, for each chunk after the first.",
            ),
            cost: meter
                .f64_counter(metric::COST)
                .with_unit("{USD}")
                .with_description("Cost of model calls in USD, from the pricing table.")
                .build(),
            workflow_duration: seconds(metric::WORKFLOW_DURATION, "Duration of one workflow."),
            budget_crossings: meter
                .u64_counter(metric::BUDGET_CROSSINGS)
                .with_unit("{crossing}")
                .with_description("Budget warning thresholds reached and budgets spent.")
                .build(),
            #[cfg(feature = "mcp")]
            mcp: [
                (
                    metric::MCP_CLIENT_OPERATION_DURATION,
                    "The duration of an MCP request, from its sending to its response.",
                ),
                (
                    metric::MCP_SERVER_OPERATION_DURATION,
                    "The duration of an MCP request, from its receipt to its response.",
                ),
            ]
            .map(|(name, description)| {
                meter
                    .f64_histogram(name)
                    .with_unit("s")
                    .with_description(description)
                    .with_boundaries(MCP_BUCKETS.to_vec())
                    .build()
            }),
            bindable,
        }
    }
}

/// What the process records with: the instruments of the provider handed
/// in, and the prices. None (epoch zero) until a provider is handed in.
static CURRENT: Current<Instruments> = Current::new();
/// The meter provider handed in, to build the instruments again when the
/// prices change.
static METER: RwLock<Option<(Meter, bool)>> = RwLock::new(None);
/// Whether conversation and user ids are metric attributes.
static SCOPE_IDS: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// This thread's copy of the instruments, with the handles it bound
    /// with them.
    static CACHED: RefCell<ThreadCopy<Instruments, Vec<bound::Bound>>> =
        const { RefCell::new(ThreadCopy::new(Vec::new())) };
}

/// Records this crate's metrics with `provider` from now on, and registers
/// it as the global meter provider, as
/// [`opentelemetry::global::set_meter_provider`] does.
///
/// [`install`](crate::install) calls it with the provider it builds; call
/// it yourself with your own. Until one is handed in, no metric is
/// recorded. A provider registered only through `opentelemetry::global` is
/// not seen.
///
/// The instruments: `gen_ai.client.token.usage`,
/// `gen_ai.client.operation.duration`,
/// `gen_ai.client.operation.time_to_first_chunk` and
/// `gen_ai.client.operation.time_per_output_chunk` as the GenAI conventions
/// (v1.41) name them, with their bucket boundaries; `gen_ai.l9.client.cost`
/// (USD), `gen_ai.l9.client.token.parts` (cached and reasoning tokens),
/// `gen_ai.l9.operation.duration` (calls that name no provider: tools,
/// chains) and `gen_ai.l9.workflow.duration` (see
/// [`attributes::metric`](crate::attributes::metric)).
///
/// ```
/// use opentelemetry_sdk::metrics::SdkMeterProvider;
///
/// let provider = SdkMeterProvider::builder().build();
/// last9_genai::set_meter_provider(provider.clone());
/// ```
pub fn set_meter_provider<P>(provider: P)
where
    P: MeterProvider + Send + Sync + 'static,
{
    // The crate's name, as the tracer's (`TRACER_NAME`).
    let scope = InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let meter = provider.meter_with_scope(scope);
    let bindable = (&provider as &dyn std::any::Any).is::<SdkMeterProvider>();
    opentelemetry::global::set_meter_provider(provider);
    *METER.write().unwrap_or_else(PoisonError::into_inner) = Some((meter, bindable));
    rebuild();
}

/// Makes conversation and user ids metric attributes (`gen_ai.conversation.id`,
/// `user.id`), or not (the default). Each id makes series of its own: turn
/// it on only when they are few.
///
/// ```
/// last9_genai::metrics_scope_ids(false);
/// ```
pub fn metrics_scope_ids(on: bool) {
    SCOPE_IDS.store(on, Ordering::Relaxed);
}

/// Whether conversation and user ids are metric attributes.
pub(crate) fn scope_ids() -> bool {
    SCOPE_IDS.load(Ordering::Relaxed)
}

fn rebuild() {
    let meter = METER.read().unwrap_or_else(PoisonError::into_inner).clone();
    CURRENT.replace(meter.map(|(meter, bindable)| Instruments::new(&meter, bindable)));
}

/// Whether metrics are recorded: a meter provider was handed in.
pub(crate) fn on() -> bool {
    CURRENT.epoch() != 0 && with(|_, _| ()).is_some()
}

/// Runs `f` with the instruments and this thread's bound handles, when a
/// meter provider was handed in.
fn with<R>(f: impl FnOnce(&Instruments, &mut Vec<bound::Bound>) -> R) -> Option<R> {
    if CURRENT.epoch() == 0 {
        return None;
    }
    CURRENT.with(&CACHED, Vec::clear, |instruments, bound| {
        Some(f(instruments?, bound?))
    })
}

/// What one call was, as metric attributes.
#[derive(Debug, Default)]
pub(crate) struct CallAttributes<'a> {
    /// `gen_ai.l9.span.kind`.
    pub(crate) kind: Option<&'static str>,
    pub(crate) operation: Option<StringValue>,
    pub(crate) provider: Option<StringValue>,
    pub(crate) request_model: Option<StringValue>,
    pub(crate) response_model: Option<&'a str>,
    pub(crate) workflow: Option<StringValue>,
    /// `gen_ai.conversation.id` and `user.id`, when [`metrics_scope_ids`]
    /// is on.
    pub(crate) ids: [Option<StringValue>; 2],
    pub(crate) error_type: Option<StringValue>,
}

impl CallAttributes<'_> {
    /// Whether the conventions' client instruments can hold the call: they
    /// require its provider and operation.
    fn conventional(&self) -> bool {
        self.provider.is_some() && self.operation.is_some()
    }

    fn attributes(&self) -> Vec<KeyValue> {
        let mut attributes = Vec::with_capacity(9);
        if let Some(operation) = &self.operation {
            attributes.push(KeyValue::new(attr::OPERATION_NAME, operation.clone()));
        }
        if let Some(provider) = &self.provider {
            attributes.push(KeyValue::new(attr::PROVIDER_NAME, provider.clone()));
        }
        if let Some(model) = &self.request_model {
            attributes.push(KeyValue::new(attr::REQUEST_MODEL, model.clone()));
        }
        if let Some(model) = self.response_model {
            attributes.push(KeyValue::new(attr::RESPONSE_MODEL, model_name(model)));
        }
        if let Some(kind) = self.kind {
            attributes.push(KeyValue::new(attr::L9_SPAN_KIND, kind));
        }
        if let Some(workflow) = &self.workflow {
            attributes.push(KeyValue::new(attr::WORKFLOW_NAME, workflow.clone()));
        }
        let [conversation, user] = &self.ids;
        for (key, id) in [(attr::CONVERSATION_ID, conversation), (attr::USER_ID, user)] {
            if let Some(id) = id {
                attributes.push(KeyValue::new(key, id.clone()));
            }
        }
        if let Some(error) = &self.error_type {
            attributes.push(KeyValue::new(attr::ERROR_TYPE, error.clone()));
        }
        attributes
    }
}

/// What one call measured.
#[derive(Debug, Default)]
pub(crate) struct Measured<'a> {
    pub(crate) duration: Option<Duration>,
    pub(crate) usage: Option<&'a TokenUsage>,
    /// What the call cost, in USD, as its writer priced it (see
    /// `pricing::price_call`); none is counted without it.
    pub(crate) cost_usd: Option<f64>,
    /// A streamed call: the time to its first chunk.
    pub(crate) first_chunk: Option<Duration>,
    /// A streamed call: the time between its chunks, in seconds.
    pub(crate) chunk_gaps: &'a [f32],
}

/// Records one call: its duration, tokens, cost and, for a stream, its
/// chunk times. Does nothing when no meter provider was handed in.
pub(crate) fn record(call: &CallAttributes<'_>, measured: &Measured<'_>) {
    with(|instruments, bound| instruments.record(bound, call, measured));
}

/// Counts one budget threshold crossed: of which scope (`workflow`, with
/// its name, or `conversation`), in which unit, at which level.
pub(crate) fn record_budget_crossing(
    scope: &'static str,
    workflow: Option<Arc<str>>,
    unit: &'static str,
    level: &'static str,
) {
    with(|instruments, _| {
        let mut attributes = vec![
            KeyValue::new(attr::BUDGET_SCOPE, scope),
            KeyValue::new(attr::BUDGET_UNIT, unit),
            KeyValue::new(attr::BUDGET_LEVEL, level),
        ];
        attributes.extend(workflow.map(|name| KeyValue::new(attr::WORKFLOW_NAME, name)));
        instruments.budget_crossings.add(1, &attributes);
    });
}

/// Records the duration of one MCP request, on its client's side or its
/// server's.
#[cfg(feature = "mcp")]
pub(crate) fn record_mcp(server: bool, duration: Duration, attributes: &[KeyValue]) {
    with(|instruments, _| {
        instruments.mcp[usize::from(server)].record(duration.as_secs_f64(), attributes);
    });
}

/// Records the duration of one workflow.
pub(crate) fn record_workflow(name: StringValue, duration: Duration) {
    with(|instruments, _| {
        instruments.workflow_duration.record(
            duration.as_secs_f64(),
            &[KeyValue::new(attr::WORKFLOW_NAME, name)],
        );
    });
}

impl Instruments {
    fn record(
        &self,
        bound: &mut Vec<bound::Bound>,
        call: &CallAttributes<'_>,
        measured: &Measured<'_>,
    ) {
        let cost = Self::cost_of(measured);
        let parts = measured.usage.is_some_and(|u| {
            u.cache_read_input_tokens + u.cache_creation_input_tokens + u.reasoning_output_tokens
                > 0
        });
        // A plain call met before: the handles bound to its attributes.
        if self.bindable && call.error_type.is_none() && measured.first_chunk.is_none() && !parts {
            let handles = bound::find(bound, call);
            if let Some(duration) = measured.duration {
                handles.duration(self).record(duration.as_secs_f64());
            }
            if let Some(cost) = cost {
                handles.cost(self).add(cost);
            }
            if let Some(usage) = measured.usage {
                let [input, output] = handles.tokens(self);
                input.record(usage.input_tokens);
                output.record(usage.output_tokens);
            }
            return;
        }
        self.record_unbound(call, measured, cost);
    }

    /// The duration instrument of a call the conventions' instruments can
    /// hold (`conventional`), or of one they cannot.
    fn duration_of(&self, conventional: bool) -> &Histogram<f64> {
        if conventional {
            &self.duration
        } else {
            &self.other_duration
        }
    }

    /// The call's cost, as its writer priced it, when finite and not
    /// negative (a cost read from another crate's span may be neither).
    fn cost_of(measured: &Measured<'_>) -> Option<f64> {
        measured.cost_usd.filter(|c| c.is_finite() && *c >= 0.0)
    }

    fn record_unbound(
        &self,
        call: &CallAttributes<'_>,
        measured: &Measured<'_>,
        cost: Option<f64>,
    ) {
        let mut attributes = call.attributes();
        if let Some(duration) = measured.duration {
            self.duration_of(call.conventional())
                .record(duration.as_secs_f64(), &attributes);
        }
        if let Some(first) = measured.first_chunk {
            self.time_to_first_chunk
                .record(first.as_secs_f64(), &attributes);
            for gap in measured.chunk_gaps {
                self.time_per_output_chunk
                    .record(f64::from(*gap), &attributes);
            }
        }
        // The rest is about tokens: no error type.
        if call.error_type.is_some() {
            attributes.pop();
        }
        if let Some(cost) = cost {
            self.cost.add(cost, &attributes);
        }
        let Some(usage) = measured.usage else {
            return;
        };
        let typed = |attributes: &mut Vec<KeyValue>, kind: &'static str| {
            attributes.push(KeyValue::new(metric::TOKEN_TYPE, kind));
        };
        for (kind, tokens) in [
            (token_type::INPUT, usage.input_tokens),
            (token_type::OUTPUT, usage.output_tokens),
        ] {
            typed(&mut attributes, kind);
            self.token_usage.record(tokens, &attributes);
            attributes.pop();
        }
        for (kind, tokens) in [
            (token_type::CACHE_READ, usage.cache_read_input_tokens),
            (
                token_type::CACHE_CREATION,
                usage.cache_creation_input_tokens,
            ),
            (token_type::REASONING, usage.reasoning_output_tokens),
        ] {
            if tokens > 0 {
                typed(&mut attributes, kind);
                self.token_parts.add(tokens, &attributes);
                attributes.pop();
            }
        }
    }
}
