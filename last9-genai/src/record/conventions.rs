//! Which edition of the GenAI conventions spans are written in: v1.41, the
//! baseline, or the latest experimental names when the user opts in with
//! `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`.
//!
//! `gen_ai.system`, which the conventions deprecated for
//! `gen_ai.provider.name`, is written only in the Python SDK's content
//! layout, whose dashboards read it, and never opted in. Opted in, the
//! renamed keys are written under their new names
//! (`gen_ai.usage.cache_write.input_tokens` for
//! `gen_ai.usage.cache_creation.input_tokens`). The keys the Last9
//! dashboards read are written either way.

use std::sync::OnceLock;

use opentelemetry::{KeyValue, StringValue};

use crate::attributes as attr;
use crate::settings::content_layout;

/// The variable the conventions define for opting in to their latest names.
///
/// ```
/// assert_eq!(last9_genai::STABILITY_OPT_IN_ENV, "OTEL_SEMCONV_STABILITY_OPT_IN");
/// ```
pub const STABILITY_OPT_IN_ENV: &str = "OTEL_SEMCONV_STABILITY_OPT_IN";

/// The value of [`STABILITY_OPT_IN_ENV`] that opts in to the latest GenAI
/// names (one of a comma-separated list).
///
/// ```
/// // OTEL_SEMCONV_STABILITY_OPT_IN=http,gen_ai_latest_experimental
/// assert_eq!(last9_genai::GENAI_LATEST_EXPERIMENTAL, "gen_ai_latest_experimental");
/// ```
pub const GENAI_LATEST_EXPERIMENTAL: &str = "gen_ai_latest_experimental";

/// Whether the latest experimental names are wanted, read once.
pub(crate) fn latest() -> bool {
    static LATEST: OnceLock<bool> = OnceLock::new();
    *LATEST.get_or_init(|| std::env::var(STABILITY_OPT_IN_ENV).is_ok_and(|value| opted_in(&value)))
}

fn opted_in(value: &str) -> bool {
    value
        .split(',')
        .any(|entry| entry.trim() == GENAI_LATEST_EXPERIMENTAL)
}

/// `gen_ai.provider.name`, and `gen_ai.system` beside it for the Python
/// SDK's dashboards in its layout (`python`, `both`), unless the latest
/// names are wanted: the conventions deprecated it.
pub(crate) fn provider_attributes(provider: impl Into<StringValue>) -> Vec<KeyValue> {
    let provider = provider.into();
    let mut attributes = Vec::with_capacity(2);
    if !latest() && content_layout().python() {
        attributes.push(KeyValue::new(attr::SYSTEM, provider.clone()));
    }
    attributes.push(KeyValue::new(attr::PROVIDER_NAME, provider));
    attributes
}

/// The key of tokens written to the provider's prompt cache.
pub(crate) fn cache_creation_key() -> &'static str {
    if latest() {
        attr::USAGE_CACHE_WRITE_INPUT_TOKENS
    } else {
        attr::USAGE_CACHE_CREATION_INPUT_TOKENS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opt_in_is_one_entry_of_a_list() {
        assert!(opted_in("gen_ai_latest_experimental"));
        assert!(opted_in("http, gen_ai_latest_experimental"));
        assert!(!opted_in("http"));
        assert!(!opted_in("gen_ai_latest"));
        assert!(!opted_in(""));
    }
}
