//! The `#[observe]` attribute macro of [`last9-genai`](https://docs.rs/last9-genai).
//!
//! This crate holds only the code generation; depend on `last9-genai`, which
//! re-exports the macro and provides everything the generated code calls.
//! The macro itself is being built (see the changelog); until then this crate
//! exports nothing.
