//! The writers: every attribute and event that says what a model call did.

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Array, Context, KeyValue, StringValue, Value};

use super::conventions;
use super::response::{ResponseInfo, ToolCallRequest};
use super::wire::provider_of_model as detect_provider;
use crate::attributes as attr;
use crate::cost::TokenUsage;
use crate::pricing::{self, CallCost};
use crate::text::{model_name, saturating_i64};

/// A model attribute (`gen_ai.request.model` or `gen_ai.response.model`),
/// the name cut at [`MAX_MODEL_NAME_LEN`](crate::MAX_MODEL_NAME_LEN).
pub(crate) fn model_attribute(key: &'static str, model: &str) -> KeyValue {
    KeyValue::new(key, model_name(model))
}

/// `gen_ai.response.finish_reasons` as the string array the conventions
/// ask for; nothing when there are none.
pub(crate) fn finish_reasons_attribute(reasons: &[String]) -> Option<KeyValue> {
    (!reasons.is_empty()).then(|| {
        let reasons = reasons.iter().cloned().map(StringValue::from).collect();
        KeyValue::new(
            attr::RESPONSE_FINISH_REASONS,
            Value::Array(Array::String(reasons)),
        )
    })
}

/// The usage attributes of `usage`: input and output always, cache and
/// reasoning counts when not zero. Counts above `i64::MAX` are written as
/// `i64::MAX`, the largest an attribute holds.
pub(crate) fn usage_attributes(usage: &TokenUsage) -> Vec<KeyValue> {
    let mut attributes = vec![
        KeyValue::new(attr::USAGE_INPUT_TOKENS, saturating_i64(usage.input_tokens)),
        KeyValue::new(
            attr::USAGE_OUTPUT_TOKENS,
            saturating_i64(usage.output_tokens),
        ),
    ];
    for (key, count) in [
        (
            attr::USAGE_CACHE_READ_INPUT_TOKENS,
            usage.cache_read_input_tokens,
        ),
        (
            conventions::cache_creation_key(),
            usage.cache_creation_input_tokens,
        ),
        (
            attr::USAGE_REASONING_OUTPUT_TOKENS,
            usage.reasoning_output_tokens,
        ),
    ] {
        if count > 0 {
            attributes.push(KeyValue::new(key, saturating_i64(count)));
        }
    }
    attributes
}

/// The cost attributes of a call: its total, input and output cost, and
/// which prices gave it when they are the bundled table's.
pub(crate) fn cost_attributes(cost: &CallCost) -> impl Iterator<Item = KeyValue> + use<> {
    let breakdown = &cost.breakdown;
    [
        KeyValue::new(attr::USAGE_COST_USD, breakdown.total_usd()),
        KeyValue::new(attr::USAGE_COST, breakdown.total_usd()),
        KeyValue::new(attr::USAGE_COST_INPUT_USD, breakdown.input_usd()),
        KeyValue::new(attr::USAGE_COST_OUTPUT_USD, breakdown.output_usd()),
    ]
    .into_iter()
    .chain(
        cost.bundled
            .then(|| KeyValue::new(attr::L9_COST_PRICES, pricing::BUNDLED_LABEL)),
    )
}

/// What a model response says of itself, as attributes: provider (also as
/// `gen_ai.system`) unless `provider_known`, response model and id, finish
/// reasons, usage, the number of tool calls asked for and the first tool's
/// name.
pub(crate) fn response_attributes(
    info: &ResponseInfo,
    provider_known: bool,
    attributes: &mut Vec<KeyValue>,
) {
    let provider = info
        .provider
        .or_else(|| info.model.as_deref().and_then(detect_provider))
        .filter(|_| !provider_known);
    if let Some(provider) = provider {
        attributes.extend(conventions::provider_attributes(provider));
    }
    if let Some(model) = &info.model {
        attributes.push(model_attribute(attr::RESPONSE_MODEL, model));
    }
    if let Some(id) = &info.id {
        attributes.push(KeyValue::new(attr::RESPONSE_ID, id.clone()));
    }
    attributes.extend(finish_reasons_attribute(&info.finish_reasons));
    if let Some(usage) = &info.usage {
        attributes.extend(usage_attributes(usage));
    }
    if info.usage_invalid {
        attributes.push(KeyValue::new(attr::L9_USAGE_INVALID, true));
    }
    if let Some(first) = info.tool_calls.first() {
        attributes.push(KeyValue::new(
            attr::TOOL_CALLS_COUNT,
            saturating_i64(info.tool_calls.len()),
        ));
        attributes.push(KeyValue::new(attr::TOOL_NAME, first.name.clone()));
    }
}

/// The attributes of the `gen_ai.tool.call` event of `call`, the
/// `index`-th of its response: the Python SDK's `tool_call.*` keys; the
/// arguments (content) only `with_arguments`.
pub(crate) fn tool_call_event(
    index: usize,
    call: &ToolCallRequest,
    with_arguments: bool,
) -> Vec<KeyValue> {
    let mut event = vec![
        KeyValue::new(attr::EVENT_TOOL_CALL_INDEX, saturating_i64(index)),
        KeyValue::new(attr::EVENT_TOOL_CALL_TYPE, "function"),
        KeyValue::new(attr::EVENT_TOOL_CALL_FUNCTION_NAME, call.name.clone()),
    ];
    if with_arguments {
        event.push(KeyValue::new(
            attr::EVENT_TOOL_CALL_FUNCTION_ARGUMENTS,
            call.arguments.clone(),
        ));
    }
    if let Some(id) = &call.id {
        event.push(KeyValue::new(attr::EVENT_TOOL_CALL_ID, id.clone()));
    }
    event
}

/// Ends the span of `cx` with an error: `error.type`, one `exception`
/// event, and ERROR status with `message`.
pub(crate) fn end_with_error(
    cx: &Context,
    mut attributes: Vec<KeyValue>,
    type_name: &str,
    message: String,
) {
    let span = cx.span();
    attributes.push(KeyValue::new(attr::ERROR_TYPE, type_name.to_owned()));
    span.set_attributes(attributes);
    span.add_event(
        attr::EVENT_EXCEPTION,
        vec![
            KeyValue::new(attr::EXCEPTION_TYPE, type_name.to_owned()),
            KeyValue::new(attr::EXCEPTION_MESSAGE, message.clone()),
        ],
    );
    span.set_status(Status::error(message));
    span.end();
}
