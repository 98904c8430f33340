//! The keys `last9_genai::attributes` names, read from its source with the
//! type each one's doc comment gives: what `attribute_docs.rs` and
//! `attribute_registry.rs` hold the document and the registry to.

#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::path::Path;

/// One constant of `attributes.rs`: its key and the type its doc comment
/// names, when it names one (`(int)`, `(string, 16 hex digits)`, ...).
#[derive(Debug)]
pub struct Constant {
    /// The key (a prefix such as `function.arg.` ends with a dot).
    pub key: String,
    /// The type, in the registry's words (`double` for `float`).
    pub kind: Option<&'static str>,
}

/// The constants of `attributes.rs`, but the values of the modules that
/// hold values, not keys (`span_kind`, `operation`, `token_type`,
/// `error_type`).
pub fn constants() -> Vec<Constant> {
    let source = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../last9-genai/src/attributes.rs"),
    )
    .unwrap();
    let mut constants = Vec::new();
    let mut doc = String::new();
    let mut in_values = false;
    for line in source.lines().map(str::trim) {
        if let Some(comment) = line.strip_prefix("///") {
            doc.push_str(comment);
            doc.push(' ');
            continue;
        }
        if [
            "pub mod span_kind",
            "pub mod operation",
            "pub mod token_type",
            "pub mod error_type",
        ]
        .iter()
        .any(|m| line.starts_with(m))
        {
            in_values = true;
        } else if in_values && line == "}" {
            in_values = false;
        } else if !in_values
            && line.starts_with("pub const ")
            && let Some((_, value)) = line.split_once("= \"")
        {
            constants.push(Constant {
                key: value.trim_end_matches("\";").to_owned(),
                kind: named_type(&doc),
            });
        }
        doc.clear();
    }
    for prefix in ["function.arg.", "metadata."] {
        constants.push(Constant {
            key: prefix.to_owned(),
            kind: None,
        });
    }
    constants
}

/// The type a doc comment names in parentheses, in the registry's words.
fn named_type(doc: &str) -> Option<&'static str> {
    let mut rest = doc;
    while let Some(open) = rest.find('(') {
        let inside = &rest[open + 1..];
        let close = inside.find(')')?;
        let words = inside[..close].split(',').next().unwrap_or("").trim();
        let kind = match words {
            "string" => Some("string"),
            "int" => Some("int"),
            "float" => Some("double"),
            "bool" => Some("boolean"),
            "string array" => Some("string[]"),
            _ => None,
        };
        if kind.is_some() {
            return kind;
        }
        rest = &inside[close..];
    }
    None
}
