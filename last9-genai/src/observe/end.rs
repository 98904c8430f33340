//! The one way an observed call ends.
//!
//! However a call ends — it returned, returned an error, panicked, was
//! cancelled (its future dropped before it finished), or the stream it
//! returned ended — it is told to [`Observation::end`] as an [`Outcome`].
//! There the call is priced once ([`pricing::price_call`]), and that one
//! cost goes to everything that counts it: the span, the metrics, and the
//! totals and budgets of a call the span processor never sees (the
//! processor counts the others, with the cost the span carries).

use std::time::Duration;

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};

use super::metered::Ended;
use super::recorded::{self, Recorded};
use super::{Observation, Output, input_attributes, panics, scrub_owned, warn_unrecognised};
use crate::attributes as attr;
use crate::pricing::{self, CallCost};
use crate::record::messages::{self, Message, Part};
use crate::record::request::RequestInfo;
use crate::record::response::ResponseInfo;
use crate::record::{
    ObservationKind, cost_attributes, end_with_error, model_attribute, response_attributes,
    tool_call_event,
};
use crate::text::cut_bytes_owned;

/// How an observed call ended.
#[derive(Debug)]
pub(super) enum Outcome<'a> {
    /// It returned; a stream it returned ended.
    Returned,
    /// It returned an error, or a stream yielded one (or the provider sent
    /// one inside it): the error's type and message.
    Failed(&'a str, String),
    /// It panicked.
    Panicked,
    /// It was dropped before it finished: a cancelled future, a stream
    /// dropped before its end.
    Cancelled,
}

/// The `error.type` of the metrics of a call dropped before it finished.
const CANCELLED: &str = "cancelled";

impl Outcome<'_> {
    /// The `error.type` of the call's metrics.
    fn error_type(&self) -> Option<&str> {
        match self {
            Self::Returned => None,
            Self::Failed(type_name, _) => Some(type_name),
            Self::Panicked => Some(panics::PANIC),
            Self::Cancelled => Some(CANCELLED),
        }
    }
}

/// What a followed stream adds to its call's end: its own attributes
/// (chunks, time to the first), and for the metrics the time to its first
/// chunk and between its chunks.
#[derive(Debug, Default)]
pub(super) struct Streamed<'a> {
    pub(super) attributes: Vec<KeyValue>,
    pub(super) timing: Option<(Duration, &'a [f32])>,
}

impl Observation {
    /// Ends the call successfully with its output.
    pub fn finish_ok(mut self, output: Output) {
        self.end(Some(output), Outcome::Returned, Streamed::default());
    }

    /// Ends the call with an error: ERROR status with its message, and one
    /// `exception` event.
    pub fn finish_err(mut self, type_name: &str, message: String) {
        self.end(
            None,
            Outcome::Failed(type_name, message),
            Streamed::default(),
        );
    }

    /// Ends the call, once, however it ended: priced once for all that
    /// count it, counted in the totals when the processor will not see
    /// it, its metrics recorded, and its span written and ended.
    pub(super) fn end(
        &mut self,
        output: Option<Output>,
        outcome: Outcome<'_>,
        streamed: Streamed<'_>,
    ) {
        if self.finished {
            return;
        }
        self.finished = true;
        let recorded = self.close_recorded();
        let response = output.as_ref().and_then(|output| output.info.as_ref());
        // What the body recorded tells what the output does not; a call
        // that failed has no output, and counts none of it anywhere.
        let merged = recorded
            .as_ref()
            .filter(|_| output.is_some())
            .map(|recorded| {
                let mut info = response.cloned().unwrap_or_default();
                info.model = info.model.or_else(|| Some(recorded.model.clone()));
                info.usage = info.usage.or(Some(recorded.usage));
                info
            });
        let info = merged.as_ref().or(response);
        let cost = self.price(info);
        self.count_unsampled(info, cost.as_ref());
        if self.metering.is_some() {
            self.meter(Ended {
                info,
                cost_usd: cost.as_ref().map(CallCost::usd),
                error_type: outcome.error_type(),
                chunks: streamed.timing,
                ..Ended::default()
            });
        }
        if !self.recording {
            return;
        }
        let Some(cx) = self.context().cloned() else {
            return;
        };
        let span = cx.span();
        span.set_attribute(self.latency());
        if !streamed.attributes.is_empty() {
            span.set_attributes(streamed.attributes);
        }
        if let Some(output) = output {
            self.write_output(&cx, output, recorded, cost.as_ref());
        }
        // A call that ended with no output: its prompt in the event only.
        let mut args = Vec::new();
        self.write_prompt(false, &mut args);
        // Arguments no response turned into a user message.
        args.append(&mut self.pending_args);
        if !args.is_empty() {
            span.set_attributes(args);
        }
        if let Some(details) = self.details.take() {
            span.add_event(attr::EVENT_INFERENCE_DETAILS, details);
        }
        match outcome {
            Outcome::Returned => {
                span.set_status(Status::Ok);
                span.end();
            }
            Outcome::Failed(type_name, message) => self.end_with_error(&cx, type_name, message),
            Outcome::Panicked => {
                let message = panics::take_message();
                let message = message.unwrap_or_else(|| panics::UNKNOWN_PANIC.to_owned());
                let message = cut_bytes_owned(message, self.limit());
                self.end_with_error(&cx, panics::PANIC, message);
            }
            Outcome::Cancelled => {
                span.set_attribute(KeyValue::new(attr::L9_CANCELLED, true));
                span.end();
            }
        }
    }

    /// What the body recorded with `record_usage`, kept for a call with its
    /// own prices, sampled or not; its entry is closed however the call
    /// ends.
    fn close_recorded(&mut self) -> Option<Recorded> {
        if let Some(span_id) = self.recorded_span.take() {
            return recorded::close(span_id);
        }
        if self.pricing.is_none() || !self.recording {
            return None;
        }
        let span_id = self.context()?.span().span_context().span_id();
        recorded::close(span_id)
    }

    /// What the call cost, when anything needs it: its span when it has
    /// its own prices, its totals when the processor never sees it, its
    /// metrics. A span without its own prices is priced by the span
    /// processor it reaches, unless the metrics needed the cost first: then
    /// the span carries it too.
    fn price(&self, info: Option<&ResponseInfo>) -> Option<CallCost> {
        let wanted = (self.recording && self.pricing.is_some())
            || self.totals.is_some()
            || self.metering.is_some();
        if !wanted {
            return None;
        }
        let info = info?;
        let usage = info.usage.as_ref()?;
        let models = [
            info.model.as_deref(),
            self.asked_model.as_deref(),
            self.meta.model,
        ];
        pricing::price_own_else_pipeline(self.pricing.as_ref(), models, usage)
    }

    /// Counts a call whose span the processor never sees (the sampler
    /// dropped it, or no pipeline makes one) in its workflow's totals, as
    /// the processor counts the spans it sees: a tool call however it
    /// ended, a model call when its response has a model and usage, at
    /// `cost`.
    fn count_unsampled(&mut self, info: Option<&ResponseInfo>, cost: Option<&CallCost>) {
        let Some(totals) = self.totals.take() else {
            return;
        };
        if self.meta.kind == ObservationKind::Tool {
            totals.record_tool();
            return;
        }
        let Some(info) = info else {
            return;
        };
        let named = info.model.is_some() || self.asked_model.is_some() || self.meta.model.is_some();
        if !named || (info.usage.is_none() && !info.usage_invalid) {
            return;
        }
        let tokens = info.usage.as_ref().map_or(0, |usage| {
            usage.input_tokens.saturating_add(usage.output_tokens)
        });
        // Its span is not exported: the crossing is said in a warning and
        // the metrics only.
        let cost = cost.map(|cost| cost.breakdown.total_micro_usd());
        totals.record_llm(cost, tokens, |_| {});
    }

    /// Records the call's metrics, once.
    fn meter(&mut self, ended: Ended<'_>) {
        if let Some(metering) = self.metering.take() {
            let duration = self.start.map(|start| start.elapsed());
            metering.finish(self.meta, Ended { duration, ..ended });
        }
    }

    /// Writes what the call's output says: the response's model, usage,
    /// cost and finish reasons, tool calls, the completion.
    fn write_output(
        &mut self,
        cx: &Context,
        output: Output,
        recorded: Option<Recorded>,
        cost: Option<&CallCost>,
    ) {
        let span = cx.span();
        let mut attributes = Vec::new();
        if output.capture_failed {
            attributes.push(KeyValue::new(attr::L9_CAPTURE_FAILED, true));
        }
        let place = self.place;
        let is_response = output.info.is_some();
        if let Some(keys) = &output.unrecognised {
            warn_unrecognised(self.meta, keys);
        }
        let mut info = output.info.unwrap_or_default();
        if let Some(recorded) = recorded {
            info.model = info.model.or(Some(recorded.model));
            info.usage = info.usage.or(Some(recorded.usage));
        }
        // A provider the body names by a marker is written over a guess.
        let corrected = info.provider_marked
            && self
                .provider_guess
                .is_some_and(|guess| info.provider != Some(guess));
        response_attributes(&info, self.provider_written && !corrected, &mut attributes);
        if let Some(operation) = info
            .operation
            .filter(|op| self.meta.kind.operation() != Some(op))
        {
            attributes.push(KeyValue::new(attr::OPERATION_NAME, operation));
        }
        // What the call asked for, when nothing told before: the model that
        // answered.
        if let Some(model) = info
            .model
            .as_deref()
            .filter(|_| !self.model_written && is_response)
        {
            attributes.push(model_attribute(attr::REQUEST_MODEL, model));
        }
        self.write_prompt(is_response, &mut attributes);
        if let Some(cost) = cost {
            attributes.extend(cost_attributes(cost));
        }
        if !attributes.is_empty() {
            span.set_attributes(attributes);
        }
        // A model response's text is its completion, empty for a turn that
        // only asks for tools; anything else is written as captured.
        let json = !is_response && output.json;
        let completion = if is_response {
            Some(info.completion.take().unwrap_or_default())
        } else {
            output.text
        }
        .filter(|_| self.meta.capture_output && place.any());
        let scrub = info.tool_calls.len()
            + completion.as_ref().map_or(0, |c| usize::from(c.len() >= 3))
            > 0;
        let (tool_calls, completion) = if !scrub {
            (info.tool_calls, completion)
        } else {
            self.redacting(|rules| {
                let tool_calls: Vec<_> = info
                    .tool_calls
                    .into_iter()
                    .map(|mut call| {
                        call.arguments = scrub_owned(rules, call.arguments);
                        call
                    })
                    .collect();
                let completion = completion.map(|text| match rules {
                    Some(rules) if json => rules.scrub_json_owned(text),
                    _ => scrub_owned(rules, text),
                });
                (tool_calls, completion)
            })
        };
        // The Python SDK's events; arguments are content, there only when
        // its content goes in events.
        if place.python {
            for (index, call) in tool_calls.iter().enumerate() {
                span.add_event(
                    attr::EVENT_TOOL_CALL,
                    tool_call_event(index, call, place.python_event),
                );
            }
        }
        let Some(text) = completion else {
            return;
        };
        let limit = self.limit();
        let mut attributes = Vec::new();
        let tool = self.meta.kind == ObservationKind::Tool;
        let calls = !tool_calls.is_empty();
        // A tool's output has a key of its own, unless it is a response.
        let output_message = place.conventions() && (is_response || !tool);
        // The assistant's message: a response's text and tool calls; any
        // other call's output as the text it returned.
        let message = (output_message || (place.python_span && calls)).then(|| {
            let mut parts = Vec::with_capacity(1 + tool_calls.len());
            if !text.is_empty() {
                parts.push(Part::Text(text.clone()));
            }
            parts.extend(tool_calls.into_iter().map(Part::ToolCall));
            Message {
                role: "assistant",
                parts,
                finish_reason: if is_response {
                    info.finish_reasons.into_iter().next()
                } else {
                    Some("stop".to_owned())
                },
            }
        });
        // The conventions' output message.
        if let Some(message) = message.as_ref().filter(|_| output_message) {
            let fitted = messages::fitted(std::slice::from_ref(message), limit);
            let output = messages::conventions_output(&fitted);
            self.conventions_content(&mut attributes, vec![output], place.conventions_span);
        }
        let text = cut_bytes_owned(text, limit);
        if tool && place.conventions() && !is_response {
            let result = vec![KeyValue::new(attr::TOOL_CALL_RESULT, text.clone())];
            self.conventions_content(&mut attributes, result, place.conventions_span);
        }
        if place.python_span {
            // On the span, the tool calls the events would carry are said
            // after the text.
            let said = match message.as_ref().filter(|_| calls) {
                Some(message) => cut_bytes_owned(message.said(), limit),
                None => text.clone(),
            };
            attributes.push(KeyValue::new(attr::COMPLETION, said));
        }
        if !attributes.is_empty() {
            span.set_attributes(attributes);
        }
        if place.python_event {
            span.add_event(
                attr::EVENT_CONTENT_COMPLETION,
                vec![KeyValue::new(attr::COMPLETION, text)],
            );
        }
    }

    /// The prompt of a call whose arguments held no messages, as the
    /// conventions' user message: on the span for a model call (the
    /// arguments it says are not written apart then), in the
    /// `gen_ai.client.inference.operation.details` event for any call.
    fn write_prompt(&mut self, model_call: bool, attributes: &mut Vec<KeyValue>) {
        let Some(prompt) = self.prompt.take() else {
            return;
        };
        if model_call {
            self.pending_args.clear();
        }
        let on_span = model_call && self.place.conventions_span;
        if !on_span && !self.place.conventions_event {
            return;
        }
        let request = RequestInfo {
            messages: vec![Message {
                role: "user",
                parts: vec![Part::Text(prompt)],
                finish_reason: None,
            }],
            ..RequestInfo::default()
        };
        let input = input_attributes(&request, self.limit());
        self.conventions_content(attributes, input, on_span);
    }

    /// Ends the span with an error: ERROR status with the message, its
    /// secrets cut out, and one `exception` event.
    fn end_with_error(&self, cx: &Context, type_name: &str, message: String) {
        let message = self.redacting(|rules| scrub_owned(rules, message));
        end_with_error(cx, Vec::new(), type_name, message);
    }

    fn latency(&self) -> KeyValue {
        let ms = self
            .start
            .map_or(0.0, |start| start.elapsed().as_secs_f64() * 1000.0);
        KeyValue::new(attr::LATENCY_MS, ms)
    }
}

impl Drop for Observation {
    /// A call dropped before it ended: it panicked, or its future was
    /// cancelled.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let outcome = if std::thread::panicking() {
            Outcome::Panicked
        } else {
            Outcome::Cancelled
        };
        self.end(None, outcome, Streamed::default());
    }
}
