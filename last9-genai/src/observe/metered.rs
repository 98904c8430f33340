//! What one observed call records in the metrics when it ends, whether or
//! not the sampler kept its span.

use std::time::Duration;

use opentelemetry::{Context, StringValue};

use super::Meta;
use crate::context::MetricScope;
use crate::metrics::{self, CallAttributes, Measured};
use crate::record::detect_provider;
use crate::record::response::ResponseInfo;

/// What is known of a call at its start, kept for its metrics.
#[derive(Debug)]
pub(crate) struct Metering {
    request_model: Option<StringValue>,
    /// The provider said (`provider = …`) or told by a client argument.
    told_provider: Option<&'static str>,
    scope: MetricScope,
}

/// How a call ended, for its metrics.
#[derive(Debug, Default)]
pub(crate) struct Ended<'a> {
    pub(crate) duration: Option<Duration>,
    pub(crate) info: Option<&'a ResponseInfo>,
    /// What the call cost (`pricing::price_own_else_pipeline`).
    pub(crate) cost_usd: Option<f64>,
    pub(crate) error_type: Option<&'a str>,
    /// A stream's time to its first chunk, and the time between its chunks.
    pub(crate) chunks: Option<(Duration, &'a [f32])>,
}

impl Metering {
    /// Starts the metrics of a call asking for `request_model`, inside the
    /// scopes of `parent`.
    pub(crate) fn start(
        meta: &Meta,
        request_model: Option<&str>,
        client_provider: Option<&'static str>,
        parent: &Context,
    ) -> Self {
        let model = request_model.or(meta.model).map(crate::text::model_name);
        Self {
            request_model: model,
            told_provider: meta.provider.or(client_provider),
            scope: MetricScope::of(parent),
        }
    }

    /// Records the call.
    pub(crate) fn finish(self, meta: &Meta, ended: Ended<'_>) {
        let response_model = ended.info.and_then(|info| info.model.as_deref());
        // As the span names it: said or told, then named by a marker in
        // the response, then guessed from the model asked for, then as the
        // response's format and model tell.
        let provider = self
            .told_provider
            .or_else(|| {
                ended
                    .info
                    .filter(|info| info.provider_marked)
                    .and_then(|info| info.provider)
            })
            .or_else(|| {
                self.request_model
                    .as_ref()
                    .and_then(|m| detect_provider(m.as_str()))
            })
            .or_else(|| ended.info.and_then(|info| info.provider))
            .or_else(|| response_model.and_then(detect_provider));
        let call = CallAttributes {
            kind: Some(meta.kind.as_str()),
            operation: meta.kind.operation().map(StringValue::from),
            provider: provider.map(StringValue::from),
            request_model: self.request_model,
            response_model,
            workflow: self.scope.workflow,
            ids: self.scope.ids,
            error_type: ended.error_type.map(|e| StringValue::from(e.to_owned())),
        };
        let (first_chunk, chunk_gaps) = match ended.chunks {
            Some((first, gaps)) => (Some(first), gaps),
            None => (None, &[][..]),
        };
        metrics::record(
            &call,
            &Measured {
                duration: ended.duration,
                usage: ended.info.and_then(|info| info.usage.as_ref()),
                cost_usd: ended.cost_usd,
                first_chunk,
                chunk_gaps,
            },
        );
    }
}
