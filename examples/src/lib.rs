//! Runnable examples of last9-genai: `cargo run -p examples --example NAME`.
