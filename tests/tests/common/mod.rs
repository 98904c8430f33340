//! A tracer provider whose spans go through `Last9SpanProcessor` into memory.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use last9_genai::{Last9SpanProcessor, ModelPricing, PricingTable};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Key, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, SdkTracer, SdkTracerProvider, SimpleSpanProcessor, Span, SpanData,
    SpanProcessor,
};

/// gpt-4o at 2.50 / 10.0 and claude-sonnet-4-5 at 3.0 / 15.0 USD per million tokens.
pub fn pricing() -> PricingTable {
    PricingTable::new([
        ("gpt-4o", ModelPricing::new(2.50, 10.0)),
        ("claude-sonnet-4-5", ModelPricing::new(3.0, 15.0)),
    ])
    .unwrap()
}

/// Shares one `Last9SpanProcessor` between the provider and the test, so
/// that the test can look at its bookkeeping.
#[derive(Debug, Clone)]
pub struct Shared(pub Arc<Last9SpanProcessor<SimpleSpanProcessor<InMemorySpanExporter>>>);

impl SpanProcessor for Shared {
    fn on_start(&self, span: &mut Span, cx: &opentelemetry::Context) {
        self.0.on_start(span, cx)
    }
    fn on_end(&self, span: SpanData) {
        self.0.on_end(span)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: std::time::Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
}

pub struct Harness {
    pub provider: SdkTracerProvider,
    pub tracer: SdkTracer,
    pub exporter: InMemorySpanExporter,
    pub processor: Shared,
}

impl Harness {
    pub fn new() -> Self {
        Self::with_pricing(Some(pricing()))
    }

    pub fn with_pricing(pricing: Option<PricingTable>) -> Self {
        let exporter = InMemorySpanExporter::default();
        let mut builder = Last9SpanProcessor::builder();
        if let Some(pricing) = pricing {
            builder = builder.pricing(pricing);
        }
        let processor = Shared(Arc::new(
            builder.wrap(SimpleSpanProcessor::new(exporter.clone())),
        ));
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor.clone())
            .build();
        let tracer = provider.tracer("test");
        Self {
            provider,
            tracer,
            exporter,
            processor,
        }
    }

    pub fn spans(&self) -> Vec<SpanData> {
        self.exporter.get_finished_spans().unwrap()
    }

    pub fn span(&self, name: &str) -> SpanData {
        let spans = self.spans();
        let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
        assert_eq!(
            found.len(),
            1,
            "expected one span named {name:?}, got {}",
            found.len()
        );
        found[0].clone()
    }
}

/// The value of `key` on `span`; panics if the key appears more than once.
pub fn attr(span: &SpanData, key: &str) -> Option<Value> {
    let found: Vec<_> = span
        .attributes
        .iter()
        .filter(|kv| kv.key == Key::from(key.to_owned()))
        .collect();
    assert!(
        found.len() <= 1,
        "{key} appears {} times on {}",
        found.len(),
        span.name
    );
    found.first().map(|kv| kv.value.clone())
}

pub fn string(span: &SpanData, key: &str) -> Option<String> {
    match attr(span, key) {
        Some(Value::String(s)) => Some(s.to_string()),
        None => None,
        Some(other) => panic!("{key} on {} is not a string: {other:?}", span.name),
    }
}

pub fn int(span: &SpanData, key: &str) -> Option<i64> {
    match attr(span, key) {
        Some(Value::I64(n)) => Some(n),
        None => None,
        Some(other) => panic!("{key} on {} is not an int: {other:?}", span.name),
    }
}

pub fn float(span: &SpanData, key: &str) -> Option<f64> {
    match attr(span, key) {
        Some(Value::F64(f)) => Some(f),
        None => None,
        Some(other) => panic!("{key} on {} is not a float: {other:?}", span.name),
    }
}

/// Keys of the attributes a scope writes.
pub const SCOPE_KEYS: &[&str] = &[
    "gen_ai.conversation.id",
    "gen_ai.conversation.turn_number",
    "user.id",
    "workflow.id",
    "workflow.type",
    "gen_ai.agent.id",
    "gen_ai.agent.name",
    "gen_ai.agent.description",
    "gen_ai.agent.version",
];

/// The harness of observed functions, which use the global tracer provider:
/// one per test binary, installed once, its tests run one at a time (hold
/// the guard) and each starts with an empty exporter.
pub fn observed() -> (std::sync::MutexGuard<'static, ()>, &'static Harness) {
    static SHARED: std::sync::LazyLock<Harness> = std::sync::LazyLock::new(|| {
        let h = Harness::new();
        last9_genai::set_tracer_provider(h.provider.clone());
        h
    });
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    SHARED.exporter.reset();
    (guard, &SHARED)
}

/// Runs the ignored test `name` of this test binary in a child process,
/// with the variables `remove` removed and `vars` set, and returns what it
/// wrote. Fails unless exactly that test ran, and passed: a child that runs
/// no test (a misspelt name) fails the parent.
pub fn run_child(name: &str, remove: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args([name, "--exact", "--include-ignored", "--nocapture"]);
    for key in remove {
        command.env_remove(key);
    }
    command.envs(vars.iter().copied());
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success()
            && stdout.contains("running 1 test")
            && stdout.contains(&format!("test {name} ... ok"))
            && stdout.contains("1 passed"),
        "the child {name} did not run exactly once and pass:\n{stdout}\n{stderr}"
    );
    output
}

/// The attribute `key` of the first event named `event` of `span`, as text.
pub fn event_attr(span: &SpanData, event: &str, key: &str) -> Option<String> {
    span.events
        .iter()
        .find(|e| e.name == event)?
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

/// A writer whose bytes the test reads back (for the console tree).
#[derive(Clone, Default)]
pub struct Written(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl Written {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A tracer provider with `sampler` whose spans go through `processor`
/// into memory, not registered.
pub fn pipeline_with(
    sampler: impl opentelemetry_sdk::trace::ShouldSample + 'static,
    processor: last9_genai::Last9SpanProcessorBuilder,
) -> (SdkTracerProvider, InMemorySpanExporter) {
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_span_processor(processor.wrap(SimpleSpanProcessor::new(spans.clone())))
        .build();
    (provider, spans)
}

/// A tracer provider with `sampler` whose spans go through
/// `Last9SpanProcessor` priced with `pricing` into memory, registered for
/// the process (observed functions use it).
pub fn sampled_pipeline(
    sampler: impl opentelemetry_sdk::trace::ShouldSample + 'static,
    pricing: PricingTable,
) -> (SdkTracerProvider, InMemorySpanExporter) {
    let (provider, spans) = pipeline_with(sampler, Last9SpanProcessor::builder().pricing(pricing));
    last9_genai::set_tracer_provider(provider.clone());
    (provider, spans)
}

/// Keeps the messages of `tracing` warnings.
#[derive(Clone, Default)]
pub struct Warnings(pub Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        if *event.metadata().level() == tracing::Level::WARN {
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0.lock().unwrap().push(message.0);
        }
    }
}

/// Drops the spans whose names start with its prefix and records the
/// others, whatever their parent decided: a sampler under which a child of
/// a dropped span is recorded, so that its parent link shows what was
/// current.
#[derive(Debug, Clone)]
pub struct DropByPrefix(pub &'static str);

impl opentelemetry_sdk::trace::ShouldSample for DropByPrefix {
    fn should_sample(
        &self,
        _: Option<&opentelemetry::Context>,
        _: opentelemetry::trace::TraceId,
        name: &str,
        _: &opentelemetry::trace::SpanKind,
        _: &[opentelemetry::KeyValue],
        _: &[opentelemetry::trace::Link],
    ) -> opentelemetry_sdk::trace::SamplingResult {
        use opentelemetry_sdk::trace::SamplingDecision;
        opentelemetry_sdk::trace::SamplingResult {
            decision: if name.starts_with(self.0) {
                SamplingDecision::Drop
            } else {
                SamplingDecision::RecordAndSample
            },
            attributes: Vec::new(),
            trace_state: Default::default(),
        }
    }
}

/// `tracing` events written on this thread while it lives.
pub fn capture_warnings() -> (
    tracing::subscriber::DefaultGuard,
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
) {
    #[derive(Clone)]
    struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer(Default::default());
    let written = buffer.0.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || buffer.clone())
        .with_ansi(false)
        .finish();
    (tracing::subscriber::set_default(subscriber), written)
}

/// The text parts of the conventions' message attribute `key`
/// (`gen_ai.input.messages`, `gen_ai.output.messages`) of `span`, joined.
pub fn message_text(span: &SpanData, key: &str) -> Option<String> {
    let messages: serde_json::Value = serde_json::from_str(&string(span, key)?).unwrap();
    let texts: Vec<String> = messages
        .as_array()?
        .iter()
        .flat_map(|m| m["parts"].as_array().cloned().unwrap_or_default())
        .filter_map(|part| match part["type"].as_str()? {
            "text" => part["content"].as_str().map(str::to_owned),
            "tool_call_response" => part["response"].as_str().map(str::to_owned),
            _ => None,
        })
        .collect();
    Some(texts.join("\n"))
}

/// The text of the output of `span`, wherever its layout put it: the
/// Python SDK's completion (event or attribute), a tool's result, the text
/// of the conventions' output messages.
pub fn completion(span: &SpanData) -> Option<String> {
    event_attr(span, "gen_ai.content.completion", "gen_ai.completion")
        .or_else(|| string(span, "gen_ai.completion"))
        .or_else(|| string(span, "gen_ai.tool.call.result"))
        .or_else(|| message_text(span, "gen_ai.output.messages"))
}

/// The text of the input of `span`, wherever its layout put it: the Python
/// SDK's prompt (event or attribute), a tool's arguments, the text of the
/// conventions' input messages.
pub fn prompt(span: &SpanData) -> Option<String> {
    event_attr(span, "gen_ai.content.prompt", "gen_ai.prompt")
        .or_else(|| string(span, "gen_ai.prompt"))
        .or_else(|| string(span, "gen_ai.tool.call.arguments"))
        .or_else(|| message_text(span, "gen_ai.input.messages"))
}

/// The arguments of the `index`-th tool call a response of `span` asked
/// for, wherever its layout put them: the Python SDK's `gen_ai.tool.call`
/// event, else the conventions' output messages (JSON arguments written
/// compact, others as their text).
pub fn tool_call_arguments(span: &SpanData, index: usize) -> Option<String> {
    let event = span
        .events
        .iter()
        .filter(|e| e.name == "gen_ai.tool.call")
        .nth(index);
    if let Some(event) = event {
        return event
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "tool_call.function.arguments")
            .map(|kv| kv.value.to_string());
    }
    let messages: serde_json::Value =
        serde_json::from_str(&string(span, "gen_ai.output.messages")?).unwrap();
    let call = messages
        .as_array()?
        .iter()
        .flat_map(|m| m["parts"].as_array().cloned().unwrap_or_default())
        .filter(|part| part["type"] == "tool_call")
        .nth(index)?;
    Some(match &call["arguments"] {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

/// Writes content in the Python SDK's layout, for the whole test binary:
/// its tests read the prompt and completion text as that SDK writes them.
/// Every test of such a binary calls it first.
pub fn python_layout() {
    last9_genai::set_content_layout(last9_genai::ContentLayout::Python);
}

/// Ends a model span `name` of gpt-4o with 1000 input and 500 output tokens
/// ($0.0075 at the prices of [`pricing`]), started on `tracer` in the
/// current context.
pub fn gpt4o_call(tracer: &SdkTracer, name: &'static str) {
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{Span as _, Tracer as _};
    let mut span = tracer.start(name);
    span.set_attributes([
        KeyValue::new("gen_ai.request.model", "gpt-4o"),
        KeyValue::new("gen_ai.usage.input_tokens", 1000),
        KeyValue::new("gen_ai.usage.output_tokens", 500),
    ]);
    span.end();
}
