//! The metrics of model calls made by other instrumentation (rig,
//! OpenAI-style spans of other crates), read from their ended spans. Only
//! spans the sampler kept end here: these count sampled calls only. Spans
//! of `#[observe]`, followed streams and the manual API record their own
//! metrics whether sampled or not, and are left alone.

use opentelemetry::StringValue;
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;

use crate::metrics::{self, CallAttributes, Measured};
use crate::record::SpanFacts;

/// Whether the span's metrics are this processor's to record: a model call
/// that no writer of this crate recorded already.
pub(super) fn is_foreign_call(facts: &SpanFacts<'_>) -> bool {
    facts.is_llm() && facts.kind.is_none() && !facts.metered
}

/// Records the metrics of a model call made by other instrumentation,
/// costing `cost_usd` when known.
pub(super) fn record(span: &SpanData, facts: &SpanFacts<'_>, cost_usd: Option<f64>) {
    let text = |s: &str| StringValue::from(s.to_owned());
    let error_type = match &span.status {
        Status::Error { .. } => Some(facts.error_type.unwrap_or("_OTHER")),
        _ => None,
    };
    let ids = metrics::scope_ids();
    let id = |s: Option<&str>| s.filter(|_| ids).map(text);
    let call = CallAttributes {
        kind: None,
        operation: facts.operation.map(text),
        provider: facts.provider.map(text),
        request_model: facts.request_model.map(crate::text::model_name),
        response_model: facts.response_model,
        workflow: facts.workflow.map(text),
        ids: [id(facts.conversation), id(facts.user)],
        error_type: error_type.map(text),
    };
    let usage = facts.usage();
    metrics::record(
        &call,
        &Measured {
            duration: span.end_time.duration_since(span.start_time).ok(),
            usage: usage.as_ref(),
            cost_usd,
            ..Measured::default()
        },
    );
}
