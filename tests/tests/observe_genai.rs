//! An observed model call reads as one, in the GenAI conventions' terms and
//! in the keys the Python SDK writes for the Last9 LLM dashboard: operation
//! name by kind, request model and provider at span start (where samplers
//! read them), the prompt from the messages, input and output messages as
//! JSON, tool calls and tool spans, and a panic's message.

#![allow(clippy::await_holding_lock)]

use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use async_openai::types::chat::CreateChatCompletionRequest;
use last9_genai::{Last9SpanProcessor, observe};
use opentelemetry::trace::{Link, SpanKind, TraceId, TraceState};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, SamplingDecision, SamplingResult, SdkTracerProvider, ShouldSample,
    SimpleSpanProcessor, SpanData,
};
use serde::Serialize;
use serde_json::{Value as Json, json};

/// Records the attributes each span had when the sampler saw it.
type Sampled = Vec<(String, Vec<KeyValue>)>;

#[derive(Debug, Clone, Default)]
struct Seen(Arc<Mutex<Sampled>>);

impl ShouldSample for Seen {
    fn should_sample(
        &self,
        _: Option<&Context>,
        _: TraceId,
        name: &str,
        _: &SpanKind,
        attributes: &[KeyValue],
        _: &[Link],
    ) -> SamplingResult {
        self.0
            .lock()
            .unwrap()
            .push((name.to_owned(), attributes.to_vec()));
        SamplingResult {
            decision: SamplingDecision::RecordAndSample,
            attributes: Vec::new(),
            trace_state: TraceState::default(),
        }
    }
}

struct Harness {
    exporter: InMemorySpanExporter,
    seen: Seen,
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    let exporter = InMemorySpanExporter::default();
    let seen = Seen::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(seen.clone())
        .with_span_processor(
            // Both layouts: each test sees the conventions' and the Python SDK's.
            Last9SpanProcessor::builder()
                .content_layout(last9_genai::ContentLayout::Both)
                .wrap(SimpleSpanProcessor::new(exporter.clone())),
        )
        .build();
    last9_genai::set_tracer_provider(provider);
    Harness { exporter, seen }
});

fn harness() -> (MutexGuard<'static, ()>, &'static Harness) {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    HARNESS.exporter.reset();
    HARNESS.seen.0.lock().unwrap().clear();
    (guard, &HARNESS)
}

impl Harness {
    fn span(&self, name: &str) -> SpanData {
        let spans = self.exporter.get_finished_spans().unwrap();
        let found: Vec<_> = spans.into_iter().filter(|s| s.name == name).collect();
        assert_eq!(found.len(), 1, "spans named {name}");
        found.into_iter().next().unwrap()
    }

    /// What the sampler saw of `name`, as key → text.
    fn seen(&self, name: &str) -> Vec<(String, String)> {
        let seen = self.seen.0.lock().unwrap();
        let (_, attributes) = seen.iter().find(|(n, _)| n == name).expect("sampled");
        attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect()
    }
}

/// The value of `key`, which must appear once.
fn attr(span: &SpanData, key: &str) -> Option<Value> {
    let found: Vec<_> = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() == key)
        .collect();
    assert!(found.len() <= 1, "{key} appears {} times", found.len());
    found.first().map(|kv| kv.value.clone())
}

fn text(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.to_string())
}

fn json_attr(span: &SpanData, key: &str) -> Json {
    let text = text(span, key).unwrap_or_else(|| panic!("no {key}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {text}"))
}

fn event<'a>(span: &'a SpanData, name: &str) -> Vec<(&'a str, String)> {
    let found: Vec<_> = span.events.iter().filter(|e| e.name == name).collect();
    assert_eq!(found.len(), 1, "events named {name}");
    found[0]
        .attributes
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.to_string()))
        .collect()
}

fn event_value(span: &SpanData, name: &str, key: &str) -> Option<String> {
    event(span, name)
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

#[derive(Serialize)]
struct Message {
    role: &'static str,
    content: &'static str,
}

fn chat_response(content: Json, tool_calls: Option<Json>, finish: &str) -> Json {
    let mut message = json!({"role": "assistant", "content": content});
    if let Some(calls) = tool_calls {
        message["tool_calls"] = calls;
    }
    json!({"id": "chatcmpl-9", "model": "gpt-4o-2024-08-06",
           "choices": [{"index": 0, "message": message, "finish_reason": finish}],
           "usage": {"prompt_tokens": 20, "completion_tokens": 5}})
}

#[observe]
fn chat(model: &str, messages: Vec<Message>) -> Json {
    let _ = (model, messages);
    chat_response(json!("Paris."), None, "stop")
}

fn ask_paris() {
    chat(
        "gpt-4o",
        vec![
            Message {
                role: "system",
                content: "Answer in one word.",
            },
            Message {
                role: "user",
                content: "Capital of France?",
            },
        ],
    );
}

#[observe]
fn ask(model: &str, question: &str) -> String {
    format!("{model}: {question}")
}

#[test]
fn a_model_argument_is_never_the_prompt() {
    let (_turn, h) = harness();
    ask("gpt-4o", "Capital of France?");
    let span = h.span("ask");
    assert_eq!(
        event_value(&span, "gen_ai.content.prompt", "gen_ai.prompt").as_deref(),
        Some("Capital of France?")
    );
    assert_eq!(
        text(&span, "gen_ai.request.model").as_deref(),
        Some("gpt-4o")
    );
}

#[observe]
fn ask_for(question: &str, user_id: u64, model: &str) -> Json {
    let _ = (question, user_id, model);
    chat_response(json!("Paris."), None, "stop")
}

/// Regression: a model call's prompt became its user message and every
/// argument's `function.arg.*` was dropped, those the prompt does not say
/// too. Only the question is the message; the user id stays an argument,
/// and the model is the request's model.
#[test]
fn arguments_the_prompt_does_not_say_stay_arguments() {
    let (_turn, h) = harness();
    ask_for("Capital of France?", 42, "gpt-4o");
    let span = h.span("ask_for");
    assert_eq!(
        json_attr(&span, "gen_ai.input.messages"),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Capital of France?"}]}])
    );
    assert_eq!(attr(&span, "function.arg.question"), None);
    assert_eq!(attr(&span, "function.arg.user_id"), Some(Value::I64(42)));
    assert_eq!(attr(&span, "function.arg.model"), None);
    assert_eq!(
        text(&span, "gen_ai.request.model").as_deref(),
        Some("gpt-4o")
    );
}

/// Regression: a request object was written as messages alone, its
/// parameters lost with its `function.arg.*`. They are the conventions'
/// `gen_ai.request.*`, at the top or where a format keeps them.
#[test]
fn a_request_objects_parameters_are_request_attributes() {
    let (_turn, h) = harness();
    #[observe]
    fn send(request: Json) -> Json {
        let _ = request;
        chat_response(json!("ok"), None, "stop")
    }
    send(
        json!({"model": "gpt-4o", "temperature": 0.2, "max_completion_tokens": 300,
        "top_p": 0.9, "presence_penalty": "high",
        "messages": [{"role": "user", "content": "hi"}]}),
    );
    let span = h.span("send");
    assert_eq!(
        attr(&span, "gen_ai.request.temperature"),
        Some(Value::F64(0.2))
    );
    assert_eq!(
        attr(&span, "gen_ai.request.max_tokens"),
        Some(Value::I64(300))
    );
    assert_eq!(attr(&span, "gen_ai.request.top_p"), Some(Value::F64(0.9)));
    // Not a number: left out.
    assert_eq!(attr(&span, "gen_ai.request.presence_penalty"), None);
    assert_eq!(attr(&span, "function.arg.request"), None);
    h.exporter.reset();
    send(
        json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"temperature": 1.5, "maxOutputTokens": 64, "topP": null}}),
    );
    let span = h.span("send");
    assert_eq!(
        attr(&span, "gen_ai.request.temperature"),
        Some(Value::F64(1.5))
    );
    assert_eq!(
        attr(&span, "gen_ai.request.max_tokens"),
        Some(Value::I64(64))
    );
    assert_eq!(attr(&span, "gen_ai.request.top_p"), None);
}

/// Regression: the model's name was taken as the prompt, and
/// `gen_ai.request.model` was never written.
#[test]
fn the_model_argument_names_the_model_and_the_messages_make_the_prompt() {
    let (_turn, h) = harness();
    ask_paris();
    let span = h.span("chat");
    assert_eq!(
        text(&span, "gen_ai.request.model").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(
        event_value(&span, "gen_ai.content.prompt", "gen_ai.prompt").as_deref(),
        Some("system: Answer in one word.\nuser: Capital of France?")
    );
    assert_eq!(
        text(&span, "gen_ai.response.model").as_deref(),
        Some("gpt-4o-2024-08-06")
    );
}

#[test]
fn the_sampler_sees_operation_model_and_provider_at_span_start() {
    let (_turn, h) = harness();
    ask_paris();
    let seen = h.seen("chat");
    for (key, value) in [
        ("gen_ai.l9.span.kind", "llm"),
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.request.model", "gpt-4o"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.system", "openai"),
    ] {
        assert!(
            seen.contains(&(key.to_owned(), value.to_owned())),
            "{key}={value} not in {seen:?}"
        );
    }
    // Written once, though the response names the provider too.
    let span = h.span("chat");
    assert_eq!(
        text(&span, "gen_ai.provider.name").as_deref(),
        Some("openai")
    );
}

#[test]
fn input_messages_as_the_conventions_and_the_python_sdk_write_them() {
    let (_turn, h) = harness();
    ask_paris();
    let span = h.span("chat");
    assert_eq!(
        json_attr(&span, "gen_ai.input.messages"),
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "Answer in one word."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Capital of France?"}]}
        ])
    );
    // The Python SDK's prompt text, once, on its event: the messages as
    // `role: text` lines.
    assert_eq!(
        event(&span, "gen_ai.content.prompt"),
        [(
            "gen_ai.prompt",
            "system: Answer in one word.\nuser: Capital of France?".to_owned()
        )]
    );
    // Regression (issue 30): the prompt went out six times; the argument
    // read as messages is no `function.arg.messages`, and no JSON array or
    // indexed copy sits beside the conventions' messages.
    for key in [
        "function.arg.messages",
        "gen_ai.prompt",
        "gen_ai.prompt.0.role",
    ] {
        assert_eq!(attr(&span, key), None, "{key}");
    }
}

#[test]
fn output_messages_as_the_conventions_and_the_python_sdk_write_them() {
    let (_turn, h) = harness();
    ask_paris();
    let span = h.span("chat");
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        json!([{"role": "assistant", "finish_reason": "stop",
                "parts": [{"type": "text", "content": "Paris."}]}])
    );
    assert_eq!(
        event(&span, "gen_ai.content.completion"),
        [("gen_ai.completion", "Paris.".to_owned())]
    );
    for key in ["gen_ai.completion", "gen_ai.completion.0.index"] {
        assert_eq!(attr(&span, key), None, "{key}");
    }
}

#[observe]
fn plan(question: &str) -> Json {
    let _ = question;
    chat_response(
        Json::Null,
        Some(json!([
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
            {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
        ])),
        "tool_calls",
    )
}

/// Regression: a turn that only asks for tools had the whole response, as
/// JSON, for its completion text.
#[test]
fn a_turn_that_asks_for_tools() {
    let (_turn, h) = harness();
    plan("weather and time in Paris?");
    let span = h.span("plan");
    // Its prompt was no list of messages: it is the user's message.
    assert_eq!(
        json_attr(&span, "gen_ai.input.messages"),
        json!([{"role": "user", "parts": [{"type": "text", "content": "weather and time in Paris?"}]}])
    );
    assert_eq!(
        event_value(&span, "gen_ai.content.completion", "gen_ai.completion").as_deref(),
        Some("")
    );
    assert_eq!(
        text(&span, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(attr(&span, "gen_ai.tool_calls.count"), Some(Value::I64(2)));
    let calls: Vec<_> = span
        .events
        .iter()
        .filter(|e| e.name == "gen_ai.tool.call")
        .collect();
    assert_eq!(calls.len(), 2);
    let second: Vec<(String, String)> = calls[1]
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect();
    for (key, value) in [
        ("tool_call.index", "1"),
        ("tool_call.id", "call_2"),
        ("tool_call.type", "function"),
        ("tool_call.function.name", "get_time"),
        ("tool_call.function.arguments", "{}"),
    ] {
        assert!(
            second.contains(&(key.to_owned(), value.to_owned())),
            "{key}={value} not in {second:?}"
        );
    }
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        json!([{"role": "assistant", "finish_reason": "tool_call", "parts": [
            {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}},
            {"type": "tool_call", "id": "call_2", "name": "get_time", "arguments": {}}]}])
    );
    // The event says each call once, in the Python SDK's keys alone.
    assert_eq!(second.len(), 5, "{second:?}");
}

#[observe(kind = "tool")]
fn get_weather(city: &str, days: u32, units: Option<&str>, call_id: &str) -> String {
    let _ = (days, units, call_id);
    format!("18C in {city}")
}

#[test]
fn a_tool_span_in_the_conventions_terms_and_the_python_sdks() {
    let (_turn, h) = harness();
    get_weather("Paris", 2, None, "call_7");
    let span = h.span("get_weather");
    assert_eq!(
        text(&span, "gen_ai.tool.call.id").as_deref(),
        Some("call_7")
    );
    assert_eq!(
        h.seen("get_weather")
            .into_iter()
            .filter(|(k, _)| k.starts_with("gen_ai."))
            .collect::<Vec<_>>(),
        [
            ("gen_ai.l9.span.kind".to_owned(), "tool".to_owned()),
            (
                "gen_ai.operation.name".to_owned(),
                "execute_tool".to_owned()
            ),
            ("gen_ai.tool.name".to_owned(), "get_weather".to_owned()),
        ]
    );
    let arguments = json!({"city": "Paris", "days": 2, "units": null, "call_id": "call_7"});
    assert_eq!(json_attr(&span, "gen_ai.tool.call.arguments"), arguments);
    assert_eq!(
        text(&span, "gen_ai.tool.call.result").as_deref(),
        Some("18C in Paris")
    );
    // The manual API's keys are not written beside them.
    assert_eq!(attr(&span, "gen_ai.function.call.arguments"), None);
    assert_eq!(attr(&span, "gen_ai.function.call.result"), None);
    assert_eq!(attr(&span, "gen_ai.request.model"), None);
}

/// Only a tool's arguments are a tool call's arguments: a function of any
/// other kind keeps its arguments under `function.arg.*` alone.
#[test]
fn only_a_tool_says_its_arguments_as_a_tool_calls() {
    let (_turn, h) = harness();
    agent("gpt-4o");
    let span = h.span("agent");
    assert_eq!(text(&span, "function.arg.model").as_deref(), Some("gpt-4o"));
    // A lone parameter named `model` is the prompt: no other is.
    assert_eq!(
        event_value(&span, "gen_ai.content.prompt", "gen_ai.prompt").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(attr(&span, "gen_ai.tool.call.arguments"), None);
    assert_eq!(attr(&span, "gen_ai.function.call.arguments"), None);
}

#[observe(kind = "agent")]
fn agent(model: &str) {
    let _ = model;
}
#[observe(kind = "chain")]
fn chain() {}
#[observe(kind = "embedding", model = "text-embedding-3-small")]
fn embed(text: &str) {
    let _ = text;
}
#[observe(kind = "retriever")]
fn retrieve() {}
#[observe(kind = "prompt")]
fn render() {}

#[test]
fn every_kind_says_what_it_is() {
    let (_turn, h) = harness();
    agent("gpt-4o");
    chain();
    embed("hello");
    retrieve();
    render();
    for (name, operation) in [
        ("agent", Some("invoke_agent")),
        ("chain", Some("invoke_workflow")),
        ("embed", Some("embeddings")),
        ("retrieve", Some("retrieval")),
        ("render", None),
    ] {
        let span = h.span(name);
        assert_eq!(
            text(&span, "gen_ai.operation.name").as_deref(),
            operation,
            "{name}"
        );
    }
    // Phoenix reads no kind from `invoke_workflow`: OpenInference's is given.
    assert_eq!(
        text(&h.span("chain"), "openinference.span.kind").as_deref(),
        Some("CHAIN")
    );
    assert_eq!(attr(&h.span("agent"), "openinference.span.kind"), None);
    // An agent's `model` argument is not a model call's.
    assert_eq!(attr(&h.span("agent"), "gen_ai.request.model"), None);
    let embed = h.span("embed");
    assert_eq!(
        text(&embed, "gen_ai.request.model").as_deref(),
        Some("text-embedding-3-small")
    );
    assert_eq!(
        text(&embed, "gen_ai.provider.name").as_deref(),
        Some("openai")
    );
}

#[observe(model = "llama3.1", provider = "ollama")]
fn local(prompt: &str) -> String {
    prompt.to_owned()
}

#[observe(provider = "azure.ai.openai")]
fn azure(model: String) -> String {
    model
}

#[test]
fn model_and_provider_given_to_the_macro() {
    let (_turn, h) = harness();
    local("hi");
    azure("my-deployment".to_owned());
    let span = h.span("local");
    assert_eq!(
        text(&span, "gen_ai.request.model").as_deref(),
        Some("llama3.1")
    );
    assert_eq!(
        text(&span, "gen_ai.provider.name").as_deref(),
        Some("ollama")
    );
    let span = h.span("azure");
    assert_eq!(
        text(&span, "gen_ai.request.model").as_deref(),
        Some("my-deployment")
    );
    assert_eq!(
        text(&span, "gen_ai.provider.name").as_deref(),
        Some("azure.ai.openai")
    );
}

#[observe]
fn complete(request: CreateChatCompletionRequest) -> usize {
    request.messages.len()
}

#[test]
fn a_known_request_type_names_its_model_at_span_start() {
    let (_turn, h) = harness();
    let request: CreateChatCompletionRequest = serde_json::from_value(json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "developer", "content": "be brief"},
                     {"role": "user", "content": "hi"}]
    }))
    .unwrap();
    assert_eq!(complete(request), 2);
    assert!(
        h.seen("complete")
            .contains(&("gen_ai.request.model".to_owned(), "gpt-4o-mini".to_owned()))
    );
    let span = h.span("complete");
    assert_eq!(
        json_attr(&span, "gen_ai.input.messages"),
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
            {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
        ])
    );
}

#[observe]
fn respond(request: async_openai::types::responses::CreateResponse) -> bool {
    request.model.is_some()
}

/// The Responses API's request names its model at span start too, where a
/// sampler sees it.
#[test]
fn a_responses_api_request_names_its_model_at_span_start() {
    let (_turn, h) = harness();
    let request = serde_json::from_value(json!({"model": "gpt-4.1", "input": "hi"})).unwrap();
    assert!(respond(request));
    assert!(
        h.seen("respond")
            .contains(&("gen_ai.request.model".to_owned(), "gpt-4.1".to_owned()))
    );
    assert_eq!(
        text(&h.span("respond"), "gen_ai.request.model").as_deref(),
        Some("gpt-4.1")
    );
}

#[derive(Serialize)]
struct AnthropicRequest {
    model: &'static str,
    system: &'static str,
    messages: Vec<Message>,
    max_tokens: u32,
}

#[observe]
fn ask_claude(request: &AnthropicRequest) -> u32 {
    request.max_tokens
}

#[test]
fn a_request_struct_gives_model_system_instructions_and_messages() {
    let (_turn, h) = harness();
    ask_claude(&AnthropicRequest {
        model: "claude-sonnet-4-5",
        system: "be brief",
        messages: vec![Message {
            role: "user",
            content: "hi",
        }],
        max_tokens: 100,
    });
    let span = h.span("ask_claude");
    assert_eq!(
        text(&span, "gen_ai.request.model").as_deref(),
        Some("claude-sonnet-4-5")
    );
    assert_eq!(
        text(&span, "gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    assert_eq!(
        json_attr(&span, "gen_ai.system_instructions"),
        json!([{"type": "text", "content": "be brief"}])
    );
    assert_eq!(
        json_attr(&span, "gen_ai.input.messages"),
        json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}])
    );
    assert_eq!(
        event_value(&span, "gen_ai.content.prompt", "gen_ai.prompt").as_deref(),
        Some("system: be brief\nuser: hi")
    );
}

#[observe(capture_limit = 600)]
fn long_chat(messages: Vec<String>) -> usize {
    messages.len()
}

/// Hostile input: a hundred long messages, cut so that every JSON attribute
/// stays valid and within the limit, the newest kept, cuts marked.
#[test]
fn long_conversations_are_cut_into_valid_json_within_the_limit() {
    let (_turn, h) = harness();
    let messages: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"role":"user","content":"{i}:{}"}}"#, "ü".repeat(300)))
        .collect();
    let messages: Vec<Json> = messages
        .iter()
        .map(|m| serde_json::from_str(m).unwrap())
        .collect();
    long_chat(
        messages
            .into_iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>(),
    );
    // A list of strings is no list of messages: no message attributes.
    let span = h.span("long_chat");
    assert_eq!(attr(&span, "gen_ai.input.messages"), None);
    h.exporter.reset();

    #[observe(capture_limit = 600)]
    fn long_messages(messages: Json) -> usize {
        messages.as_array().map_or(0, Vec::len)
    }
    let messages: Json = (0..100)
        .map(|i| json!({"role": "user", "content": format!("{i}:{}", "ü".repeat(300))}))
        .collect();
    assert_eq!(long_messages(messages), 100);
    let span = h.span("long_messages");
    // The Python SDK's prompt text is cut at the limit too.
    let prompt = event_value(&span, "gen_ai.content.prompt", "gen_ai.prompt").unwrap();
    assert!(prompt.len() <= 600 + last9_genai::TRUNCATION_MARKER.len());
    let key = "gen_ai.input.messages";
    {
        let raw = text(&span, key).unwrap();
        assert!(raw.len() <= 600, "{key} is {} bytes", raw.len());
        let parsed = json_attr(&span, key);
        let kept = parsed.as_array().unwrap();
        assert!(
            !kept.is_empty() && kept.len() < 100,
            "{key}: {}",
            kept.len()
        );
        let last = kept.last().unwrap().to_string();
        assert!(
            last.contains("99:ü"),
            "{key}: the newest message is kept: {last}"
        );
        assert!(
            last.contains(last9_genai::TRUNCATION_MARKER),
            "{key}: marked"
        );
    }
}

#[observe]
fn leaky(messages: Json) -> usize {
    messages.as_array().map_or(0, Vec::len)
}

#[test]
fn secrets_inside_messages_are_redacted_everywhere() {
    let (_turn, h) = harness();
    let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    leaky(json!([{"role": "user", "content": format!("my key is {key}")}]));
    let span = h.span("leaky");
    for kv in &span.attributes {
        assert!(!kv.value.to_string().contains(key), "{} leaks", kv.key);
    }
    for event in span.events.iter() {
        for kv in &event.attributes {
            assert!(!kv.value.to_string().contains(key), "{} leaks", kv.key);
        }
    }
    assert!(
        text(&span, "gen_ai.input.messages")
            .unwrap()
            .contains("[REDACTED]")
    );
}

#[observe]
fn panics_with_str() -> u32 {
    panic!("model quota exhausted")
}

#[observe]
fn panics_with_string(n: u32) -> u32 {
    panic!("bad input {n}")
}

#[observe]
async fn panics_async() -> u32 {
    tokio::task::yield_now().await;
    panic!("async {}", "boom")
}

fn exception_message(span: &SpanData) -> Option<String> {
    event_value(span, "exception", "exception.message")
}

/// Regression: a panic recorded only "the function panicked".
#[tokio::test]
async fn a_panic_records_its_message() {
    let (_turn, h) = harness();
    assert!(std::panic::catch_unwind(panics_with_str).is_err());
    assert!(std::panic::catch_unwind(|| panics_with_string(7)).is_err());
    let joined = tokio::spawn(panics_async()).await;
    assert!(joined.unwrap_err().is_panic());
    for (name, message) in [
        ("panics_with_str", "model quota exhausted"),
        ("panics_with_string", "bad input 7"),
        ("panics_async", "async boom"),
    ] {
        let span = h.span(name);
        assert_eq!(exception_message(&span).as_deref(), Some(message), "{name}");
        assert!(
            matches!(&span.status, opentelemetry::trace::Status::Error { description } if description == message),
            "{name}: {:?}",
            span.status
        );
    }
}

#[observe(metadata = { "tier": "pro", "limits": { "rpm": 60, "models": ["gpt-4o", "o3"] }, "beta": true, "ratio": 0.5 })]
fn with_metadata() {}

/// Metadata values may be nested objects and arrays, written as JSON text;
/// numbers and booleans as their literal text.
#[test]
fn nested_metadata_is_written_as_json() {
    let (_turn, h) = harness();
    with_metadata();
    let span = h.span("with_metadata");
    assert_eq!(text(&span, "metadata.tier").as_deref(), Some("pro"));
    assert_eq!(
        json_attr(&span, "metadata.limits"),
        json!({"rpm": 60, "models": ["gpt-4o", "o3"]})
    );
    assert_eq!(attr(&span, "metadata.beta"), Some(Value::from("true")));
    assert_eq!(attr(&span, "metadata.ratio"), Some(Value::from("0.5")));
}

#[observe]
fn tuned(
    prompt: &str,
    temperature: f32,
    max_tokens: u32,
    top_p: Option<f64>,
    presence_penalty: f64,
    frequency_penalty: f32,
) -> String {
    let _ = (
        temperature,
        max_tokens,
        top_p,
        presence_penalty,
        frequency_penalty,
    );
    prompt.to_owned()
}

/// Parameters named like the conventions' request parameters are written
/// as `gen_ai.request.*`, as the Python SDK reads them from keyword
/// arguments: `max_tokens` an int, the others floats; a number that is none
/// (NaN, `None`) is left out.
#[test]
fn request_parameters_from_parameters_of_their_name() {
    let (_turn, h) = harness();
    tuned("hi", 0.5, 100, Some(0.9), f64::NAN, 0.25);
    let span = h.span("tuned");
    assert_eq!(
        attr(&span, "gen_ai.request.temperature"),
        Some(Value::F64(0.5))
    );
    assert_eq!(
        attr(&span, "gen_ai.request.max_tokens"),
        Some(Value::I64(100))
    );
    assert_eq!(attr(&span, "gen_ai.request.top_p"), Some(Value::F64(0.9)));
    assert_eq!(attr(&span, "gen_ai.request.presence_penalty"), None);
    assert_eq!(
        attr(&span, "gen_ai.request.frequency_penalty"),
        Some(Value::F64(0.25))
    );
    h.exporter.reset();
    tuned("hi", 0.5, 100, None, 0.0, f32::INFINITY);
    let span = h.span("tuned");
    assert_eq!(attr(&span, "gen_ai.request.top_p"), None);
    assert_eq!(
        attr(&span, "gen_ai.request.presence_penalty"),
        Some(Value::F64(0.0))
    );
    assert_eq!(attr(&span, "gen_ai.request.frequency_penalty"), None);
}

#[observe]
fn huge_chat(messages: &[Json]) -> usize {
    messages.len()
}

/// Hostile input: ten thousand messages of 2 KiB each, the fourth nested a
/// thousand levels deep. The call is returned unchanged, every message
/// attribute is valid JSON within the limit, and the read stops where the
/// walk must (at the depth bound here; at its budget of 10 000 values or
/// 1 MiB of text otherwise) instead of reading 20 MB: the messages read
/// whole are written, the one cut short left out.
#[test]
fn ten_thousand_messages_stay_within_the_limit() {
    let (_turn, h) = harness();
    let mut deep = json!("bottom");
    for _ in 0..1000 {
        deep = json!([deep]);
    }
    let mut messages: Vec<Json> = (0..10_000)
        .map(|i| json!({"role": "user", "content": format!("{i}:{}", "x".repeat(2048))}))
        .collect();
    messages[3] = json!({"role": "user", "content": deep});
    assert_eq!(huge_chat(&messages), 10_000);
    let span = h.span("huge_chat");
    let key = "gen_ai.input.messages";
    {
        let raw = text(&span, key).unwrap();
        assert!(raw.len() <= 4096, "{key} is {} bytes", raw.len());
        // The walk stops inside the fourth message: the three before it are
        // whole, and the fourth is kept with what was read of it (its role,
        // when the map writes it first) or left out (when it does not).
        // (The limit keeps the newest that fit, the third among them.)
        let kept = json_attr(&span, key).to_string();
        assert!(kept.contains("2:x"), "{key}: {kept}");
        assert!(!kept.contains("4:x"), "{key}: read past the stop");
    }
    // Without the deep one, the walk stops at its budget: still messages.
    h.exporter.reset();
    messages[3] = json!({"role": "user", "content": "short"});
    assert_eq!(huge_chat(&messages), 10_000);
    let span = h.span("huge_chat");
    let kept = json_attr(&span, "gen_ai.input.messages");
    assert!(!kept.as_array().unwrap().is_empty());
    assert!(text(&span, "gen_ai.input.messages").unwrap().len() <= 4096);
}
