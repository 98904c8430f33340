//! `aws-sdk-bedrockruntime`'s typed output (feature `aws-bedrock`): a
//! Converse output returned from an observed function, and a ConverseStream's
//! typed events followed with `observe_converse`, read as the JSON fixtures
//! of `providers.rs` are.

#![allow(clippy::await_holding_lock)]

mod common;

use std::collections::HashMap;

use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ContentBlockDeltaEvent, ContentBlockStart,
    ContentBlockStartEvent, ConversationRole, ConverseStreamMetadataEvent, ConverseStreamOutput,
    Message, MessageStopEvent, StopReason, TokenUsage, ToolUseBlock, ToolUseBlockDelta,
    ToolUseBlockStart,
};
use aws_smithy_types::Document;
use common::{attr, float, int, string};
use futures::StreamExt as _;
use last9_genai::{ModelPricing, ObserveStream as _, PricingTable, StreamCall, observe};
use opentelemetry::{Array, Value};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn prices() -> PricingTable {
    PricingTable::new([(
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        ModelPricing::new(3.0, 15.0)
            .with_cache_read(0.3)
            .with_cache_write(3.75),
    )])
    .unwrap()
}

/// The usage of `converse.json`: input leaves the cache out.
fn token_usage(input: i32) -> TokenUsage {
    TokenUsage::builder()
        .input_tokens(input)
        .output_tokens(85)
        .total_tokens(1897)
        .cache_read_input_tokens(1500)
        .cache_write_input_tokens(300)
        .build()
        .unwrap()
}

fn converse_output(input: i32, tool_input: Document) -> ConverseOutput {
    let message = Message::builder()
        .role(ConversationRole::Assistant)
        .content(ContentBlock::Text(
            "I'll look up the current weather in Paris.".into(),
        ))
        .content(ContentBlock::ToolUse(
            ToolUseBlock::builder()
                .tool_use_id("tooluse_1")
                .name("get_weather")
                .input(tool_input)
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    ConverseOutput::builder()
        .output(aws_sdk_bedrockruntime::types::ConverseOutput::Message(
            message,
        ))
        .stop_reason(StopReason::ToolUse)
        .usage(token_usage(input))
        .build()
        .unwrap()
}

#[observe(pricing = prices())]
async fn converse(model: &str, output: ConverseOutput) -> Result<ConverseOutput, String> {
    let _ = model;
    Ok(output)
}

fn paris() -> Document {
    Document::Object(HashMap::from([(
        "city".to_owned(),
        Document::String("Paris".to_owned()),
    )]))
}

#[tokio::test]
async fn a_typed_converse_output_is_read_and_priced() {
    let (_guard, h) = common::observed();
    let returned = converse(MODEL, converse_output(12, paris())).await.unwrap();
    assert_eq!(
        returned.stop_reason,
        StopReason::ToolUse,
        "returned as it was"
    );
    let span = h.span("converse");
    assert_eq!(
        string(&span, "gen_ai.provider.name").as_deref(),
        Some("aws.bedrock")
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(1812));
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(85));
    assert_eq!(
        int(&span, "gen_ai.usage.cache_read.input_tokens"),
        Some(1500)
    );
    assert_eq!(
        int(&span, "gen_ai.usage.cache_creation.input_tokens"),
        Some(300)
    );
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        Some(Value::Array(Array::String(vec!["tool_use".into()])))
    );
    // 12 × 3 + 1500 × 0.3 + 300 × 3.75 + 85 × 15 = 2 886 µ$.
    assert_eq!(float(&span, "gen_ai.usage.cost_usd"), Some(0.002886));
    assert_eq!(
        common::tool_call_arguments(&span, 0).as_deref(),
        Some(r#"{"city":"Paris"}"#)
    );
    assert_eq!(
        common::completion(&span).as_deref(),
        Some("I'll look up the current weather in Paris.")
    );
}

/// Hostile typed output: a negative count, a tool input nested past the
/// depth bound.
#[tokio::test]
async fn a_typed_converse_output_with_impossible_counts_or_deep_input() {
    let (_guard, h) = common::observed();
    let mut deep = Document::Null;
    for _ in 0..1_000 {
        deep = Document::Array(vec![deep]);
    }
    converse(MODEL, converse_output(-5, deep)).await.unwrap();
    let span = h.span("converse");
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), None);
    assert_eq!(
        attr(&span, "gen_ai.l9.usage_invalid"),
        Some(Value::Bool(true))
    );
    let arguments = common::tool_call_arguments(&span, 0).unwrap();
    assert!(
        arguments.ends_with(last9_genai::TRUNCATION_MARKER),
        "{arguments}"
    );
}

fn events() -> Vec<ConverseStreamOutput> {
    let text = |t: &str| {
        ConverseStreamOutput::ContentBlockDelta(
            ContentBlockDeltaEvent::builder()
                .delta(ContentBlockDelta::Text(t.into()))
                .content_block_index(0)
                .build()
                .unwrap(),
        )
    };
    let tool_input = |input: &str| {
        ConverseStreamOutput::ContentBlockDelta(
            ContentBlockDeltaEvent::builder()
                .delta(ContentBlockDelta::ToolUse(
                    ToolUseBlockDelta::builder().input(input).build().unwrap(),
                ))
                .content_block_index(1)
                .build()
                .unwrap(),
        )
    };
    vec![
        text("I'll look up "),
        text("the weather."),
        ConverseStreamOutput::ContentBlockStart(
            ContentBlockStartEvent::builder()
                .start(ContentBlockStart::ToolUse(
                    ToolUseBlockStart::builder()
                        .tool_use_id("tooluse_1")
                        .name("get_weather")
                        .build()
                        .unwrap(),
                ))
                .content_block_index(1)
                .build()
                .unwrap(),
        ),
        tool_input("{\"city\": "),
        tool_input("\"Paris\"}"),
        ConverseStreamOutput::MessageStop(
            MessageStopEvent::builder()
                .stop_reason(StopReason::ToolUse)
                .build()
                .unwrap(),
        ),
        ConverseStreamOutput::Metadata(
            ConverseStreamMetadataEvent::builder()
                .usage(token_usage(12))
                .build(),
        ),
    ]
}

#[tokio::test]
async fn typed_converse_stream_events_are_followed() {
    let (_guard, h) = common::observed();
    let count = events().len();
    let passed = futures::stream::iter(events().into_iter().map(Ok::<_, std::io::Error>))
        .observe_converse(StreamCall::new("bedrock.stream").model(MODEL))
        .count()
        .await;
    assert_eq!(passed, count);
    let span = h.span("bedrock.stream");
    assert_eq!(
        string(&span, "gen_ai.provider.name").as_deref(),
        Some("aws.bedrock")
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(1812));
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(count as i64));
    assert_eq!(
        common::completion(&span).as_deref(),
        Some("I'll look up the weather.")
    );
    assert_eq!(
        common::tool_call_arguments(&span, 0).as_deref(),
        Some(r#"{"city":"Paris"}"#)
    );
}

/// An error item (the SDK's `SdkError` in an application) ends the span
/// with it; what arrived before is kept.
#[tokio::test]
async fn an_error_in_a_converse_stream_ends_its_span() {
    let (_guard, h) = common::observed();
    let items = vec![
        Ok(events().remove(0)),
        Err(std::io::Error::other("throttled")),
    ];
    futures::stream::iter(items)
        .observe_converse(StreamCall::new("bedrock.stream").model(MODEL))
        .count()
        .await;
    let span = h.span("bedrock.stream");
    assert_eq!(string(&span, "error.type").as_deref(), Some("Error"));
    assert_eq!(
        span.status,
        opentelemetry::trace::Status::error("throttled")
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), None);
}
