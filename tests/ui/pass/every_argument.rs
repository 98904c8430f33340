#![deny(warnings)]
use std::sync::LazyLock;

use last9_genai::{ModelPricing, PricingTable, observe};

static PRICING: LazyLock<PricingTable> =
    LazyLock::new(|| PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))]).unwrap());

#[observe(
    name = "support",
    kind = "tool",
    tags = ["production", "support"],
    metadata = { "category": "customer_support", "version": 2, "ratio": 0.5, "beta": true,
                 "limits": { "rpm": 60, "models": ["gpt-4o"] } },
    pricing = PRICING,
    capture_input = true,
    capture_output = false,
    capture_limit = 1024,
    skip(client),
    redact(email),
    redaction = false,
    model = "gpt-4o",
    provider = "openai",
    crate = last9_genai,
)]
fn handle(client: &str, email: &str, query: &str) -> String {
    format!("{client}{email}{query}")
}

#[observe(as_type = "retriever", skip_all, pricing = PricingTable::new([("m", ModelPricing::new(1.0, 1.0))]))]
fn retrieve(a: u8) -> u8 {
    a
}

fn main() {
    handle("c", "e", "q");
    retrieve(1);
}
