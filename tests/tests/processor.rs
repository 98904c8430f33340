//! `Last9SpanProcessor` prices spans from any instrumentation at their end.

mod common;

use common::{Harness, attr, float, int, string};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer};

fn llm_span(h: &Harness, name: &'static str, attributes: Vec<KeyValue>) {
    let mut span = h.tracer.start(name);
    span.set_attributes(attributes);
    span.end();
}

#[test]
fn prices_a_plain_opentelemetry_span_with_model_and_usage() {
    let h = Harness::new();
    llm_span(
        &h,
        "chat gpt-4o",
        vec![
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
            KeyValue::new("gen_ai.usage.input_tokens", 1000),
            KeyValue::new("gen_ai.usage.output_tokens", 500),
        ],
    );
    let s = h.span("chat gpt-4o");
    assert_eq!(float(&s, "gen_ai.usage.cost_input_usd"), Some(0.0025));
    assert_eq!(float(&s, "gen_ai.usage.cost_output_usd"), Some(0.005));
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.0075));
}

#[test]
fn prefers_the_response_model_and_falls_back_to_the_request_model() {
    let h = Harness::new();
    llm_span(
        &h,
        "dated",
        vec![
            KeyValue::new("gen_ai.request.model", "claude-sonnet-4-5"),
            KeyValue::new("gen_ai.response.model", "gpt-4o-2024-08-06"),
            KeyValue::new("gen_ai.usage.input_tokens", 1000),
            KeyValue::new("gen_ai.usage.output_tokens", 500),
        ],
    );
    llm_span(
        &h,
        "alias",
        vec![
            KeyValue::new("gen_ai.request.model", "claude-sonnet-4-5"),
            KeyValue::new("gen_ai.response.model", "claude-sonnet-4-5-internal-build"),
            KeyValue::new("gen_ai.usage.input_tokens", 2000),
            KeyValue::new("gen_ai.usage.output_tokens", 300),
        ],
    );
    assert_eq!(
        float(&h.span("dated"), "gen_ai.usage.cost_usd"),
        Some(0.0075)
    );
    assert_eq!(
        float(&h.span("alias"), "gen_ai.usage.cost_usd"),
        Some(0.0105)
    );
}

#[test]
fn leaves_a_cost_that_is_already_set() {
    let h = Harness::new();
    llm_span(
        &h,
        "priced",
        vec![
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
            KeyValue::new("gen_ai.usage.input_tokens", 1000),
            KeyValue::new("gen_ai.usage.output_tokens", 500),
            KeyValue::new("gen_ai.usage.cost_usd", 1.5),
        ],
    );
    let s = h.span("priced");
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(1.5));
    assert_eq!(attr(&s, "gen_ai.usage.cost_input_usd"), None);
}

#[test]
fn an_unknown_model_gets_no_cost_attributes_at_all() {
    let h = Harness::new();
    llm_span(
        &h,
        "local",
        vec![
            KeyValue::new("gen_ai.request.model", "llama3.1"),
            KeyValue::new("gen_ai.usage.input_tokens", 1000),
            KeyValue::new("gen_ai.usage.output_tokens", 500),
        ],
    );
    let s = h.span("local");
    for key in [
        "gen_ai.usage.cost_usd",
        "gen_ai.usage.cost_input_usd",
        "gen_ai.usage.cost_output_usd",
    ] {
        assert_eq!(attr(&s, key), None);
    }
}

#[test]
fn spans_without_model_or_usage_are_not_priced() {
    let h = Harness::new();
    llm_span(
        &h,
        "no_usage",
        vec![KeyValue::new("gen_ai.request.model", "gpt-4o")],
    );
    llm_span(
        &h,
        "no_model",
        vec![KeyValue::new("gen_ai.usage.input_tokens", 10)],
    );
    llm_span(
        &h,
        "negative",
        vec![
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
            KeyValue::new("gen_ai.usage.input_tokens", -5),
        ],
    );
    for name in ["no_usage", "no_model", "negative"] {
        assert_eq!(attr(&h.span(name), "gen_ai.usage.cost_usd"), None, "{name}");
    }
}

#[test]
fn without_a_pricing_table_nothing_is_priced() {
    let h = Harness::with_pricing(None);
    llm_span(
        &h,
        "s",
        vec![
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
            KeyValue::new("gen_ai.usage.input_tokens", 1000),
        ],
    );
    assert_eq!(attr(&h.span("s"), "gen_ai.usage.cost_usd"), None);
    assert_eq!(int(&h.span("s"), "gen_ai.usage.input_tokens"), Some(1000));
}

#[test]
fn token_counts_recorded_as_text_or_whole_floats_are_read() {
    let h = Harness::new();
    llm_span(
        &h,
        "text",
        vec![
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
            KeyValue::new("gen_ai.usage.input_tokens", "1000000000000"),
            KeyValue::new("gen_ai.usage.output_tokens", 0.0),
        ],
    );
    llm_span(
        &h,
        "beyond",
        vec![
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
            KeyValue::new("gen_ai.usage.input_tokens", "18446744073709551615"),
            KeyValue::new("gen_ai.usage.output_tokens", 0.0),
        ],
    );
    // 10^12 input tokens (MAX_TOKEN_COUNT) at 2.50 per million.
    assert_eq!(
        float(&h.span("text"), "gen_ai.usage.cost_usd"),
        Some(2_500_000.0)
    );
    // the contract says int: text counts are rewritten
    assert_eq!(
        int(&h.span("text"), "gen_ai.usage.input_tokens"),
        Some(1_000_000_000_000)
    );
    // u64::MAX is past the bound: unpriced and marked, still rewritten as
    // an int (saturating at i64::MAX).
    assert_eq!(float(&h.span("beyond"), "gen_ai.usage.cost_usd"), None);
    assert_eq!(
        attr(&h.span("beyond"), "gen_ai.l9.usage_invalid"),
        Some(opentelemetry::Value::Bool(true))
    );
    assert_eq!(
        int(&h.span("beyond"), "gen_ai.usage.input_tokens"),
        Some(i64::MAX)
    );
}

#[test]
fn cached_and_reasoning_tokens_use_their_own_prices() {
    let pricing = last9_genai::PricingTable::new([(
        "o1",
        last9_genai::ModelPricing::new(15.0, 60.0)
            .with_cache_read(7.5)
            .with_reasoning(30.0),
    )])
    .unwrap();
    let h = Harness::with_pricing(Some(pricing));
    llm_span(
        &h,
        "o1",
        vec![
            KeyValue::new("gen_ai.response.model", "o1"),
            KeyValue::new("gen_ai.usage.input_tokens", 1000),
            KeyValue::new("gen_ai.usage.cache_read.input_tokens", 400),
            KeyValue::new("gen_ai.usage.output_tokens", 500),
            KeyValue::new("gen_ai.usage.reasoning.output_tokens", 200),
        ],
    );
    let s = h.span("o1");
    // 600 × 15 + 400 × 7.5 = 12 000 µ$; 300 × 60 + 200 × 30 = 24 000 µ$
    assert_eq!(float(&s, "gen_ai.usage.cost_input_usd"), Some(0.012));
    assert_eq!(float(&s, "gen_ai.usage.cost_output_usd"), Some(0.024));
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), Some(0.036));
}

#[test]
fn the_scope_is_stamped_before_the_wrapped_processor_sees_the_span() {
    let h = Harness::new();
    {
        let _c = last9_genai::conversation("c1").enter();
        llm_span(&h, "s", vec![]);
    }
    assert_eq!(
        string(&h.span("s"), "gen_ai.conversation.id").as_deref(),
        Some("c1")
    );
}

/// Counts that contradict each other, from any instrumentation (Anthropic's
/// `input_tokens` recorded as is, without its cache): the span is marked
/// and not priced, rather than billing the cached tokens twice.
#[test]
fn contradictory_token_counts_are_not_priced_and_are_marked() {
    use opentelemetry::Value;
    let h = Harness::new();
    llm_span(
        &h,
        "chat",
        vec![
            KeyValue::new("gen_ai.request.model", "claude-sonnet-4-5"),
            KeyValue::new("gen_ai.usage.input_tokens", 10),
            KeyValue::new("gen_ai.usage.cache_read.input_tokens", 2000),
            KeyValue::new("gen_ai.usage.output_tokens", 500),
        ],
    );
    let s = h.span("chat");
    assert_eq!(float(&s, "gen_ai.usage.cost_usd"), None);
    assert_eq!(attr(&s, "gen_ai.l9.usage_invalid"), Some(Value::Bool(true)));
}

/// Counts that cannot be right, from any instrumentation: the span is not
/// priced (never at $0), it is marked, and its workflow counts the call at
/// no known cost.
#[test]
fn impossible_token_counts_are_not_priced_and_are_marked() {
    use opentelemetry::Value;
    let bad: Vec<Value> = vec![
        Value::I64(-5),
        Value::F64(10.5),
        Value::F64(f64::NAN),
        Value::String("ten".into()),
        Value::Bool(true),
        Value::I64(2_000_000_000_000),
    ];
    for (i, value) in bad.into_iter().enumerate() {
        let h = Harness::new();
        let wf = last9_genai::workflow("w").tracer(h.tracer.clone()).start();
        {
            let _inside = wf.enter();
            llm_span(
                &h,
                "chat",
                vec![
                    KeyValue::new("gen_ai.request.model", "gpt-4o"),
                    KeyValue::new("gen_ai.usage.input_tokens", value),
                    KeyValue::new("gen_ai.usage.output_tokens", 500),
                ],
            );
        }
        assert_eq!((wf.llm_calls(), wf.total_cost_usd()), (1, 0.0), "case {i}");
        drop(wf);
        let s = h.span("chat");
        assert_eq!(float(&s, "gen_ai.usage.cost_usd"), None, "case {i}");
        assert_eq!(
            attr(&s, "gen_ai.l9.usage_invalid"),
            Some(Value::Bool(true)),
            "case {i}"
        );
    }
}

/// Cache writes under the conventions' newer name
/// (`gen_ai.usage.cache_write.input_tokens`) are priced as under the older.
#[test]
fn cache_writes_under_either_name_are_priced() {
    let pricing = last9_genai::PricingTable::new([(
        "claude-sonnet-4-5",
        last9_genai::ModelPricing::new(3.0, 15.0).with_cache_write(3.75),
    )])
    .unwrap();
    for key in [
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_write.input_tokens",
    ] {
        let h = Harness::with_pricing(Some(pricing.clone()));
        llm_span(
            &h,
            "chat",
            vec![
                KeyValue::new("gen_ai.request.model", "claude-sonnet-4-5"),
                KeyValue::new("gen_ai.usage.input_tokens", 1_000_000),
                KeyValue::new(key, 1_000_000),
                KeyValue::new("gen_ai.usage.output_tokens", 0),
            ],
        );
        // Every input token written to the cache: 3.75, not 3.0.
        assert_eq!(
            float(&h.span("chat"), "gen_ai.usage.cost_usd"),
            Some(3.75),
            "{key}"
        );
    }
}

/// An exporter that keeps the resource it is given.
#[derive(Debug, Clone, Default)]
struct ResourceKept(std::sync::Arc<std::sync::Mutex<Option<opentelemetry_sdk::Resource>>>);

impl opentelemetry_sdk::trace::SpanExporter for ResourceKept {
    async fn export(
        &self,
        _: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        Ok(())
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        *self.0.lock().unwrap() = Some(resource.clone());
    }
}

/// The provider's resource (the service name a backend groups by) reaches
/// the exporter through the processor it wraps.
#[test]
fn the_resource_reaches_the_wrapped_exporter() {
    let kept = ResourceKept::default();
    let _provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name("checkout")
                .build(),
        )
        .with_span_processor(last9_genai::Last9SpanProcessor::builder().wrap(
            opentelemetry_sdk::trace::SimpleSpanProcessor::new(kept.clone()),
        ))
        .build();
    let resource = kept.0.lock().unwrap().clone().expect("a resource");
    assert_eq!(
        resource
            .get(&opentelemetry::Key::new("service.name"))
            .map(|v| v.to_string())
            .as_deref(),
        Some("checkout")
    );
}
