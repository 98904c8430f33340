//! A streamed model response, read one chunk at a time into what a whole
//! response says of itself ([`ResponseInfo`]). Which format a chunk is in,
//! and how it is read, is the business of the format's module in
//! `record::wire`; this file holds what they fill, and the bounds on it.
//!
//! Nothing grows without bound: the text and each tool call's arguments are
//! kept up to the capture limit (one character past it, so that the cut is
//! marked as any captured value's is), at most [`MAX_TOOL_CALLS`] tool
//! calls and [`MAX_FINISH_REASONS`] finish reasons are kept. Usage that
//! never arrived stays absent, never zero.

use serde_json::{Map, Value};

use super::response::{ResponseInfo, ToolCallRequest};
use super::wire::{self, Format};
use crate::cost::TokenUsage;
use crate::text::floor_char_boundary;

/// At most this many tool calls of one stream are kept.
pub(crate) const MAX_TOOL_CALLS: usize = 128;
/// At most this many finish reasons of one stream are kept.
pub(crate) const MAX_FINISH_REASONS: usize = 16;

/// An error the provider sent inside the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkError {
    /// The error's type, as the provider names it (`overloaded_error`).
    pub(crate) kind: String,
    /// The error's message.
    pub(crate) message: String,
}

/// A tool call being assembled from its deltas.
#[derive(Debug, Default)]
struct PartialToolCall {
    /// The provider's index of the call (Anthropic: of its content block).
    index: u64,
    call: ToolCallRequest,
}

/// What the chunks of one stream said so far.
#[derive(Debug)]
pub(crate) struct StreamRead {
    limit: usize,
    /// The format of the chunks, known from the first that tells.
    format: Option<&'static Format>,
    /// A provider a chunk told by a marker only it sends.
    marked: Option<&'static str>,
    model: Option<String>,
    id: Option<String>,
    finish_reasons: Vec<String>,
    text: String,
    calls: Vec<PartialToolCall>,
    /// The usage object as the provider sent it; Anthropic's events merged.
    usage: Option<Map<String, Value>>,
    /// The usage a typed chunk gave, read field by field.
    known_usage: Option<TokenUsage>,
    /// A typed chunk's usage had an impossible count.
    known_invalid: bool,
    /// A whole response a final event carried (OpenAI Responses API).
    completed: Option<ResponseInfo>,
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl StreamRead {
    /// Nothing read yet; text is kept up to `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            format: None,
            marked: None,
            model: None,
            id: None,
            finish_reasons: Vec::new(),
            text: String::new(),
            calls: Vec::new(),
            usage: None,
            known_usage: None,
            known_invalid: false,
            completed: None,
        }
    }

    /// Whether any usage arrived.
    pub(crate) fn has_usage(&self) -> bool {
        self.usage.is_some()
            || self.known_usage.is_some()
            || self.completed.as_ref().is_some_and(|c| c.usage.is_some())
    }

    /// Whether the chunks are OpenAI chat completion chunks, the one format
    /// whose usage must be asked for (`stream_options.include_usage`).
    pub(crate) fn is_openai_chat(&self) -> bool {
        self.format
            .is_some_and(|f| std::ptr::eq(f, &wire::openai_chat::FORMAT))
    }

    /// Reads one chunk; an error the provider sent in the stream is
    /// returned. `Result`'s `{"Ok": …}` is looked through; a chunk that is
    /// text is a piece of the completion; a chunk no format recognises is
    /// passed over.
    pub(crate) fn read(&mut self, chunk: &Value) -> Option<ChunkError> {
        let chunk = match chunk.as_object() {
            Some(map) if map.len() == 1 && map.contains_key("Ok") => &map["Ok"],
            _ => chunk,
        };
        if let Some(text) = chunk.as_str() {
            // A stream of text pieces: the completion.
            self.push_text(text);
            return None;
        }
        let object = chunk.as_object()?;
        if let Some(error) = object.get("error").filter(|e| !e.is_null()) {
            return Some(chunk_error(error));
        }
        // The format of the chunks before is tried first.
        let format = match self.format {
            Some(format) if (format.is_chunk)(object) => format,
            _ => wire::chunk_format(object)?,
        };
        self.format = Some(format);
        (format.read_chunk)(self, chunk)
    }

    /// What the stream said, as a whole response would have.
    pub(crate) fn finish(mut self) -> ResponseInfo {
        let completed = self.completed.take();
        let (usage, usage_invalid) = match (self.format, self.usage) {
            _ if self.known_usage.is_some() || self.known_invalid => {
                (self.known_usage, self.known_invalid)
            }
            (Some(format), Some(map)) => (format.stream_usage)(&Value::Object(map)),
            _ => (None, false),
        };
        let provider = self.marked.or_else(|| {
            let format = self.format?;
            let by_model = format
                .named_by_model
                .then(|| self.model.as_deref().and_then(wire::provider_of_model));
            by_model.flatten().or(Some(format.provider))
        });
        let mut info = ResponseInfo {
            provider,
            provider_marked: self.marked.is_some() || self.format.is_some_and(|f| f.marked),
            operation: None,
            model: self.model,
            id: self.id,
            finish_reasons: self.finish_reasons,
            usage,
            usage_invalid,
            completion: (!self.text.is_empty()).then_some(self.text),
            tool_calls: self.calls.into_iter().map(|c| c.call).collect(),
        };
        if let Some(done) = completed {
            info.model = info.model.or(done.model);
            info.id = info.id.or(done.id);
            if info.finish_reasons.is_empty() {
                info.finish_reasons = done.finish_reasons;
            }
            // The Responses API's usage comes only with its final event.
            info.usage = info.usage.or(done.usage);
            info.usage_invalid |= done.usage_invalid;
            info.completion = info.completion.or(done.completion);
            if info.tool_calls.is_empty() {
                info.tool_calls = done.tool_calls;
            }
        }
        info
    }

    /// A typed OpenAI chat chunk, read field by field by its reader: its
    /// id and model (kept from the first), then per choice
    /// [`StreamRead::openai_choice`], and its usage.
    pub(crate) fn openai_chunk(
        &mut self,
        id: Option<&str>,
        model: Option<&str>,
        usage: Option<TokenUsage>,
    ) {
        self.format = Some(&wire::openai_chat::FORMAT);
        if let Some(id) = id.filter(|_| self.id.is_none()) {
            self.id = Some(id.to_owned());
        }
        if let Some(model) = model.filter(|_| self.model.is_none()) {
            self.model = Some(model.to_owned());
        }
        if usage.is_some() {
            self.known_usage = usage;
        }
    }

    /// An Anthropic event that says nothing but its type (`ping`,
    /// `content_block_stop`, `message_stop`).
    pub(crate) fn anthropic_event(&mut self, kind: &str) {
        if wire::anthropic::is_event(kind) {
            self.format = Some(&wire::anthropic::FORMAT);
        }
    }

    /// Anthropic's `text_delta`.
    pub(crate) fn anthropic_text(&mut self, text: &str) {
        self.format = Some(&wire::anthropic::FORMAT);
        self.push_text(text);
    }

    /// The Responses API's `response.output_text.delta`.
    pub(crate) fn responses_text(&mut self, text: &str) {
        self.format = Some(&wire::openai_responses::FORMAT);
        self.push_text(text);
    }

    /// One choice of a typed OpenAI chat chunk: its text (the first choice
    /// only, as for a whole response) and finish reason.
    pub(crate) fn openai_choice(&mut self, index: u64, text: Option<&str>, finish: Option<&str>) {
        if let Some(reason) = finish {
            self.finish_reason(reason);
        }
        if let Some(text) = text.filter(|_| index == 0) {
            self.push_text(text);
        }
    }

    /// A tool call's delta of a typed chunk (see [`StreamRead::tool_call`]).
    #[cfg(feature = "async-openai")]
    pub(crate) fn openai_tool_call(
        &mut self,
        index: u32,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
    ) {
        self.tool_call(u64::from(index), id, name, arguments);
    }

    /// A typed chunk of `format`, read field by field by its reader.
    #[cfg(feature = "aws-bedrock")]
    pub(crate) fn typed(&mut self, format: &'static Format) {
        self.format = Some(format);
    }

    /// The usage a typed chunk gave (`None` and `true` when a count was
    /// impossible).
    #[cfg(feature = "aws-bedrock")]
    pub(crate) fn typed_usage(&mut self, (usage, invalid): (Option<TokenUsage>, bool)) {
        self.known_usage = usage;
        self.known_invalid = invalid;
    }

    /// The capture limit text is kept to.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// How many tool calls were read so far: the index of the next, for
    /// formats whose calls come whole and unnumbered.
    pub(crate) fn calls_read(&self) -> u64 {
        self.calls.len() as u64
    }

    /// A tool call that comes whole in one chunk (Gemini, Ollama): the next
    /// call, its arguments (any JSON value) written as text within the
    /// limit and the depth bound.
    pub(crate) fn whole_tool_call(
        &mut self,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&Value>,
    ) {
        let arguments =
            arguments.map(|a| super::response::TextLimit { limit: self.limit }.arguments(Some(a)));
        self.tool_call(self.calls_read(), id, name, arguments.as_deref());
    }

    /// The provider a chunk told by a marker only it sends.
    pub(crate) fn mark_provider(&mut self, provider: &'static str) {
        self.marked = Some(provider);
    }

    /// The whole response a final event carried.
    pub(crate) fn complete(&mut self, response: Option<ResponseInfo>) {
        self.completed = response;
    }

    /// The response's id and model, from the first chunk that has them.
    pub(crate) fn identity(&mut self, object: &Value, id: &str, model: &str) {
        self.identity_either(object, (id, id), (model, model));
    }

    /// As [`StreamRead::identity`], each field under either of two names.
    pub(crate) fn identity_either(
        &mut self,
        object: &Value,
        id: (&str, &str),
        model: (&str, &str),
    ) {
        let text = |(camel, snake)| {
            wire::either(object, camel, snake)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        if self.id.is_none() {
            self.id = text(id);
        }
        if self.model.is_none() {
            self.model = text(model);
        }
    }

    /// A finish reason, kept while fewer than [`MAX_FINISH_REASONS`] are.
    pub(crate) fn finish_reason(&mut self, reason: &str) {
        if self.finish_reasons.len() < MAX_FINISH_REASONS {
            self.finish_reasons.push(reason.to_owned());
        }
    }

    /// The usage so far, replacing any before it.
    pub(crate) fn set_usage(&mut self, usage: Map<String, Value>) {
        self.usage = Some(usage);
    }

    /// Usage sent in parts (Anthropic: input at the start, output, the
    /// running count, at the end): later values win.
    pub(crate) fn merge_usage(&mut self, usage: Option<&Value>) {
        let Some(usage) = usage.and_then(Value::as_object) else {
            return;
        };
        let merged = self.usage.get_or_insert_with(Map::new);
        for (key, value) in usage {
            if !value.is_null() {
                merged.insert(key.clone(), value.clone());
            }
        }
    }

    /// Appends `text` to the completion, up to one character past the limit.
    pub(crate) fn push_text(&mut self, text: &str) {
        push_capped(&mut self.text, text, self.limit);
    }

    /// A tool call's delta: the call at `index` is made on first sight; its
    /// id and name are set once, its arguments appended up to the limit.
    pub(crate) fn tool_call(
        &mut self,
        index: u64,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
    ) {
        let position = match self.calls.iter().position(|c| c.index == index) {
            Some(position) => position,
            None if self.calls.len() < MAX_TOOL_CALLS => {
                self.calls.push(PartialToolCall {
                    index,
                    ..PartialToolCall::default()
                });
                self.calls.len() - 1
            }
            None => return,
        };
        let call = &mut self.calls[position].call;
        if let Some(id) = id.filter(|_| call.id.is_none()) {
            call.id = Some(id.to_owned());
        }
        if let Some(name) = name.filter(|_| call.name.is_empty()) {
            call.name = name.to_owned();
        }
        if let Some(arguments) = arguments {
            push_capped(&mut call.arguments, arguments, self.limit);
        }
    }
}

/// Appends `text` to `buffer` while the buffer holds no more than `limit`
/// bytes: it ends at most one character past the limit, so that cutting it
/// at the limit later marks the cut.
fn push_capped(buffer: &mut String, text: &str, limit: usize) {
    if buffer.len() > limit {
        return;
    }
    // Room up to the limit, plus the character that crosses it.
    let room = limit - buffer.len();
    let end = floor_char_boundary(text, room);
    let end = text[end..]
        .chars()
        .next()
        .map_or(end, |c| (end + c.len_utf8()).min(text.len()));
    buffer.push_str(&text[..end]);
}

/// The error of an `error` object: its `type` (or `code`) and `message`.
fn chunk_error(error: &Value) -> ChunkError {
    let kind = wire::str_at(error, "type")
        .or_else(|| wire::str_at(error, "code"))
        .or_else(|| wire::str_at(error, "status"))
        .unwrap_or("stream_error");
    let message = wire::str_at(error, "message")
        .map(str::to_owned)
        .unwrap_or_else(|| error.to_string());
    ChunkError {
        kind: kind.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read_all(limit: usize, chunks: &[Value]) -> (ResponseInfo, Vec<ChunkError>) {
        let mut read = StreamRead::new(limit);
        let errors = chunks.iter().filter_map(|c| read.read(c)).collect();
        (read.finish(), errors)
    }

    fn openai_chunk(delta: Value, finish: Value) -> Value {
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": null})
    }

    #[test]
    fn openai_chat_chunks_with_usage() {
        let chunks = [
            openai_chunk(json!({"role": "assistant", "content": ""}), Value::Null),
            openai_chunk(json!({"content": "Hel"}), Value::Null),
            openai_chunk(json!({"content": "lo"}), Value::Null),
            openai_chunk(json!({}), json!("stop")),
            json!({"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [],
                   "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14,
                             "prompt_tokens_details": {"cached_tokens": 4}}}),
        ];
        let mut read = StreamRead::new(100);
        for chunk in &chunks {
            assert_eq!(read.read(chunk), None);
        }
        assert!(read.is_openai_chat());
        assert!(read.has_usage());
        let info = read.finish();
        assert_eq!(info.provider, Some("openai"));
        assert_eq!(info.model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(info.id.as_deref(), Some("chatcmpl-1"));
        assert_eq!(info.completion.as_deref(), Some("Hello"));
        assert_eq!(info.finish_reasons, ["stop"]);
        assert_eq!(info.usage, Some(TokenUsage::new(12, 2).with_cache_read(4)));
    }

    /// Without `stream_options.include_usage` no usage arrives: absent,
    /// never zero.
    #[test]
    fn usage_that_never_arrived_is_absent() {
        let mut read = StreamRead::new(100);
        read.read(&openai_chunk(json!({"content": "Hi"}), json!("stop")));
        assert!(!read.has_usage());
        let info = read.finish();
        assert_eq!(info.usage, None);
        assert!(!info.usage_invalid);
    }

    #[test]
    fn openai_tool_call_deltas_are_assembled() {
        let call = |i: u64, v: Value| {
            openai_chunk(
                json!({"tool_calls": [
            {"index": i, "function": v}]}),
                Value::Null,
            )
        };
        let chunks = [
            openai_chunk(
                json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                "function": {"name": "get_weather", "arguments": ""}}]}),
                Value::Null,
            ),
            call(0, json!({"arguments": "{\"city\":"})),
            openai_chunk(
                json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                "function": {"name": "get_time", "arguments": "{}"}}]}),
                Value::Null,
            ),
            call(0, json!({"arguments": "\"Paris\"}"})),
            openai_chunk(json!({}), json!("tool_calls")),
        ];
        let (info, errors) = read_all(100, &chunks);
        assert!(errors.is_empty());
        assert_eq!(info.completion, None);
        assert_eq!(info.finish_reasons, ["tool_calls"]);
        assert_eq!(
            info.tool_calls,
            [
                ToolCallRequest {
                    id: Some("call_a".into()),
                    name: "get_weather".into(),
                    arguments: "{\"city\":\"Paris\"}".into(),
                },
                ToolCallRequest {
                    id: Some("call_b".into()),
                    name: "get_time".into(),
                    arguments: "{}".into(),
                },
            ]
        );
    }

    #[test]
    fn anthropic_events() {
        let chunks = [
            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
                "role": "assistant", "model": "claude-sonnet-4", "content": [],
                "usage": {"input_tokens": 20, "cache_read_input_tokens": 5, "output_tokens": 1}}}),
            json!({"type": "content_block_start", "index": 0,
                   "content_block": {"type": "text", "text": ""}}),
            json!({"type": "ping"}),
            json!({"type": "content_block_delta", "index": 0,
                   "delta": {"type": "text_delta", "text": "Let me "}}),
            json!({"type": "content_block_delta", "index": 0,
                   "delta": {"type": "text_delta", "text": "check."}}),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "content_block_start", "index": 1, "content_block":
                   {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}}),
            json!({"type": "content_block_delta", "index": 1,
                   "delta": {"type": "input_json_delta", "partial_json": "{\"q\": "}}),
            json!({"type": "content_block_delta", "index": 1,
                   "delta": {"type": "input_json_delta", "partial_json": "1}"}}),
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"},
                   "usage": {"output_tokens": 31}}),
            json!({"type": "message_stop"}),
        ];
        let (info, errors) = read_all(100, &chunks);
        assert!(errors.is_empty());
        assert_eq!(info.provider, Some("anthropic"));
        assert_eq!(info.model.as_deref(), Some("claude-sonnet-4"));
        assert_eq!(info.id.as_deref(), Some("msg_1"));
        assert_eq!(info.completion.as_deref(), Some("Let me check."));
        assert_eq!(info.finish_reasons, ["tool_use"]);
        // Input includes the cache read; output is the final running count.
        assert_eq!(info.usage, Some(TokenUsage::new(25, 31).with_cache_read(5)));
        assert_eq!(info.tool_calls.len(), 1);
        assert_eq!(info.tool_calls[0].id.as_deref(), Some("toolu_1"));
        assert_eq!(info.tool_calls[0].name, "lookup");
        assert_eq!(info.tool_calls[0].arguments, "{\"q\": 1}");
    }

    #[test]
    fn an_error_inside_the_stream_is_returned() {
        let mut read = StreamRead::new(100);
        read.read(
            &json!({"type": "message_start", "message": {"model": "claude-3-5-haiku",
            "usage": {"input_tokens": 3}}}),
        );
        let error = read.read(&json!({"type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"}}));
        assert_eq!(
            error,
            Some(ChunkError {
                kind: "overloaded_error".into(),
                message: "Overloaded".into()
            })
        );
        // OpenAI's shape: a code, no type.
        let error = read.read(&json!({"error": {"code": "server_error", "message": "boom"}}));
        assert_eq!(error.map(|e| e.kind).as_deref(), Some("server_error"));
        // What arrived before stays.
        assert_eq!(read.finish().usage.map(|u| u.input_tokens), Some(3));
    }

    #[test]
    fn gemini_chunks_in_both_casings() {
        let camel = [
            json!({"candidates": [{"content": {"parts": [{"text": "Bon"}], "role": "model"}}],
                   "usageMetadata": {"promptTokenCount": 9}, "modelVersion": "gemini-2.5-flash",
                   "responseId": "r-1"}),
            json!({"candidates": [{"content": {"parts": [{"text": "jour"},
                     {"functionCall": {"name": "f", "args": {"x": 1}}}]}, "finishReason": "STOP"}],
                   "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 4,
                                     "thoughtsTokenCount": 2}}),
        ];
        let snake = [
            json!({"candidates": [{"content": {"parts": [{"text": "Bon"}]}}],
                   "usage_metadata": {"prompt_token_count": 9}, "model_version": "gemini-2.5-flash",
                   "response_id": "r-1"}),
            json!({"candidates": [{"content": {"parts": [{"text": "jour"},
                     {"function_call": {"name": "f", "args": {"x": 1}}}]}, "finish_reason": "STOP"}],
                   "usage_metadata": {"prompt_token_count": 9, "candidates_token_count": 4,
                                      "thoughts_token_count": 2}}),
        ];
        for chunks in [camel, snake] {
            let (info, _) = read_all(100, &chunks);
            assert_eq!(info.provider, Some("gcp.gemini"));
            assert_eq!(info.model.as_deref(), Some("gemini-2.5-flash"));
            assert_eq!(info.id.as_deref(), Some("r-1"));
            assert_eq!(info.completion.as_deref(), Some("Bonjour"));
            assert_eq!(info.finish_reasons, ["STOP"]);
            let mut usage = TokenUsage::new(9, 6);
            usage.reasoning_output_tokens = 2;
            assert_eq!(info.usage, Some(usage));
            assert_eq!(info.tool_calls[0].name, "f");
            assert_eq!(info.tool_calls[0].arguments, "{\"x\":1}");
        }
    }

    #[test]
    fn openai_responses_events() {
        let chunks = [
            json!({"type": "response.created", "response": {"id": "resp_1", "model": "gpt-4.1",
                   "object": "response", "status": "in_progress", "output": []}}),
            json!({"type": "response.output_text.delta", "output_index": 0, "delta": "Hi "}),
            json!({"type": "response.output_text.delta", "output_index": 0, "delta": "there"}),
            json!({"type": "response.output_item.added", "output_index": 1,
                   "item": {"type": "function_call", "call_id": "call_9", "name": "f"}}),
            json!({"type": "response.function_call_arguments.delta", "output_index": 1,
                   "delta": "{}"}),
            json!({"type": "response.completed", "response": {"id": "resp_1", "object": "response",
                   "model": "gpt-4.1-2025", "status": "completed", "output": [],
                   "usage": {"input_tokens": 7, "output_tokens": 3}}}),
        ];
        let (info, _) = read_all(100, &chunks);
        assert_eq!(info.model.as_deref(), Some("gpt-4.1"));
        assert_eq!(info.id.as_deref(), Some("resp_1"));
        assert_eq!(info.completion.as_deref(), Some("Hi there"));
        assert_eq!(info.finish_reasons, ["completed"]);
        assert_eq!(info.usage, Some(TokenUsage::new(7, 3)));
        assert!(!info.usage_invalid);
        assert_eq!(info.tool_calls[0].id.as_deref(), Some("call_9"));
        assert_eq!(info.tool_calls[0].arguments, "{}");
        // Impossible counts in the final response spoil its usage.
        let (info, _) = read_all(
            100,
            &[
                json!({"type": "response.completed", "response": {"object": "response",
                "status": "completed", "output": [], "usage": {"input_tokens": -7}}}),
            ],
        );
        assert_eq!(info.usage, None);
        assert!(info.usage_invalid);
    }

    /// Text and arguments stop one character past the limit, on a
    /// character boundary; tool calls and finish reasons stop at their
    /// bounds.
    #[test]
    fn nothing_grows_without_bound() {
        let mut read = StreamRead::new(10);
        for _ in 0..1000 {
            read.read(&openai_chunk(json!({"content": "ééé"}), json!("length")));
        }
        for i in 0..1000 {
            read.read(&openai_chunk(
                json!({"tool_calls": [{"index": i, "function": {"name": "f", "arguments": "ab"}}]}),
                Value::Null,
            ));
            read.read(&openai_chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": "cd"}}]}),
                Value::Null,
            ));
        }
        let info = read.finish();
        // 10 bytes is five é; the sixth crosses the limit and is kept.
        assert_eq!(info.completion.as_deref(), Some("éééééé"));
        assert_eq!(info.finish_reasons.len(), MAX_FINISH_REASONS);
        assert_eq!(info.tool_calls.len(), MAX_TOOL_CALLS);
        assert_eq!(info.tool_calls[0].arguments, "abcdcdcdcdc");
        assert_eq!(info.tool_calls[1].arguments, "ab");
    }

    /// Gemini's last chunk may carry usage alone, in either casing.
    #[test]
    fn a_gemini_chunk_with_usage_alone() {
        for usage in [
            json!({"usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2}}),
            json!({"usage_metadata": {"prompt_token_count": 3, "candidates_token_count": 2}}),
        ] {
            let mut read = StreamRead::new(100);
            read.read(&usage);
            assert!(read.has_usage());
            assert!(!read.is_openai_chat());
            let info = read.finish();
            assert_eq!(info.provider, Some("gcp.gemini"));
            assert_eq!(info.usage, Some(TokenUsage::new(3, 2)));
        }
    }

    /// Only OpenAI's chat chunks are OpenAI chat: the one format whose
    /// usage must be asked for.
    #[test]
    fn only_openai_chat_chunks_are_openai_chat() {
        let mut read = StreamRead::new(100);
        assert!(!read.is_openai_chat());
        read.read(&json!({"type": "message_start", "message": {"model": "claude"}}));
        assert!(!read.is_openai_chat());
        read.read(&json!({"type": "response.output_text.delta", "delta": "x"}));
        assert!(!read.is_openai_chat());
        read.read(&openai_chunk(json!({"content": "x"}), Value::Null));
        assert!(read.is_openai_chat());
    }

    /// A typed chunk's usage, read field by field, is the stream's usage
    /// and wins over any usage object read as JSON.
    #[test]
    fn typed_usage_is_the_streams() {
        let mut read = StreamRead::new(100);
        assert!(!read.has_usage());
        read.read(&json!({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}));
        read.openai_chunk(Some("c1"), Some("gpt-4o"), Some(TokenUsage::new(40, 9)));
        read.openai_chunk(Some("c2"), Some("gpt-4o-mini"), None);
        assert!(read.has_usage());
        let info = read.finish();
        assert_eq!(info.usage, Some(TokenUsage::new(40, 9)));
        assert_eq!(info.id.as_deref(), Some("c1"));
        assert_eq!(info.model.as_deref(), Some("gpt-4o"));
        // Usage known only from a typed chunk.
        let mut read = StreamRead::new(100);
        read.openai_chunk(None, None, Some(TokenUsage::new(2, 1)));
        assert!(read.has_usage());
    }

    /// Impossible counts in the final usage spoil it, as for a whole
    /// response.
    #[test]
    fn impossible_usage_is_invalid() {
        let (info, _) = read_all(
            100,
            &[json!({"choices": [], "usage": {"prompt_tokens": -1, "completion_tokens": 2}})],
        );
        assert_eq!(info.usage, None);
        assert!(info.usage_invalid);
    }

    #[test]
    fn chunks_that_are_no_chunks_are_ignored() {
        let (info, errors) = read_all(
            100,
            &[
                json!(null),
                json!(true),
                json!([1, 2]),
                json!({"Ok": {"x": 1}}),
                json!({}),
            ],
        );
        assert!(errors.is_empty());
        assert_eq!(info, ResponseInfo::default());
    }

    /// A stream of text pieces (`impl Stream<Item = String>`) is the
    /// completion.
    #[test]
    fn text_chunks_are_the_completion() {
        let (info, _) = read_all(100, &[json!("Hel"), json!({"Ok": "lo"})]);
        assert_eq!(info.completion.as_deref(), Some("Hello"));
        assert_eq!(info.provider, None);
    }
}
