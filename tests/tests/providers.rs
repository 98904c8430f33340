//! Every provider's responses and streams, shaped after its API reference
//! (`tests/fixtures/providers/`, whose README gives each source and the
//! values expected), read through `#[observe]` as a user returns them:
//! provider, model, finish reasons, tokens as the conventions count them,
//! operation and cost. And what no format recognises is read as nothing.

mod common;

use common::{attr, float, int, string};
use last9_genai::{ModelPricing, PricingTable, observe};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{Value as Json, json};

/// A fixture, parsed.
fn fixture(path: &str) -> Json {
    let file = format!("{}/fixtures/providers/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The prices of the models the fixtures name, per million tokens.
fn prices() -> PricingTable {
    PricingTable::new([
        (
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            ModelPricing::new(3.0, 15.0)
                .with_cache_read(0.3)
                .with_cache_write(3.75),
        ),
        ("llama3.2", ModelPricing::new(1.0, 2.0)),
        ("command-a-03-2025", ModelPricing::new(2.5, 10.0)),
        // Embedding prices a thousand times the list price: a fixture's few
        // tokens at the list price cost less than the micro-dollar costs
        // are rounded to.
        ("text-embedding-3-small", ModelPricing::new(20.0, 0.0)),
        ("amazon.titan-embed-text-v2:0", ModelPricing::new(20.0, 0.0)),
        (
            "grok-3-mini",
            ModelPricing::new(0.3, 0.5).with_cache_read(0.075),
        ),
        (
            "deepseek-reasoner",
            ModelPricing::new(0.55, 2.19).with_cache_read(0.14),
        ),
    ])
    .unwrap()
}

/// A model call that returns the provider's body, asking for `model`.
#[observe(pricing = prices())]
fn call(model: &str, body: Json) -> Json {
    let _ = model;
    body
}

/// A streamed model call whose chunks are the provider's events.
#[observe(pricing = prices())]
fn stream(model: &str, events: Vec<Json>) -> impl Iterator<Item = Result<Json, String>> {
    let _ = model;
    events.into_iter().map(Ok)
}

/// What one call's span says.
#[derive(Debug, PartialEq)]
struct Read {
    provider: Option<String>,
    operation: Option<String>,
    response_model: Option<String>,
    finish_reasons: Option<Vec<String>>,
    /// input, output, cache read, cache creation, reasoning.
    tokens: [Option<i64>; 5],
}

fn read(span: &SpanData) -> Read {
    let finish_reasons = match attr(span, "gen_ai.response.finish_reasons") {
        Some(Value::Array(Array::String(list))) => {
            Some(list.iter().map(|s| s.as_str().to_owned()).collect())
        }
        None => None,
        Some(other) => panic!("finish reasons: {other:?}"),
    };
    Read {
        provider: string(span, "gen_ai.provider.name"),
        operation: string(span, "gen_ai.operation.name"),
        response_model: string(span, "gen_ai.response.model"),
        finish_reasons,
        tokens: [
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.reasoning.output_tokens",
        ]
        .map(|key| int(span, key)),
    }
}

fn expected(
    provider: &str,
    operation: &str,
    response_model: Option<&str>,
    finish_reasons: &[&str],
    tokens: [Option<i64>; 5],
) -> Read {
    Read {
        provider: Some(provider.to_owned()),
        operation: Some(operation.to_owned()),
        response_model: response_model.map(str::to_owned),
        finish_reasons: (!finish_reasons.is_empty())
            .then(|| finish_reasons.iter().map(|s| (*s).to_owned()).collect()),
        tokens,
    }
}

/// The span of one call of `call` returning the fixture at `path`.
fn called(model: &str, path: &str) -> SpanData {
    let (_guard, h) = common::observed();
    let body = fixture(path);
    assert_eq!(
        call(model, body.clone()),
        body,
        "the body is returned as it was"
    );
    h.span("call")
}

/// The span of one call of `stream` over the events of the fixture.
fn streamed(model: &str, events: Vec<Json>) -> SpanData {
    let (_guard, h) = common::observed();
    let count = events.len();
    assert_eq!(stream(model, events).count(), count);
    h.span("stream")
}

fn events(path: &str) -> Vec<Json> {
    match fixture(path) {
        Json::Array(events) => events,
        other => panic!("{path} is no list: {other}"),
    }
}

fn completion(span: &SpanData) -> Option<String> {
    common::completion(span)
}

/// Micro-dollars of a float cost, to compare without rounding noise.
fn micro(span: &SpanData) -> Option<i64> {
    float(span, "gen_ai.usage.cost_usd").map(|usd| (usd * 1e6).round() as i64)
}

const BEDROCK_MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

#[test]
fn bedrock_converse() {
    let span = called(BEDROCK_MODEL, "bedrock/converse.json");
    // inputTokens leaves the cache out: 12 + 1500 read + 300 written.
    assert_eq!(
        read(&span),
        expected(
            "aws.bedrock",
            "chat",
            None,
            &["tool_use"],
            [Some(1812), Some(85), Some(1500), Some(300), None]
        )
    );
    // Priced through the model id without its cross-region prefix:
    // 12 × 3 + 1500 × 0.3 + 300 × 3.75 + 85 × 15 = 2 886 µ$.
    assert_eq!(micro(&span), Some(2886));
    assert_eq!(int(&span, "gen_ai.response.tool_calls.count"), None);
    assert_eq!(
        string(&span, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(
        completion(&span).as_deref(),
        Some("I'll look up the current weather in Paris.")
    );
}

#[test]
fn bedrock_converse_stream() {
    let span = streamed(BEDROCK_MODEL, events("bedrock/converse_stream.json"));
    assert_eq!(
        read(&span),
        expected(
            "aws.bedrock",
            "chat",
            None,
            &["tool_use"],
            [Some(1512), Some(85), Some(1500), None, None]
        )
    );
    assert_eq!(
        completion(&span).as_deref(),
        Some("I'll look up the current weather in Paris.")
    );
    assert_eq!(
        string(&span, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
}

#[test]
fn bedrock_titan_embeddings() {
    let span = called("amazon.titan-embed-text-v2:0", "bedrock/titan_embed.json");
    assert_eq!(
        read(&span),
        expected(
            "aws.bedrock",
            "embeddings",
            None,
            &[],
            [Some(7), Some(0), None, None, None]
        )
    );
    // 7 × 20 = 140 µ$.
    assert_eq!(micro(&span), Some(140));
}

#[test]
fn ollama_chat_generate_and_embed() {
    let span = called("llama3.2", "ollama/chat.json");
    assert_eq!(
        read(&span),
        expected(
            "ollama",
            "chat",
            Some("llama3.2"),
            &["stop"],
            [Some(31), Some(22), None, None, None]
        )
    );
    // 31 × 1 + 22 × 2 = 75 µ$.
    assert_eq!(micro(&span), Some(75));
    let span = called("llama3.2", "ollama/generate.json");
    assert_eq!(
        read(&span),
        expected(
            "ollama",
            "text_completion",
            Some("llama3.2"),
            &["stop"],
            [Some(30), Some(17), None, None, None]
        )
    );
    let span = called("all-minilm", "ollama/embed.json");
    assert_eq!(
        read(&span),
        expected(
            "ollama",
            "embeddings",
            Some("all-minilm"),
            &[],
            [Some(8), Some(0), None, None, None]
        )
    );
    let span = called("llama3.2", "ollama/chat_tool_call.json");
    assert_eq!(
        string(&span, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(
        common::tool_call_arguments(&span, 0).as_deref(),
        Some(r#"{"city":"Tokyo"}"#)
    );
}

/// Ollama's streams are lines of JSON: each line, parsed, is a chunk.
#[test]
fn ollama_streams() {
    for (path, input, output, text) in [
        ("chat_stream.ndjson", 26, 7, "Blue light scatters the most."),
        (
            "generate_stream.ndjson",
            30,
            7,
            "Rayleigh scattering makes it blue.",
        ),
    ] {
        let file = format!(
            "{}/fixtures/providers/ollama/{path}",
            env!("CARGO_MANIFEST_DIR")
        );
        let lines = std::fs::read_to_string(file).unwrap();
        let chunks = lines
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let span = streamed("llama3.2", chunks);
        assert_eq!(
            read(&span),
            expected(
                "ollama",
                "chat",
                Some("llama3.2"),
                &["stop"],
                [Some(input), Some(output), None, None, None]
            ),
            "{path}"
        );
        assert_eq!(completion(&span).as_deref(), Some(text), "{path}");
    }
}

/// The raw bytes of Ollama's streams, as `reqwest`'s `bytes_stream()` gives
/// them (cut every 7 bytes), followed without the macro.
#[test]
fn ollama_raw_bytes_through_observe_ndjson() {
    use futures::StreamExt as _;
    use last9_genai::{ObserveStream as _, StreamCall};
    let file = format!(
        "{}/fixtures/providers/ollama/chat_stream.ndjson",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(file).unwrap();
    let (_guard, h) = common::observed();
    let items: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(7).map(|c| Ok(c.to_vec())).collect();
    let count = items.len();
    // Not `futures::executor::block_on`: the harness's simple processor
    // blocks on its exporter when the span ends, inside the poll.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let passed = runtime.block_on(
        futures::stream::iter(items)
            .observe_ndjson(StreamCall::new("ollama.chat").provider("ollama"))
            .count(),
    );
    assert_eq!(passed, count, "every item passes through");
    let span = h.span("ollama.chat");
    assert_eq!(read(&span).tokens, [Some(26), Some(7), None, None, None]);
    assert_eq!(
        completion(&span).as_deref(),
        Some("Blue light scatters the most.")
    );
    assert_eq!(
        int(&span, "gen_ai.l9.stream.chunks"),
        Some(bytes.iter().filter(|b| **b == b'\n').count() as i64)
    );
}

#[test]
fn cohere_chat_stream_and_embed() {
    // Billed units, what the bill says: 5 in, 17 out.
    let span = called("command-a-03-2025", "cohere/chat.json");
    assert_eq!(
        read(&span),
        expected(
            "cohere",
            "chat",
            None,
            &["COMPLETE"],
            [Some(5), Some(17), None, None, None]
        )
    );
    // 5 × 2.5 + 17 × 10 = 182.5 µ$, rounded half to even.
    assert_eq!(micro(&span), Some(182));
    let span = called("command-a-03-2025", "cohere/chat_tool_call.json");
    assert_eq!(
        string(&span, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        Some(Value::Array(Array::String(vec!["TOOL_CALL".into()])))
    );
    let span = streamed("command-a-03-2025", events("cohere/chat_stream.json"));
    assert_eq!(
        read(&span),
        expected(
            "cohere",
            "chat",
            None,
            &["COMPLETE"],
            [Some(5), Some(10), None, None, None]
        )
    );
    assert_eq!(
        completion(&span).as_deref(),
        Some("LLMs generate text one token at a time.")
    );
    let span = streamed(
        "command-a-03-2025",
        events("cohere/chat_stream_tool_call.json"),
    );
    assert_eq!(
        common::tool_call_arguments(&span, 0).as_deref(),
        Some(r#"{"location":"Madrid"}"#)
    );
    let span = called("embed-v4.0", "cohere/embed.json");
    assert_eq!(
        read(&span),
        expected(
            "cohere",
            "embeddings",
            None,
            &[],
            [Some(2), Some(0), None, None, None]
        )
    );
}

#[test]
fn embeddings_of_openai_and_gemini() {
    let span = called("text-embedding-3-small", "openai/embeddings.json");
    assert_eq!(
        read(&span),
        expected(
            "openai",
            "embeddings",
            Some("text-embedding-3-small"),
            &[],
            [Some(8), Some(0), None, None, None]
        )
    );
    // 8 × 20 = 160 µ$.
    assert_eq!(micro(&span), Some(160));
    // Gemini's embeddings carry no count: tokens absent, never 0.
    for path in [
        "gemini/embed_content.json",
        "gemini/batch_embed_contents.json",
    ] {
        let span = called("gemini-embedding-001", path);
        assert_eq!(
            read(&span),
            expected("gcp.gemini", "embeddings", None, &[], [None; 5]),
            "{path}"
        );
    }
}

/// The OpenAI-compatible servers, named for what they are, each counted as
/// it counts.
#[test]
fn openai_compatible_servers() {
    // xAI leaves reasoning out of completion_tokens: 9 + 310.
    let span = called("grok-3-mini", "openai_compatible/xai_chat.json");
    assert_eq!(
        read(&span),
        expected(
            "x_ai",
            "chat",
            Some("grok-3-mini"),
            &["stop"],
            [Some(215), Some(319), Some(192), None, Some(310)]
        )
    );
    // 23 × 0.3 + 192 × 0.075 + 319 × 0.5 = 180.8 µ$, rounded.
    assert_eq!(micro(&span), Some(181));
    let span = called("deepseek-reasoner", "openai_compatible/deepseek_chat.json");
    assert_eq!(
        read(&span),
        expected(
            "deepseek",
            "chat",
            Some("deepseek-reasoner"),
            &["stop"],
            [Some(1090), Some(412), Some(1024), None, Some(389)]
        )
    );
    for (model, path, provider, tokens) in [
        (
            "llama-3.3-70b-versatile",
            "groq_chat.json",
            "groq",
            [Some(42), Some(19), None, None, None],
        ),
        (
            "gpt-4o",
            "azure_chat.json",
            "azure.ai.openai",
            [Some(1250), Some(18), Some(1024), None, None],
        ),
        (
            "mistral-small-latest",
            "mistral_chat.json",
            "mistral_ai",
            [Some(16), Some(21), None, None, None],
        ),
    ] {
        let span = called(model, &format!("openai_compatible/{path}"));
        let got = read(&span);
        assert_eq!(got.provider.as_deref(), Some(provider), "{path}");
        assert_eq!(got.tokens, tokens, "{path}");
        // Written once, whatever was guessed at the start (and the
        // deprecated `gen_ai.system` not at all in the default layout).
        for (key, times) in [("gen_ai.provider.name", 1), ("gen_ai.system", 0)] {
            let count = span
                .attributes
                .iter()
                .filter(|kv| kv.key.as_str() == key)
                .count();
            assert_eq!(count, times, "{path}: {key}");
        }
    }
    let span = streamed("grok-3-mini", events("openai_compatible/xai_stream.json"));
    assert_eq!(
        read(&span),
        expected(
            "x_ai",
            "chat",
            Some("grok-3-mini"),
            &["stop"],
            [Some(160), Some(101), Some(128), None, Some(95)]
        )
    );
    let span = streamed(
        "deepseek-chat",
        events("openai_compatible/deepseek_stream.json"),
    );
    assert_eq!(
        read(&span),
        expected(
            "deepseek",
            "chat",
            Some("deepseek-chat"),
            &["stop"],
            [Some(146), Some(8), Some(128), None, None]
        )
    );
}

/// A body no format recognises is read as no provider's: tokens absent,
/// never 0, the body written as the output.
#[test]
fn an_unknown_body_is_read_as_nothing() {
    let (_guard, h) = common::observed();
    let body = json!({"output": {"answer": 42}, "usage": {"credits": 3}});
    call("my-own-model", body.clone());
    let span = h.span("call");
    assert_eq!(string(&span, "gen_ai.provider.name"), None);
    assert_eq!(read(&span).tokens, [None; 5]);
    assert_eq!(float(&span, "gen_ai.usage.cost_usd"), None);
    assert_eq!(
        completion(&span).as_deref(),
        Some(r#"{"output":{"answer":42},"usage":{"credits":3}}"#)
    );
}

/// A model call returning a value no format recognises says so once per
/// function, naming the keys it saw; a tool returning the same says nothing.
#[test]
fn an_unknown_body_is_said_once_per_function() {
    #[observe]
    fn unknown_model_call(body: Json) -> Json {
        body
    }
    #[observe(kind = "tool")]
    fn unknown_tool(body: Json) -> Json {
        body
    }
    let (_guard, _) = common::observed();
    let (_subscriber, warnings) = common::capture_warnings();
    let body = json!({"output": {"answer": 42}, "usage": {"credits": 3}});
    for _ in 0..3 {
        unknown_model_call(body.clone());
        unknown_tool(body.clone());
    }
    unknown_model_call(json!({"choices": []}));
    let warnings = String::from_utf8(warnings.lock().unwrap().clone()).unwrap();
    assert_eq!(
        warnings.matches("is no model response").count(),
        1,
        "{warnings}"
    );
    assert!(warnings.contains("unknown_model_call"), "{warnings}");
    assert!(warnings.contains(r#"keys "output", "usage""#), "{warnings}");
    assert!(!warnings.contains("unknown_tool"), "{warnings}");
}

/// A usage of the wrong type leaves the tokens absent and marks the span,
/// as impossible counts do; never 0 tokens and $0.
#[test]
fn a_usage_of_the_wrong_type_is_marked() {
    for usage in [json!(12), json!("n/a"), json!([1, 2])] {
        let (_guard, h) = common::observed();
        call(
            "gpt-4o",
            json!({"id": "c", "model": "gpt-4o", "choices": [], "usage": usage}),
        );
        let span = h.span("call");
        assert_eq!(read(&span).tokens, [None; 5], "{usage}");
        assert_eq!(
            attr(&span, "gen_ai.l9.usage_invalid"),
            Some(Value::Bool(true)),
            "{usage}"
        );
        assert_eq!(float(&span, "gen_ai.usage.cost_usd"), None, "{usage}");
    }
}

/// Hostile bodies for each new reader: counts of the wrong kind, enormous
/// ones, deep nesting, a truncated stream. Each call returns its value and
/// the span says only what is right.
#[test]
fn hostile_bodies_for_each_new_reader() {
    // Impossible counts spoil the usage, whichever provider.
    for (model, body) in [
        (
            BEDROCK_MODEL,
            json!({"stopReason": "end_turn", "usage": {"inputTokens": -1, "outputTokens": 2}}),
        ),
        (
            "llama3.2",
            json!({"model": "llama3.2", "created_at": "t", "done": true,
                   "prompt_eval_count": 1.5, "eval_count": 2}),
        ),
        (
            "command-a-03-2025",
            json!({"finish_reason": "COMPLETE", "message": {},
                   "usage": {"billed_units": {"input_tokens": "many", "output_tokens": 1}}}),
        ),
        (
            "grok-3-mini",
            json!({"model": "grok-3-mini", "choices": [],
                   "usage": {"prompt_tokens": 1e30, "completion_tokens": 1}}),
        ),
    ] {
        let (_guard, h) = common::observed();
        call(model, body.clone());
        let span = h.span("call");
        assert_eq!(read(&span).tokens, [None; 5], "{body}");
        assert_eq!(
            attr(&span, "gen_ai.l9.usage_invalid"),
            Some(Value::Bool(true)),
            "{body}"
        );
    }
    // Tool input nested far deeper than the depth bound (and than
    // serde_json parses), in a Bedrock body built in code.
    let mut input = json!(1);
    for _ in 0..1_000 {
        input = json!([input]);
    }
    let mut body = json!({"stopReason": "tool_use", "output": {"message": {"content": [
        {"toolUse": {"toolUseId": "t", "name": "deep"}}]}}});
    body["output"]["message"]["content"][0]["toolUse"]["input"] = input;
    let span = called_with(BEDROCK_MODEL, body);
    assert_eq!(string(&span, "gen_ai.tool.name").as_deref(), Some("deep"));
    // A Bedrock stream cut before its metadata: no tokens, the text kept.
    let mut cut = events("bedrock/converse_stream.json");
    cut.truncate(3);
    let span = streamed(BEDROCK_MODEL, cut);
    assert_eq!(read(&span).tokens, [None; 5]);
    assert_eq!(read(&span).provider.as_deref(), Some("aws.bedrock"));
    // An exception event ends the span with it.
    let span = streamed(
        BEDROCK_MODEL,
        vec![
            json!({"messageStart": {"role": "assistant"}}),
            json!({"throttlingException": {"message": "Too many requests"}}),
        ],
    );
    assert_eq!(
        string(&span, "error.type").as_deref(),
        Some("throttlingException")
    );
}

fn called_with(model: &str, body: Json) -> SpanData {
    let (_guard, h) = common::observed();
    call(model, body);
    h.span("call")
}

/// Past `#[observe]`: the manual API names a new provider from its model
/// id, and the span processor prices its spans, and those of other
/// instrumentation, from the bundled table (a cross-region Bedrock id as
/// its model; xAI, Cohere and embedding models by name).
#[test]
fn the_manual_api_and_the_processor_know_the_new_providers() {
    use last9_genai::{Last9GenAI, Last9SpanProcessor, LlmCall, TokenUsage};
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};

    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .bundled_prices(true)
                .wrap(SimpleSpanProcessor::new(spans.clone())),
        )
        .build();
    let tracer = provider.tracer("test");
    let million = TokenUsage::new(1_000_000, 1_000_000);
    let models = [
        (
            "us.amazon.nova-pro-v1:0",
            "amazon.nova-pro-v1:0",
            Some("aws.bedrock"),
        ),
        ("grok-4.20", "grok-4.20", Some("x_ai")),
        ("command-a-03-2025", "command-a-03-2025", Some("cohere")),
        (
            "text-embedding-3-small",
            "text-embedding-3-small",
            Some("openai"),
        ),
    ];
    for (model, _, _) in models {
        let mut span = tracer.start(format!("manual {model}"));
        Last9GenAI::new()
            .add_standard_llm_attributes(&mut span, &LlmCall::new(model).usage(million));
        span.end();
        // Other instrumentation: the model and counts alone.
        let mut span = tracer.start(format!("foreign {model}"));
        span.set_attributes([
            KeyValue::new("gen_ai.request.model", model),
            KeyValue::new("gen_ai.usage.input_tokens", 1_000_000),
            KeyValue::new("gen_ai.usage.output_tokens", 1_000_000),
        ]);
        span.end();
    }
    let exported = spans.get_finished_spans().unwrap();
    let span = |name: String| exported.iter().find(|s| s.name == name).unwrap();
    for (model, priced_as, provider) in models {
        let price = PricingTable::bundled().get(priced_as).copied().unwrap();
        let expected = Some(price.input() + price.output());
        let manual = span(format!("manual {model}"));
        assert_eq!(
            string(manual, "gen_ai.provider.name").as_deref(),
            provider,
            "{model}"
        );
        assert_eq!(float(manual, "gen_ai.usage.cost_usd"), expected, "{model}");
        let foreign = span(format!("foreign {model}"));
        assert_eq!(float(foreign, "gen_ai.usage.cost_usd"), expected, "{model}");
    }
}

/// Secrets in the new providers' answers are cut out of what is written:
/// a key in a Bedrock, Ollama or Cohere answer's text, a secret field of a
/// tool call's input, a key split across two chunks of a stream.
#[test]
fn secrets_in_the_new_providers_answers_are_cut() {
    const KEY: &str = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234";
    let bedrock = json!({"stopReason": "tool_use",
        "output": {"message": {"role": "assistant", "content": [
            {"text": format!("Your key is {KEY}.")},
            {"toolUse": {"toolUseId": "t1", "name": "deploy",
                         "input": {"api_key": "hunter2-deploy-secret", "region": "eu"}}}]}},
        "usage": {"inputTokens": 3, "outputTokens": 4, "totalTokens": 7}});
    let ollama = json!({"model": "llama3.2", "created_at": "t", "done": true,
        "done_reason": "stop", "prompt_eval_count": 3, "eval_count": 4,
        "message": {"role": "assistant", "content": format!("Use {KEY} here"),
                    "tool_calls": [{"function": {"name": "login",
                        "arguments": {"password": "hunter2-deploy-secret"}}}]}});
    let cohere = json!({"id": "c", "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": format!("key {KEY}")}]},
        "usage": {"billed_units": {"input_tokens": 3, "output_tokens": 4}}});
    for (model, body) in [
        (BEDROCK_MODEL, bedrock),
        ("llama3.2", ollama),
        ("command-a-03-2025", cohere),
    ] {
        let span = called_with(model, body);
        let text = completion(&span).unwrap_or_default();
        assert!(
            text.contains("[REDACTED]") && !text.contains("AbCdEf"),
            "{model}: {text}"
        );
        let written = format!("{:?}", span.attributes) + &format!("{:?}", span.events);
        assert!(
            !written.contains("AbCdEf") && !written.contains("hunter2"),
            "{model}: {written}"
        );
    }
    let (key_start, key_end) = KEY.split_at(16);
    let span = streamed(
        "llama3.2",
        vec![
            json!({"model": "llama3.2", "created_at": "t", "done": false,
                   "message": {"role": "assistant", "content": format!("the key {key_start}")}}),
            json!({"model": "llama3.2", "created_at": "t", "done": false,
                   "message": {"role": "assistant", "content": key_end}}),
            json!({"model": "llama3.2", "created_at": "t", "done": true, "done_reason": "stop",
                   "prompt_eval_count": 3, "eval_count": 4,
                   "message": {"role": "assistant", "content": ""}}),
        ],
    );
    let text = completion(&span).unwrap_or_default();
    assert_eq!(text, "the key [REDACTED]");
}
