//! # last9-genai
//!
//! An OpenTelemetry extension for LLM applications: conversation, workflow
//! and agent tracking, and cost from your own model prices, on every span
//! your application makes — ours, the plain OpenTelemetry API's, and
//! `tracing`'s through tracing-opentelemetry.
//!
//! ## Set-up
//!
//! Wrap the processor that exports your spans in a [`Last9SpanProcessor`]:
//!
//! ```
//! use last9_genai::{Last9SpanProcessor, ModelPricing, PricingTable};
//! use opentelemetry_sdk::trace::{BatchSpanProcessor, InMemorySpanExporter, SdkTracerProvider};
//!
//! let pricing = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))])?;
//! # let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder()
//!     .with_span_processor(
//!         Last9SpanProcessor::builder()
//!             .pricing(pricing)
//!             .wrap(BatchSpanProcessor::builder(exporter).build()),
//!     )
//!     .build();
//! opentelemetry::global::set_tracer_provider(provider.clone());
//! # provider.shutdown().unwrap();
//! # Ok::<(), last9_genai::PricingError>(())
//! ```
//!
//! ## Scopes
//!
//! Open a conversation, workflow, agent or custom-attribute scope around a
//! request; every span that starts inside carries its attributes.
//!
//! ```
//! use last9_genai::{ScopeExt, conversation, workflow};
//!
//! // sync code: a guard
//! let _conversation = conversation("session_123").user_id("user_456").enter();
//!
//! // a workflow opens its own span; its totals are written when it closes
//! let wf = workflow("rag_search").workflow_type("retrieval").enter();
//! println!("{} LLM calls, ${:.6}", wf.llm_calls(), wf.total_cost_usd());
//! drop(wf);
//!
//! // async code: the scope is attached on every poll, on whatever thread
//! # futures::executor::block_on(async {
//! async { /* call the model */ }
//!     .with_scope(conversation("session_123").user_id("user_456"))
//!     .await;
//! # });
//! ```
//!
//! ## Cost
//!
//! Prices are yours, in USD per million tokens ([`PricingTable`]). The
//! processor prices every span with a model and token usage and no cost yet;
//! [`Last9GenAI`] prices spans by hand. Unknown models get no cost, never a
//! silent zero. The arithmetic is exact; see [`CostBreakdown`].
//!
//! ## Features
//!
//! * `tokio`: [`spawn`] and [`spawn_blocking`], which carry the current scope
//!   into new tasks.
//! * `otlp`: OTLP export from [`install`], over HTTP/protobuf or gRPC.
//! * `http`: [`Propagation`], W3C `traceparent` and `baggage` in an
//!   `http::HeaderMap`, carrying conversation, workflow and user ids across
//!   services when asked to.
//! * `tower`: [`PropagationLayer`], which runs each incoming request in the
//!   context its headers carry (axum, hyper, tonic).
//! * `tracing`: [`tracing_layer`], tracing-opentelemetry's layer wired to the
//!   installed provider, and the manual API ([`Last9GenAI`]) on `tracing`
//!   spans.
//! * `async-openai`: `#[observe]` reads the typed responses of the
//!   `async-openai` crate (chat completions field by field, Responses API
//!   responses through their JSON) without going through `serde_json`.

#![cfg_attr(docsrs, feature(doc_cfg))]

// Layers, bottom up; a module imports only modules of the layers below it
// (checked by tests/tests/layers.rs, and drawn in docs/ARCHITECTURE.md):
//   attributes, text, warn, redact → cost → pricing → record, pipeline,
//   health, metrics → context → processor, observe, manual, propagation, console,
//   summary →
//   install, tracing_layer, mcp
pub mod attributes;
#[cfg(feature = "tracing")]
mod bridge;
mod console;
mod context;
mod cost;
mod current;
mod health;
mod install;
mod json;
mod manual;
#[cfg(feature = "mcp")]
mod mcp;
mod metrics;
mod observe;
mod pipeline;
mod pricing;
mod processor;
#[cfg(feature = "http")]
mod propagation;
mod record;
mod redact;
mod settings;
mod summary;
mod text;
#[cfg(feature = "tracing")]
mod tracing_layer;
mod warn;

pub use console::ConsoleExporter;
pub use context::{
    ActiveConversation, ActiveWorkflow, Agent, BudgetExceeded, BudgetUnit, Conversation,
    ConversationGuard, CustomAttributes, IntoScope, ScopeExt, ScopeGuard, Spending, WithScope,
    Workflow, WorkflowGuard, agent, check_budget, conversation, current_conversation_id,
    custom_attributes, over_budget, remaining_tokens, remaining_usd, spawn_thread,
    with_current_scope, workflow,
};
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use context::{spawn, spawn_blocking};
pub use cost::{CostBreakdown, MAX_TOKEN_COUNT, TokenUsage};
pub use health::{CountingExporter, ExportCounts, ExportHealth};
pub use install::{
    BUNDLED_PRICES_ENV, Compression, Install, InstallError, PRICING_FILE_ENV, Protocol,
    TelemetryGuard, install,
};
pub use last9_genai_macros::observe;
pub use manual::{DEFAULT_CONTENT_LIMIT, Last9GenAI, LlmCall, Performance, ToolCall};
#[cfg(feature = "mcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "mcp")))]
pub use mcp::{McpClient, McpHandler, McpHttpClient};
pub use metrics::{metrics_scope_ids, set_meter_provider};
#[cfg(feature = "aws-bedrock")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws-bedrock")))]
pub use observe::bedrock::ConverseEvents;
pub use observe::eventstream::EventStream;
pub use observe::known::ProviderHint;
pub use observe::stream::{
    Chunks, Items, MAX_SSE_EVENT, Ndjson, ObserveIterator, ObserveStream, ObservedIter,
    ObservedStream, ReadChunks, Sse, StreamCall,
};
pub use observe::{record_attributes, record_usage};
pub use pipeline::{TRACER_NAME, set_tracer_provider};
pub use pricing::{BUNDLED_PRICES_DATE, ModelPricing, PricingError, PricingTable};
pub use processor::{Last9SpanProcessor, Last9SpanProcessorBuilder};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use propagation::{DEFAULT_MAX_VALUE_LEN, Propagation};
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use propagation::{PropagationLayer, PropagationService};
pub use record::conventions::{GENAI_LATEST_EXPERIMENTAL, STABILITY_OPT_IN_ENV};
pub use record::{ObservationKind, ParseKindError, SpanTarget};
pub use record::{detect_provider, detect_provider_from_url};
pub use redact::{ANY_WORD, LAST_WORD, REDACT_ENV, REDACTED, Redaction, set_redaction};
pub use settings::{
    CAPTURE_CONTENT_ENV, CONTENT_LAYOUT_ENV, ContentCapture, ContentLayout, DEFAULT_CAPTURE_LIMIT,
    PREVIOUS_KEYS_ENV, capture_content, capture_limit, content_capture, content_layout,
    previous_keys, set_capture_content, set_capture_limit, set_content_capture, set_content_layout,
    set_previous_keys,
};
pub use text::{MAX_MODEL_NAME_LEN, TRUNCATION_MARKER};
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use tracing_layer::{TRACING_TRACER_NAME, tracing_layer};

/// What `#[observe]` expands to calls. Not a public API: it changes with the
/// macro, which is pinned to the same version.
#[doc(hidden)]
pub mod __private {
    pub use crate::observe::capture::{
        Bounds, CaptureDebug, CaptureName, CaptureNative, CaptureSerialize, Captured, Wrap,
    };
    pub use crate::observe::follow::{
        FollowBoxed, FollowImpl, FollowImplItems, FollowImplIter, FollowImplIterItems,
        FollowImplResult, FollowNone, FollowNot, Returned,
    };
    pub use crate::observe::known::{
        KnownRequest, KnownResponse, ModelKnown, ModelNone, ModelText, OutputKnown, ProviderKnown,
        ProviderNone,
    };
    pub use crate::observe::panics::note_panic;
    pub use crate::observe::{
        ErrorDebug, ErrorDisplay, ErrorName, IntoPricing, Meta, Observation, ObservedFuture,
        Output, OutputDebug, OutputNative, OutputNone, OutputSerialize, Said, SecretName,
        type_name_of,
    };
    pub use crate::pricing::PricingTable;
    pub use crate::record::ObservationKind;
    pub use crate::{
        __l9_function_arg_prefix as function_arg_prefix, __l9_metadata_prefix as metadata_prefix,
    };
}
