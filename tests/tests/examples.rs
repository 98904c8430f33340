//! Every example runs offline and prints what it should: the span tree, the
//! conversation ids, and the cost where pricing is given.

use std::process::Command;

/// Runs `cargo run -p examples --example name`; returns (stdout, stderr).
fn run(name: &str) -> (String, String) {
    let mut command = Command::new(env!("CARGO"));
    command.args(["run", "--quiet", "-p", "examples", "--example", name]);
    for key in [
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_TRACES_SAMPLER",
        last9_genai::PRICING_FILE_ENV,
    ] {
        command.env_remove(key);
    }
    let output = command.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(
        output.status.success(),
        "{name} failed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

fn assert_contains(text: &str, expected: &[&str]) {
    for line in expected {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

#[test]
fn every_example_runs_offline_and_prints_its_trace() {
    let (stdout, stderr) = run("quickstart");
    assert_contains(&stdout, &["answer: Paris is the capital of France."]);
    assert_contains(
        &stderr,
        &[
            "conversation session_123 · user user_456",
            "└─ rag_search  workflow rag_search · 2 LLM calls · 1 tool call · $0.018750",
            "   ├─ vector_search  tool",
            "   ├─ draft_answer  llm · gpt-4o · 1200→300 tokens · $0.006000",
            "   └─ review  llm · claude-sonnet-4-5 · 2000→450 tokens · $0.012750",
        ],
    );

    let (stdout, stderr) = run("openai_integration");
    assert_contains(
        &stdout,
        &["A: The capital of France is Paris.", "A: Your order #12345"],
    );
    assert_contains(
        &stderr,
        &[
            "conversation openai_session · user user_1",
            "└─ openai.chat  llm · gpt-4o-2024-08-06 · 912→16 tokens · $0.001800",
        ],
    );

    let (stdout, stderr) = run("anthropic_integration");
    assert_contains(&stdout, &["A: The capital of France is Paris."]);
    assert_contains(
        &stderr,
        &[
            "conversation anthropic_session · user user_2",
            "└─ anthropic.messages  llm · claude-sonnet-4-5 · 1208→8 tokens · $0.003744",
        ],
    );
}
