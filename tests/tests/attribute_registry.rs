//! The registry (`registry/`, weaver's format, on the conventions v1.41)
//! holds the same keys as the code: every key, event and metric
//! `last9_genai::attributes` names is declared there (Last9's own, the
//! Python SDK's, another convention's) or brought in from the conventions,
//! and everything declared there is a key the crate writes. With
//! `attribute_docs.rs` (code and docs/ATTRIBUTES.md), a key cannot be added
//! in one place only. The types agree with the code's, each key says where
//! it comes from, and a key that no convention defines and the Python SDK
//! does not write is under Last9's namespace, `gen_ai.l9.`.
//!
//! That the registry resolves against the conventions, and that what the
//! crate exports matches it, is weaver's to say (`scripts/live-check.sh`).

mod constants;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use constants::constants;
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One attribute the registry defines.
#[derive(Debug)]
struct Defined {
    kind: String,
    origin: Option<String>,
    renamed_to: Option<String>,
}

/// What the registry's files say.
#[derive(Debug, Default)]
struct Registry {
    defined: BTreeMap<String, Defined>,
    /// Keys of the conventions it refers to.
    refs: BTreeSet<String>,
    events: BTreeSet<String>,
    metrics: BTreeSet<String>,
}

fn text(yaml: &Yaml) -> Option<String> {
    yaml.as_str().map(str::to_owned)
}

/// An attribute's type as one word: `string`, `int`, `double`, `boolean`,
/// `string[]`, `enum` (members), `template[...]`.
fn kind(yaml: &Yaml) -> String {
    match yaml {
        Yaml::String(kind) => kind.clone(),
        Yaml::Hash(_) if !yaml["members"].is_badvalue() => "enum".to_owned(),
        other => panic!("a type weaver does not have: {other:?}"),
    }
}

fn registry() -> Registry {
    let mut registry = Registry::default();
    let mut files: Vec<PathBuf> = fs::read_dir(root().join("registry"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .filter(|path| !path.ends_with("manifest.yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let docs = YamlLoader::load_from_str(&fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let doc = &docs[0];
        for group in doc["groups"].as_vec().into_iter().flatten() {
            match group["type"].as_str() {
                Some("event") => {
                    registry.events.insert(text(&group["name"]).unwrap());
                }
                Some("metric") => {
                    registry
                        .metrics
                        .insert(text(&group["metric_name"]).unwrap());
                }
                _ => {}
            }
            for attribute in group["attributes"].as_vec().into_iter().flatten() {
                if let Some(key) = text(&attribute["ref"]) {
                    registry.refs.insert(key);
                    continue;
                }
                let key = text(&attribute["id"]).expect("an attribute has an id or a ref");
                let defined = Defined {
                    kind: kind(&attribute["type"]),
                    origin: text(&attribute["annotations"]["last9"]["origin"]),
                    renamed_to: text(&attribute["deprecated"]["renamed_to"]),
                };
                let file = file.display();
                assert!(
                    registry.defined.insert(key.clone(), defined).is_none(),
                    "{key} defined twice ({file})"
                );
            }
        }
        for imported in ["events", "metrics"] {
            for name in doc["imports"][imported].as_vec().into_iter().flatten() {
                let name = text(name).unwrap();
                match imported {
                    "events" => registry.events.insert(name),
                    _ => registry.metrics.insert(name),
                };
            }
        }
    }
    registry
}

/// A key as the code names it: a template's prefix ends with a dot.
fn code_name(key: &str, defined: &Defined) -> String {
    if defined.kind.starts_with("template[") {
        format!("{key}.")
    } else {
        key.to_owned()
    }
}

#[test]
fn the_registry_and_the_code_name_the_same_keys() {
    let registry = registry();
    let in_code: BTreeSet<String> = constants().into_iter().map(|c| c.key).collect();
    let mut in_registry: BTreeSet<String> = registry
        .defined
        .iter()
        .map(|(key, defined)| code_name(key, defined))
        .collect();
    in_registry.extend(registry.events.iter().cloned());
    in_registry.extend(registry.metrics.iter().cloned());
    in_registry.extend(
        registry
            .refs
            .iter()
            // The resource's keys come with the SDK, not from this crate.
            .filter(|key| !key.starts_with("service.") && !key.starts_with("telemetry.sdk."))
            .cloned(),
    );
    let missing: Vec<_> = in_code.difference(&in_registry).collect();
    let extra: Vec<_> = in_registry.difference(&in_code).collect();
    assert!(
        missing.is_empty(),
        "keys of attributes.rs the registry neither defines nor refers to: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "keys of the registry attributes.rs does not name: {extra:?}"
    );
}

#[test]
fn each_key_has_the_type_the_code_writes() {
    let registry = registry();
    let mut checked = 0;
    for constant in constants() {
        let (Some(kind), Some(defined)) = (constant.kind, registry.defined.get(&constant.key))
        else {
            continue;
        };
        let registered = match defined.kind.as_str() {
            "enum" => "string",
            other => other,
        };
        assert_eq!(registered, kind, "{}", constant.key);
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} types compared");
}

#[test]
fn each_key_says_where_it_comes_from_and_ours_are_under_our_namespace() {
    const ORIGINS: [&str; 5] = [
        "last9",
        "python_sdk",
        "langfuse",
        "openinference",
        "genai_latest",
    ];
    let registry = registry();
    let mut ours = 0;
    for (key, defined) in &registry.defined {
        let origin = defined.origin.as_deref();
        assert!(
            origin.is_some_and(|o| ORIGINS.contains(&o)),
            "{key}: origin {origin:?}"
        );
        // A key of Last9's own is under `gen_ai.l9.`, but a previous name
        // kept for one release.
        if origin == Some("last9") && defined.renamed_to.is_none() {
            assert!(
                key.starts_with("gen_ai.l9."),
                "{key} is not under gen_ai.l9."
            );
            ours += 1;
        }
    }
    assert!(ours >= 18, "{ours}");
}

/// Each previous name is declared renamed to the key that replaced it, as
/// `attributes::previous` maps them, so that weaver says which to read.
#[test]
fn each_previous_name_is_declared_renamed_to_its_new_key() {
    use last9_genai::attributes::{self as a, previous as p};
    let registry = registry();
    let renamed: BTreeMap<&str, &str> = registry
        .defined
        .iter()
        .filter_map(|(key, d)| Some((key.as_str(), d.renamed_to.as_deref()?)))
        .collect();
    let expected: BTreeMap<&str, &str> = [
        (p::WORKFLOW_RUN_ID, a::WORKFLOW_RUN_ID),
        (
            p::WORKFLOW_TOTAL_COST_MICRO_USD,
            a::WORKFLOW_TOTAL_COST_MICRO_USD,
        ),
        (p::WORKFLOW_BUDGET_USD, a::WORKFLOW_BUDGET_USD),
        (p::WORKFLOW_BUDGET_TOKENS, a::WORKFLOW_BUDGET_TOKENS),
        (p::WORKFLOW_TOTAL_TOKENS, a::WORKFLOW_TOTAL_TOKENS),
        (p::WORKFLOW_OVER_BUDGET, a::WORKFLOW_OVER_BUDGET),
    ]
    .into();
    assert_eq!(renamed, expected);
}
