//! `#[observe]` on sync and async functions, nested, with errors.
//!
//! `cargo run -p examples --example decorator_tracking`

use last9_genai::observe;

#[derive(Debug)]
struct LookupError(String);

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lookup failed: {}", self.0)
    }
}

impl std::error::Error for LookupError {}

#[observe(kind = "tool")]
fn lookup(sku: &str) -> Result<u32, LookupError> {
    match sku {
        "A-1" => Ok(3),
        other => Err(LookupError(format!("unknown sku {other}"))),
    }
}

#[observe(kind = "tool")]
async fn fetch_reviews(sku: &str) -> Vec<String> {
    tokio::task::yield_now().await;
    vec![format!("{sku}: great"), format!("{sku}: fine")]
}

#[observe(kind = "chain", name = "product_summary")]
async fn summarize(sku: &str) -> Result<String, LookupError> {
    let stock = lookup(sku)?;
    let reviews = fetch_reviews(sku).await;
    Ok(format!(
        "{sku}: {stock} in stock, {} reviews",
        reviews.len()
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    println!("{}", summarize("A-1").await?);
    if let Err(err) = summarize("Z-9").await {
        println!("error, returned unchanged: {err}");
    }
    drop(telemetry);
    Ok(())
}
