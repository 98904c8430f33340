//! Quick start: a conversation with a workflow of LLM and tool calls, priced
//! from your own table, printed when the program ends.
//!
//! Run it with `cargo run -p examples --example quickstart`. It needs no
//! network: the "model calls" are spans made the way any OpenTelemetry GenAI
//! instrumentation makes them, with a model and token usage.

use last9_genai::{
    Last9SpanProcessor, ModelPricing, PricingTable, ScopeExt, conversation, workflow,
};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Your prices, in USD per million tokens.
    let pricing = PricingTable::new([
        ("gpt-4o", ModelPricing::new(2.50, 10.0)),
        ("claude-sonnet-4-5", ModelPricing::new(3.0, 15.0)),
    ])?;

    // 2. Wrap the processor that exports your spans.
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Last9SpanProcessor::builder()
                .pricing(pricing)
                .wrap(SimpleSpanProcessor::new(exporter.clone())),
        )
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());

    // 3. Open a conversation around the request, and a workflow around its steps.
    let answer = async {
        let wf = workflow("rag_search").workflow_type("retrieval").enter();
        tool_call("vector_search");
        llm_call("gpt-4o", 1200, 300);
        llm_call("claude-sonnet-4-5", 2000, 450);
        println!(
            "workflow so far: {} LLM calls, {} tool calls, ${:.6}",
            wf.llm_calls(),
            wf.tool_calls(),
            wf.total_cost_usd()
        );
        "Paris"
    }
    .with_scope(conversation("session_123").user_id("user_456"))
    .await;
    println!("answer: {answer}\n");

    provider.force_flush()?;
    for span in exporter.get_finished_spans()? {
        let attributes: Vec<String> = span
            .attributes
            .iter()
            .map(|kv| format!("{}={}", kv.key, kv.value))
            .collect();
        println!("{:<18} {}", span.name, attributes.join(" "));
    }
    provider.shutdown()?;
    Ok(())
}

/// A model call as any GenAI instrumentation records it.
fn llm_call(model: &'static str, input_tokens: i64, output_tokens: i64) {
    let tracer = opentelemetry::global::tracer("my-app");
    let mut span = tracer.start(format!("chat {model}"));
    span.set_attributes([
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.request.model", model),
        KeyValue::new("gen_ai.usage.input_tokens", input_tokens),
        KeyValue::new("gen_ai.usage.output_tokens", output_tokens),
    ]);
    span.end();
}

fn tool_call(name: &'static str) {
    let tracer = opentelemetry::global::tracer("my-app");
    let mut span = tracer.start(name);
    span.set_attribute(KeyValue::new("gen_ai.l9.span.kind", "tool"));
    span.end();
}
