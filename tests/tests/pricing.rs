//! Pricing tables: lookup rules, bad input, files, and one warning per unknown model.

mod common;

use common::Warnings;

use last9_genai::{ModelPricing, PricingError, PricingTable, TokenUsage};

fn table() -> PricingTable {
    PricingTable::new([
        ("gpt-4o", ModelPricing::new(2.50, 10.0)),
        ("gpt-4o-mini", ModelPricing::new(0.15, 0.60)),
        ("azure/gpt-4o", ModelPricing::new(2.75, 11.0)),
        ("claude-3-5-sonnet", ModelPricing::new(3.0, 15.0)),
        (
            "ft:gpt-3.5-turbo:org:model:id",
            ModelPricing::new(12.0, 16.0),
        ),
    ])
    .unwrap()
}

fn input_price(model: &str) -> Option<f64> {
    table().get(model).map(ModelPricing::input)
}

#[test]
fn lookup_exact_then_without_date_then_without_prefix() {
    assert_eq!(input_price("gpt-4o"), Some(2.50));
    assert_eq!(input_price("gpt-4o-2024-08-06"), Some(2.50));
    assert_eq!(input_price("claude-3-5-sonnet-20241022"), Some(3.0));
    assert_eq!(input_price("claude-3-5-sonnet@20240620"), Some(3.0));
    assert_eq!(input_price("openai/gpt-4o"), Some(2.50));
    assert_eq!(input_price("openai/gpt-4o-2024-08-06"), Some(2.50));
    assert_eq!(input_price("ft:gpt-3.5-turbo:org:model:id"), Some(12.0));
}

#[test]
fn a_key_with_the_provider_prefix_wins() {
    assert_eq!(input_price("azure/gpt-4o"), Some(2.75));
    assert_eq!(input_price("azure/gpt-4o-2024-08-06"), Some(2.75));
}

#[test]
fn no_prefix_matching_between_models() {
    assert_eq!(input_price("gpt-4o-mini"), Some(0.15));
    let without_mini = PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))]).unwrap();
    assert!(without_mini.get("gpt-4o-mini").is_none());
    assert!(without_mini.get("gpt-4").is_none());
    assert!(without_mini.get("gpt-4o-audio-preview").is_none());
    assert!(without_mini.get("GPT-4O").is_none());
}

#[test]
fn nan_infinite_and_negative_prices_are_refused_naming_the_model() {
    for (pricing, field) in [
        (ModelPricing::new(f64::NAN, 1.0), "input"),
        (ModelPricing::new(1.0, f64::INFINITY), "output"),
        (
            ModelPricing::new(1.0, 1.0).with_cache_read(-0.1),
            "cache_read",
        ),
        (
            ModelPricing::new(1.0, 1.0).with_cache_write(f64::NEG_INFINITY),
            "cache_write",
        ),
        (
            ModelPricing::new(1.0, 1.0).with_reasoning(-2.0),
            "reasoning",
        ),
    ] {
        let err = PricingTable::new([("ok", ModelPricing::new(1.0, 1.0)), ("bad-model", pricing)])
            .unwrap_err();
        match &err {
            PricingError::InvalidPrice {
                model, field: f, ..
            } => {
                assert_eq!(model, "bad-model");
                assert_eq!(*f, field);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("\"bad-model\""), "{err}");
        assert!(err.to_string().contains(field), "{err}");
    }
}

#[test]
fn malformed_json_gives_line_and_column() {
    let json = "{\n  \"gpt-4o\": { \"input\": 2.5, \"output\": 10.0 },\n  \"o1\": { \"input\": 15.0 \"output\": 60.0 }\n}";
    match PricingTable::from_json_str(json).unwrap_err() {
        PricingError::Json {
            line,
            column,
            message,
            path,
        } => {
            assert_eq!((line, column), (3, 25)); // the `"` of the unexpected "output"
            assert!(message.contains("expected"), "{message}");
            assert_eq!(path, None);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_misspelt_field_is_an_error_not_a_missing_price() {
    let err =
        PricingTable::from_json_str(r#"{"gpt-4o": {"input": 2.5, "ouput": 10.0}}"#).unwrap_err();
    assert!(err.to_string().contains("ouput"), "{err}");
}

#[test]
fn negative_prices_in_json_are_refused_naming_the_model() {
    let err = PricingTable::from_json_str(r#"{"cheap": {"input": -1, "output": 1}}"#).unwrap_err();
    assert!(matches!(err, PricingError::InvalidPrice { ref model, .. } if model == "cheap"));
}

#[test]
fn loads_a_file_and_names_it_in_errors() {
    let dir = std::env::temp_dir().join(format!("l9-pricing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        r#"{"gpt-4o": {"input": 2.5, "output": 10.0, "cache_read": 1.25}}"#,
    )
    .unwrap();
    let table = PricingTable::from_json_file(&good).unwrap();
    assert_eq!(table.get("gpt-4o").unwrap().cache_read(), Some(1.25));

    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"gpt-4o\": [}").unwrap();
    let err = PricingTable::from_json_file(&bad).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}:1:", bad.display())),
        "{err}"
    );

    let missing = dir.join("missing.json");
    let err = PricingTable::from_json_file(&missing).unwrap_err();
    assert!(matches!(err, PricingError::Io { .. }));
    assert!(err.to_string().contains("missing.json"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_bundled_example_table_loads() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pricing/example-2026-02.json"
    );
    let table = PricingTable::from_json_file(path).unwrap();
    assert_eq!(table.len(), 8);
    let gpt = table.get("gpt-4o").unwrap();
    assert_eq!((gpt.input(), gpt.output()), (2.5, 10.0));
    let sonnet = table.get("claude-sonnet-4-5").unwrap();
    assert_eq!((sonnet.input(), sonnet.output()), (3.0, 15.0));
    assert_eq!(
        table
            .cost("claude-sonnet-4-5", &TokenUsage::new(1_000_000, 1_000_000))
            .map(|c| c.total_usd()),
        Some(18.0)
    );
}

#[test]
fn an_unknown_model_is_warned_about_once_not_once_per_span() {
    use tracing_subscriber::layer::SubscriberExt;
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry().with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        let table = table();
        for _ in 0..100 {
            assert_eq!(table.cost("llama3.1", &TokenUsage::new(10, 10)), None);
            assert_eq!(table.cost("mistral-large", &TokenUsage::new(10, 10)), None);
            assert!(table.cost("gpt-4o", &TokenUsage::new(10, 10)).is_some());
        }
    });
    let mut seen = warnings.0.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            "no price for model \"llama3.1\": its spans carry no cost; add it to the pricing table",
            "no price for model \"mistral-large\": its spans carry no cost; add it to the pricing table"
        ]
    );
}

/// Regression: 200 000 distinct unknown model names (a hostile client, or
/// a model name carrying a request id) kept every name and 50 MiB.
#[test]
fn unknown_model_warnings_stop_after_a_thousand_names() {
    use tracing_subscriber::layer::SubscriberExt;
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry().with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        let table = table();
        for i in 0..5000 {
            assert_eq!(
                table.cost(&format!("model-{i}"), &TokenUsage::new(1, 1)),
                None
            );
        }
    });
    let seen = warnings.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1001);
    assert!(seen[999].contains("\"model-999\""), "{}", seen[999]);
    assert_eq!(
        seen[1000],
        "more models have no price; they are no longer listed (after 1000 names)"
    );
}

/// With no `tracing` subscriber, the warning is printed on stderr, once.
#[test]
fn without_a_subscriber_the_warning_goes_to_stderr_once() {
    let output = common::run_child("child_prices_an_unknown_model_three_times", &[], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("no price")).collect();
    assert_eq!(
        lines,
        [
            "last9-genai warning: no price for model \"llama3.1\": its spans carry no cost; add it to the pricing table"
        ]
    );
}

#[test]
#[ignore = "run as a child process by without_a_subscriber_the_warning_goes_to_stderr_once"]
fn child_prices_an_unknown_model_three_times() {
    let table = table();
    for _ in 0..3 {
        assert_eq!(table.cost("llama3.1", &TokenUsage::new(10, 10)), None);
    }
}

/// Regression: a JSON object naming a model twice used to keep the last
/// entry silently, so a table could lose a price without a word.
#[test]
fn a_model_priced_twice_is_an_error_naming_it() {
    let json = "{\n  \"gpt-4o\": {\"input\": 2.5, \"output\": 10.0},\n  \"o1\": {\"input\": 15.0, \"output\": 60.0},\n  \"gpt-4o\": {\"input\": 5.0, \"output\": 20.0}\n}";
    let err = PricingTable::from_json_str(json).unwrap_err();
    assert!(
        matches!(err, PricingError::Json { line: 4, ref message, .. } if message.starts_with("model \"gpt-4o\" is priced twice")),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("4:"),
        "the error points at the second entry: {err}"
    );
    let err = PricingTable::new([
        ("o1", ModelPricing::new(15.0, 60.0)),
        ("o1", ModelPricing::new(1.0, 1.0)),
    ])
    .unwrap_err();
    assert!(matches!(err, PricingError::DuplicateModel { ref model } if model == "o1"));
    assert_eq!(err.to_string(), "model \"o1\" is priced twice");
    // Distinct names that look alike are not duplicates.
    let table = PricingTable::from_json_str(
        r#"{"gpt-4o": {"input": 2.5, "output": 10.0}, "GPT-4o": {"input": 2.5, "output": 10.0}}"#,
    )
    .unwrap();
    assert_eq!(table.len(), 2);
}

/// The bundled table lies under the user's: the user's price wins for the
/// models it names (dated and prefixed forms included), every other model
/// is priced from the bundled table, and only those spans say so.
#[test]
fn bundled_prices_lie_under_the_users_own_and_say_so() {
    use common::{float, string};
    use last9_genai::Last9SpanProcessor;
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};

    let negotiated = PricingTable::new([("gpt-4o", ModelPricing::new(2.0, 8.0))]).unwrap();
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .pricing(negotiated)
                .bundled_prices(true)
                .wrap(SimpleSpanProcessor::new(spans.clone())),
        )
        .build();
    let tracer = provider.tracer("test");
    for model in [
        "gpt-4o-2024-08-06",
        "gemini-2.5-pro",
        "deepseek-chat",
        "llama-3-local",
    ] {
        let mut span = tracer.start(model);
        span.set_attributes([
            KeyValue::new("gen_ai.request.model", model),
            KeyValue::new("gen_ai.usage.input_tokens", 1_000_000),
            KeyValue::new("gen_ai.usage.output_tokens", 1_000_000),
        ]);
        span.end();
    }
    let spans = spans.get_finished_spans().unwrap();
    let got: Vec<(String, Option<f64>, Option<String>)> = spans
        .iter()
        .map(|s| {
            (
                s.name.to_string(),
                float(s, "gen_ai.usage.cost_usd"),
                string(s, "gen_ai.l9.cost.prices"),
            )
        })
        .collect();
    let bundled = Some(format!("bundled {}", last9_genai::BUNDLED_PRICES_DATE));
    let price = |model: &str| {
        let p = PricingTable::bundled().get(model).copied().unwrap();
        p.input() + p.output()
    };
    assert_eq!(
        got,
        [
            ("gpt-4o-2024-08-06".to_owned(), Some(10.0), None),
            (
                "gemini-2.5-pro".to_owned(),
                Some(price("gemini-2.5-pro")),
                bundled.clone()
            ),
            (
                "deepseek-chat".to_owned(),
                Some(price("deepseek-chat")),
                bundled
            ),
            ("llama-3-local".to_owned(), None, None),
        ]
    );
}

/// Without asking, nothing is priced from the bundled table.
#[test]
fn the_bundled_table_is_used_only_when_asked() {
    let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.0, 8.0))]).unwrap();
    assert!(table.get("gemini-2.5-pro").is_none());
    assert_eq!(table.len(), 1);
    let merged = table.with_bundled_prices();
    assert_eq!(
        merged.len(),
        PricingTable::bundled().len(),
        "gpt-4o is in both"
    );
    assert_eq!(merged.get("gpt-4o").unwrap().input(), 2.0);
}

/// A function's own prices, the bundled table under them.
fn own_and_bundled() -> PricingTable {
    PricingTable::new([("house-model", ModelPricing::new(1.0, 1.0))])
        .unwrap()
        .with_bundled_prices()
}

#[last9_genai::observe(pricing = own_and_bundled())]
fn ask_gemini() -> serde_json::Value {
    serde_json::json!({"modelVersion": "gemini-2.5-pro",
        "candidates": [{"content": {"parts": [{"text": "hi"}], "role": "model"}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 1000000, "candidatesTokenCount": 1000000}})
}

/// A call priced by its own prices' bundled table says so, as one the
/// processor prices does. (Regression: its span had the bundled cost and
/// no word of where it came from.)
#[test]
fn a_call_priced_by_its_own_bundled_table_says_so() {
    use common::{float, string};
    let (_turn, h) = common::observed();
    ask_gemini();
    let spans = h.spans();
    let span = spans.last().unwrap();
    let p = PricingTable::bundled()
        .get("gemini-2.5-pro")
        .copied()
        .unwrap();
    assert_eq!(
        float(span, "gen_ai.usage.cost_usd"),
        Some(p.input() + p.output())
    );
    assert_eq!(
        string(span, "gen_ai.l9.cost.prices"),
        Some(format!("bundled {}", last9_genai::BUNDLED_PRICES_DATE))
    );
}
