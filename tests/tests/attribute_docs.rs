//! docs/ATTRIBUTES.md matches the code, key by key: every key the crate
//! writes (a string constant of `last9_genai::attributes`) is documented, and
//! every key the document names is one the crate writes.
//!
//! Regression: the document promised `gen_ai.request.model` on observed
//! spans that never carried it, and listed `google` where `gcp.gemini` was
//! written.

mod constants;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn read(path: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The keys the crate writes: the string constants of `attributes.rs`, but
/// the values of the `span_kind`, `operation` and `token_type` modules.
fn code_keys() -> BTreeSet<String> {
    constants::constants().into_iter().map(|c| c.key).collect()
}

/// Values that look like keys: providers' names.
const VALUES: &[&str] = &["gcp.gemini", "aws.bedrock", "azure.ai.openai"];

/// The keys the document names: back-quoted words in its tables (but the
/// table of differences, which names the Python SDK's keys) that look like
/// attribute or event keys. A short form `.name` after `gen_ai.agent.id`
/// is `gen_ai.agent.name`; a pattern such as `metadata.{key}` or
/// `gen_ai.tool.call.*` gives its prefix.
fn documented_keys() -> BTreeSet<String> {
    let doc = read("../docs/ATTRIBUTES.md");
    let doc = doc
        .split("## Differences from the Python SDK")
        .next()
        .unwrap();
    let mut keys = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with('|')) {
        let mut rest = line;
        let mut last_full = String::new();
        while let Some(open) = rest.find('`') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('`') else { break };
            let word = &after[..close];
            rest = &after[close + 1..];
            let word = word.split(" = ").next().unwrap_or(word);
            let word = match word.strip_prefix('.') {
                Some(short) if !last_full.is_empty() => {
                    let base = last_full.rsplit_once('.').map_or("", |(b, _)| b);
                    format!("{base}.{short}")
                }
                Some(_) => continue,
                None => word.to_owned(),
            };
            let key = word.split(['{', '*']).next().unwrap_or(&word).to_owned();
            let looks_like_a_key = key.contains('.')
                && !key.contains(' ')
                && !key.starts_with(|c: char| c.is_ascii_digit())
                || ["tags", "latency_ms", "exception", "content", "completion"].contains(&&*key);
            if looks_like_a_key && !key.ends_with(".rs") && !VALUES.contains(&&*key) {
                last_full = word;
                keys.insert(key);
            }
        }
    }
    keys
}

#[test]
fn every_key_the_crate_writes_is_documented() {
    let documented = documented_keys();
    let missing: Vec<_> = code_keys()
        .into_iter()
        .filter(|key| {
            !documented.contains(key) && !documented.iter().any(|d| d.starts_with(key.as_str()))
        })
        .collect();
    assert!(missing.is_empty(), "not in docs/ATTRIBUTES.md: {missing:?}");
}

#[test]
fn every_key_the_document_names_is_written() {
    let code = code_keys();
    let unknown: Vec<_> = documented_keys()
        .into_iter()
        .filter(|key| {
            let known = code.contains(key)
                // `gen_ai.prompt.{i}.role`: an indexed key under a known one.
                || code.iter().any(|k| {
                    key.strip_prefix(k.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
                })
                // `metadata.{key}`: under a known prefix.
                || code.iter().any(|k| k.ends_with('.') && key.starts_with(k.as_str()))
                // `gen_ai.tool.call.*`: a family of known keys.
                || key.ends_with('.') && code.iter().any(|k| k.starts_with(key.as_str()));
            !known
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/ATTRIBUTES.md names keys the crate never writes: {unknown:?}"
    );
}
