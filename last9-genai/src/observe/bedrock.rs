//! `aws-sdk-bedrockruntime`'s typed Converse output, read field by field
//! (its types are not `Serialize`), and a ConverseStream's events followed
//! to their end. How Bedrock counts is `record::wire::bedrock`'s.

use std::fmt::Display;

use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::types::{
    self, ContentBlock, ContentBlockDelta, ContentBlockStart, ConverseStreamOutput,
};
use aws_smithy_types::Document;

use super::Output;
use super::capture::Bounds;
use super::known::{KnownResponse, ProviderHint};
use super::stream::{End, ReadChunks, StreamSoFar, failed};
use crate::record::response::{MAX_LISTED, ResponseInfo, ToolCallRequest};
use crate::record::wire::bedrock::{ConverseCounts, FORMAT};
use crate::text::{Limited, MAX_DEPTH, cut_bytes};

/// A count the SDK holds as `i32`: a negative one is impossible.
fn count(n: i32) -> Option<u64> {
    u64::try_from(n).ok()
}

/// The usage of the SDK's `TokenUsage`, and whether a count was impossible.
fn usage(usage: &types::TokenUsage) -> (Option<crate::cost::TokenUsage>, bool) {
    let counts = (|| {
        Some(ConverseCounts {
            input: count(usage.input_tokens)?,
            output: count(usage.output_tokens)?,
            total: Some(count(usage.total_tokens)?),
            cache_read: count(usage.cache_read_input_tokens.unwrap_or(0))?,
            cache_write: count(usage.cache_write_input_tokens.unwrap_or(0))?,
        })
    })();
    match counts.map(ConverseCounts::usage) {
        Some(usage) if usage.is_consistent() => (Some(usage), false),
        _ => (None, true),
    }
}

/// A `Document` (a tool's input) as JSON text, cut at `limit` and at the
/// depth bound, marked where cut.
fn document_json(document: &Document, limit: usize) -> String {
    fn write(document: &Document, depth: usize, out: &mut Limited) -> bool {
        let text =
            |out: &mut Limited, text: &str| out.take(&serde_json::Value::from(text).to_string());
        match document {
            Document::Object(_) | Document::Array(_) if depth >= MAX_DEPTH => false,
            Document::Object(fields) => {
                let mut first = true;
                out.take("{")
                    && fields.iter().all(|(key, value)| {
                        let comma = std::mem::take(&mut first) || out.take(",");
                        comma && text(out, key) && out.take(":") && write(value, depth + 1, out)
                    })
                    && out.take("}")
            }
            Document::Array(items) => {
                let mut first = true;
                out.take("[")
                    && items.iter().all(|item| {
                        (std::mem::take(&mut first) || out.take(",")) && write(item, depth + 1, out)
                    })
                    && out.take("]")
            }
            Document::Number(aws_smithy_types::Number::PosInt(n)) => out.take(&n.to_string()),
            Document::Number(aws_smithy_types::Number::NegInt(n)) => out.take(&n.to_string()),
            Document::Number(aws_smithy_types::Number::Float(f)) => {
                out.take(&serde_json::Value::from(*f).to_string())
            }
            Document::String(s) => text(out, s),
            Document::Bool(b) => out.take(if *b { "true" } else { "false" }),
            Document::Null => out.take("null"),
        }
    }
    let mut out = Limited::new(limit);
    if !write(document, 0, &mut out) {
        out.mark_cut();
    }
    out.finish()
}

/// The Bedrock runtime client's calls go to Bedrock, whatever its endpoint.
impl ProviderHint for aws_sdk_bedrockruntime::Client {
    fn provider(&self) -> Option<&'static str> {
        Some(FORMAT.provider)
    }
}

/// The Converse output, read in place: only what is recorded is copied.
impl KnownResponse for ConverseOutput {
    fn output(&self, bounds: Bounds) -> Output {
        let cut = |text: &str| cut_bytes(text, bounds.limit).into_owned();
        let blocks = || match &self.output {
            Some(types::ConverseOutput::Message(message)) => message.content.as_slice(),
            _ => &[],
        };
        let mut completion = Limited::new(bounds.limit);
        let mut any_text = false;
        for block in blocks().iter().take(MAX_LISTED) {
            if let ContentBlock::Text(text) = block {
                any_text = true;
                if !completion.take(text) {
                    break;
                }
            }
        }
        let tool_calls = blocks()
            .iter()
            .filter_map(|block| match block {
                ContentBlock::ToolUse(tool) => Some(ToolCallRequest {
                    id: Some(cut(&tool.tool_use_id)),
                    name: cut(&tool.name),
                    arguments: document_json(&tool.input, bounds.limit),
                }),
                _ => None,
            })
            .take(MAX_LISTED)
            .collect();
        let (usage, usage_invalid) = self.usage.as_ref().map_or((None, false), usage);
        Output {
            info: Some(ResponseInfo {
                provider: Some(FORMAT.provider),
                provider_marked: true,
                operation: None,
                model: None,
                id: None,
                finish_reasons: vec![self.stop_reason.as_str().to_owned()],
                usage,
                usage_invalid,
                completion: any_text.then(|| completion.finish()),
                tool_calls,
            }),
            ..Output::default()
        }
    }
}

/// Reads the typed events of a ConverseStream: `Result<ConverseStreamOutput,
/// E>` where `E` is the SDK's error. Text and tool-use deltas, the stop
/// reason and the usage of the `metadata` event; an error item ends the
/// span with it.
///
/// The SDK's `EventReceiver` is no `Stream`: `futures::stream::unfold`
/// makes it one, and [`ObserveStream::observe_converse`](crate::ObserveStream::observe_converse)
/// follows it.
///
/// ```
/// use futures::{StreamExt, executor::block_on, stream};
/// use aws_sdk_bedrockruntime::types::{ContentBlockDelta, ContentBlockDeltaEvent, ConverseStreamOutput};
/// use last9_genai::{ObserveStream, StreamCall};
///
/// // In an application:
/// // let output = client.converse_stream().model_id(model).messages(..).send().await?;
/// // let events = stream::unfold(output.stream, |mut receiver| async move {
/// //     receiver.recv().await.transpose().map(|event| (event, receiver))
/// // });
/// let delta = ContentBlockDeltaEvent::builder()
///     .delta(ContentBlockDelta::Text("Hi".into()))
///     .content_block_index(0)
///     .build()?;
/// let events = stream::iter([Ok::<_, std::io::Error>(ConverseStreamOutput::ContentBlockDelta(delta))]);
/// let model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
/// let observed = events.observe_converse(StreamCall::new("bedrock.converse_stream").model(model));
/// assert_eq!(block_on(observed.count()), 1);
/// # Ok::<(), aws_sdk_bedrockruntime::error::BuildError>(())
/// ```
#[derive(Debug, Default)]
pub struct ConverseEvents {
    _private: (),
}

impl<E: Display> ReadChunks<Result<ConverseStreamOutput, E>> for ConverseEvents {
    fn read_item(
        &mut self,
        item: &Result<ConverseStreamOutput, E>,
        following: &mut StreamSoFar,
    ) -> Option<End> {
        let event = match item {
            Ok(event) => event,
            Err(error) => return Some(failed(error)),
        };
        following.chunk();
        let read = &mut following.read;
        read.typed(&FORMAT);
        let index = |i: i32| u64::try_from(i).unwrap_or(0);
        match event {
            ConverseStreamOutput::ContentBlockStart(start) => {
                if let Some(ContentBlockStart::ToolUse(tool)) = &start.start {
                    read.tool_call(
                        index(start.content_block_index),
                        Some(&tool.tool_use_id),
                        Some(&tool.name),
                        None,
                    );
                }
            }
            ConverseStreamOutput::ContentBlockDelta(delta) => match &delta.delta {
                Some(ContentBlockDelta::Text(text)) => read.push_text(text),
                Some(ContentBlockDelta::ToolUse(tool)) => {
                    read.tool_call(
                        index(delta.content_block_index),
                        None,
                        None,
                        Some(&tool.input),
                    );
                }
                _ => {}
            },
            ConverseStreamOutput::MessageStop(stop) => {
                read.finish_reason(stop.stop_reason.as_str())
            }
            ConverseStreamOutput::Metadata(metadata) => {
                if let Some(counts) = &metadata.usage {
                    read.typed_usage(usage(counts));
                }
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A tool input nested past the depth bound is written to the bound and
    /// marked; one past the limit is cut and marked.
    #[test]
    fn documents_are_written_within_their_bounds() {
        let object = Document::Object(HashMap::from([(
            "city".to_owned(),
            Document::String("Paris \"centre\"".to_owned()),
        )]));
        assert_eq!(
            document_json(&object, 100),
            r#"{"city":"Paris \"centre\""}"#
        );
        let list = Document::Array(vec![
            Document::Number(aws_smithy_types::Number::PosInt(1)),
            Document::Bool(true),
            Document::Null,
        ]);
        assert_eq!(document_json(&list, 100), "[1,true,null]");
        let mut deep = Document::Null;
        for _ in 0..(MAX_DEPTH + 10) {
            deep = Document::Array(vec![deep]);
        }
        let marker = crate::text::TRUNCATION_MARKER;
        assert_eq!(
            document_json(&deep, 1 << 20),
            format!("{}{marker}", "[".repeat(MAX_DEPTH))
        );
        assert_eq!(document_json(&object, 5), format!("{{\"cit{marker}"));
    }

    /// Impossible counts (negative) leave the usage absent and marked.
    #[test]
    fn negative_counts_are_impossible() {
        let counts = types::TokenUsage::builder()
            .input_tokens(-1)
            .output_tokens(2)
            .total_tokens(1)
            .build()
            .unwrap();
        assert_eq!(usage(&counts), (None, true));
        let counts = types::TokenUsage::builder()
            .input_tokens(12)
            .output_tokens(85)
            .total_tokens(1897)
            .cache_read_input_tokens(1500)
            .cache_write_input_tokens(300)
            .build()
            .unwrap();
        let read = usage(&counts).0.unwrap();
        assert_eq!(
            (
                read.input_tokens,
                read.cache_read_input_tokens,
                read.cache_creation_input_tokens
            ),
            (1812, 1500, 300)
        );
    }
}
