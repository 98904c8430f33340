//! The manual API on a span you make yourself: cost from your prices,
//! standard GenAI attributes, content events and prompt versioning.
//!
//! `cargo run -p examples --example basic_usage`

use last9_genai::{Last9GenAI, LlmCall, TokenUsage};
use opentelemetry::trace::{Span as _, Tracer as _};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    let l9 = Last9GenAI::new().pricing(examples::pricing());
    let tracer = opentelemetry::global::tracer("basic-usage");

    let mut span = tracer.start("chat gpt-4o");
    let usage = TokenUsage::new(1500, 250);
    l9.add_standard_llm_attributes(
        &mut span,
        &LlmCall::new("gpt-4o")
            .temperature(0.2)
            .response_id("chatcmpl-1")
            .finish_reasons(["stop"])
            .usage(usage),
    );
    l9.add_prompt_versioning(
        &mut span,
        "Summarize: {text}",
        Some("summarize"),
        Some("v3"),
    );
    l9.add_content_events(
        &mut span,
        Some("Summarize: the quarterly report"),
        Some("Revenue grew 12%."),
    );
    let cost = l9
        .add_llm_cost_attributes(&mut span, "gpt-4o", &usage)
        .expect("gpt-4o is priced");
    span.end();

    println!(
        "cost: input ${:.6}, output ${:.6}, total ${:.6}",
        cost.input_usd(),
        cost.output_usd(),
        cost.total_usd()
    );
    drop(telemetry);
    Ok(())
}
