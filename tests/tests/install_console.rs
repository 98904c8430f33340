//! `install()` with no endpoint prints each trace as a tree. (Its own
//! binary: it installs the global provider.)

mod common;

use last9_genai::{Install, ModelPricing, PricingTable, ScopeExt, conversation, observe, workflow};
use serde_json::json;

#[observe(kind = "tool")]
fn vector_search(query: &str) -> Vec<String> {
    vec![format!("doc about {query}")]
}

#[observe]
fn chat(model: &str, input: u64, output: u64) -> serde_json::Value {
    json!({ "id": "chatcmpl-1", "model": model, "choices": [{ "message": { "content": "ok" }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": input, "completion_tokens": output } })
}

#[observe]
fn chat_json(response: serde_json::Value) -> serde_json::Value {
    response
}

#[observe]
async fn slow() {
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
}

#[observe]
fn fail() -> Result<(), String> {
    Err("boom\u{1b}[31m\u{7}".to_owned())
}

/// The metrics summary printed at shutdown, after the trees: one line per
/// model (calls, input, output, cost, p50, p95), names made printable.
fn summary_by_model(lines: &[&str], text: &str) {
    assert_eq!(lines[0], "GenAI calls by model", "{text}");
    let cells = |model: &str| -> Vec<String> {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(model))
            .unwrap_or_else(|| panic!("no line for {model}: {text}"));
        line.split_whitespace().map(str::to_owned).collect()
    };
    // chat and chat_json: the second's counts cannot be right and are not
    // counted, its call is.
    assert_eq!(
        cells("gpt-4o")[1..5],
        ["2", "1200", "300", "0.006000"],
        "{text}"
    );
    assert_eq!(
        cells("claude-sonnet-4-5")[1..5],
        ["1", "2000", "450", "0.012750"],
        "{text}"
    );
    assert_eq!(
        cells("llama-3")[1..5],
        ["1", "10", "5", "0.000000"],
        "{text}"
    );
    assert_eq!(
        cells("gpt\u{FFFD}]0;pwned\u{FFFD}")[1..4],
        ["1", "1", "1"],
        "{text}"
    );
    let p50 = &cells("gpt-4o")[5];
    assert!(
        p50.ends_with('s') && p50[..p50.len() - 1].parse::<f64>().is_ok(),
        "{text}"
    );
    assert_eq!(lines.len(), 6, "{text}");
}

#[tokio::test]
async fn each_trace_prints_as_an_indented_tree() {
    let out = common::Written::default();
    let guard = Install::default()
        .pricing(
            PricingTable::new([
                ("gpt-4o", ModelPricing::new(2.50, 10.0)),
                ("claude-sonnet-4-5", ModelPricing::new(3.0, 15.0)),
            ])
            .unwrap(),
        )
        .console_writer(out.clone())
        .install()
        .unwrap();
    async {
        let _wf = workflow("rag_search").workflow_type("retrieval").enter();
        vector_search("paris");
        chat("gpt-4o", 1200, 300);
        chat("claude-sonnet-4-5", 2000, 450);
    }
    .with_scope(conversation("session_123").user_id("user_456"))
    .await;
    // What needs the user's eye: no price, counts that cannot be right, a
    // cancelled call, and text that must not drive the terminal.
    chat("llama-3", 10, 5);
    chat_json(
        json!({"model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": -1, "completion_tokens": 5}}),
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(10), slow())
            .await
            .is_err()
    );
    fail().unwrap_err();
    chat("gpt\u{1b}]0;pwned\u{7}", 1, 1);
    drop(guard);
    let text = out.text();
    let all: Vec<&str> = text.lines().collect();
    assert_eq!(all.len(), 21, "15 lines of trees, 6 of summary: {text}");
    summary_by_model(&all[15..], &text);
    let roots: Vec<&str> = all[5..]
        .iter()
        .copied()
        .filter(|l| l.starts_with("└─ "))
        .collect();
    assert_eq!(roots.len(), 5, "{text}");
    assert!(
        roots[0].starts_with("└─ chat  llm · llama-3 · 10→5 tokens · no price  "),
        "{text}"
    );
    assert!(roots[0].ends_with(" ok"), "{text}");
    assert!(
        roots[1].starts_with("└─ chat_json  llm · gpt-4o · invalid token counts, no price  "),
        "{text}"
    );
    assert!(roots[2].starts_with("└─ slow  llm  "), "{text}");
    assert!(roots[2].ends_with(" cancelled"), "{text}");
    assert!(
        roots[3].ends_with(" error: boom\u{FFFD}[31m\u{FFFD}"),
        "{text}"
    );
    assert!(
        roots[4].starts_with("└─ chat  llm · gpt\u{FFFD}]0;pwned\u{FFFD} · 1→1 tokens · no price"),
        "{text}"
    );
    assert!(!text.contains('\u{7}'), "{text}");
    let lines = &all[..5];
    assert!(lines[0].starts_with("trace "), "{text}");
    assert!(
        lines[0].contains("conversation session_123 · user user_456"),
        "{text}"
    );
    assert!(
        lines[1].starts_with(
            "└─ rag_search  workflow rag_search · 2 LLM calls · 1 tool call · $0.018750"
        ),
        "{text}"
    );
    assert!(
        lines[2].starts_with("   ├─ vector_search  tool  "),
        "{text}"
    );
    assert!(
        lines[3].starts_with("   ├─ chat  llm · gpt-4o · 1200→300 tokens · $0.006000  "),
        "{text}"
    );
    assert!(
        lines[4].starts_with("   └─ chat  llm · claude-sonnet-4-5 · 2000→450 tokens · $0.012750  "),
        "{text}"
    );
    assert!(lines[1..].iter().all(|l| l.ends_with(" ok")), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colours off a terminal, no ESC from a span"
    );
}
