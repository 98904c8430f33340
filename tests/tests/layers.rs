//! The runtime's modules form layers: each top-level module imports only
//! modules of the layers below it, so there is no cycle between them. This
//! test reads the sources of `last9-genai/src` and fails on an import that
//! goes sideways or up, on a module missing from the table, and on code that
//! reaches an item through the crate root instead of its module.
//! The table of layers is the one docs/ARCHITECTURE.md draws, so the two
//! cannot drift apart.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom up, as docs/ARCHITECTURE.md draws them: rows
/// `| N | `module` | ...`.
fn layers() -> Vec<(usize, String)> {
    let doc =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ARCHITECTURE.md"))
            .unwrap();
    doc.lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let layer = cells.next()?.parse().ok()?;
            let module = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            Some((layer, module.to_owned()))
        })
        .collect()
}

fn layer_of(layers: &[(usize, String)], module: &str) -> Option<usize> {
    layers
        .iter()
        .find(|(_, m)| m == module)
        .map(|(layer, _)| *layer)
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../last9-genai/src")
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`None` for `lib.rs`).
fn module_of(path: &Path) -> Option<String> {
    let relative = path.strip_prefix(src()).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// The names that code (not comments) reaches through `crate::`:
/// `crate::a::b` gives `a`, `crate::{a, b::c}` gives `a` and `b`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            // `$crate::` in a macro is the same crate seen from outside.
            let before = &rest[..at];
            rest = &rest[at + "crate::".len()..];
            if before.ends_with('$') || before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let head = item.trim().split("::").next().unwrap_or("").trim();
                    if !head.is_empty() {
                        names.push(head.to_owned());
                    }
                }
            } else {
                let head: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.push(head);
            }
        }
    }
    names
}

/// Top-level module → the top-level modules it imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let code = fs::read_to_string(&file).unwrap();
        let edges = graph.entry(module.clone()).or_default();
        for name in crate_paths(&code) {
            if name != module {
                edges.insert(name);
            }
        }
    }
    graph
}

#[test]
fn every_module_is_in_a_layer_and_imports_only_layers_below_it() {
    let graph = imports();
    let layers = layers();
    assert!(graph.len() >= 15, "found only {:?}", graph.keys());
    assert!(layers.len() >= 15, "ARCHITECTURE.md lists only {layers:?}");
    for (_, module) in &layers {
        assert!(
            graph.contains_key(module),
            "ARCHITECTURE.md lists `{module}`, which is not a module"
        );
    }
    let mut wrong = Vec::new();
    for (module, edges) in &graph {
        let Some(layer) = layer_of(&layers, module) else {
            wrong.push(format!(
                "`{module}` is in no layer: add it to the table of docs/ARCHITECTURE.md"
            ));
            continue;
        };
        for target in edges {
            match layer_of(&layers, target) {
                None => wrong.push(format!(
                    "`{module}` reaches `crate::{target}`, which is not a module: import it from its module"
                )),
                Some(below) if below >= layer => wrong.push(format!(
                    "`{module}` (layer {layer}) imports `{target}` (layer {below})"
                )),
                Some(_) => {}
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn there_is_no_cycle_between_top_level_modules() {
    // Independent of the table: a depth-first search for a back edge.
    let graph = imports();
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[at..].iter().map(|n| n.to_string()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let cycle = visit(node, &graph, &mut Vec::new(), &mut done);
        assert_eq!(cycle, None, "a cycle between modules");
    }
}

#[test]
fn the_reader_finds_imports_in_every_form() {
    let code = "use crate::cost::{A, B};\nuse crate::{text, record::x};\n// crate::console in a comment\nlet t = crate::pipeline::epoch();\n$crate::observe::x";
    assert_eq!(
        crate_paths(code),
        ["cost", "text", "record", "pipeline"].map(String::from)
    );
}
