//! Every example runs offline and prints what it should: the span tree, the
//! conversation ids, and the cost where pricing is given. One test per
//! example, so that a failure names it and the others still run; the lines
//! of each are checked in the order they are printed.

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
        last9_genai::BUNDLED_PRICES_ENV,
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

/// Each of `expected` is in `text`, in that order: the tree's lines after
/// their parents, siblings in the order they ran.
fn assert_in_order(text: &str, expected: &[&str]) {
    let mut from = 0;
    for line in expected {
        match text[from..].find(line) {
            Some(at) => from += at + line.len(),
            None => panic!("missing {line:?} (in this order) after byte {from} of:\n{text}"),
        }
    }
}

#[test]
fn quickstart() {
    let (stdout, stderr) = run("quickstart");
    assert_in_order(
        &stdout,
        &[
            "workflow so far: 2 LLM calls, 1 tool calls, $0.006255",
            "answer: The capital of France is Paris.",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "conversation session_123 · user user_456",
            "└─ rag_search  workflow rag_search · 2 LLM calls · 1 tool call · $0.006255",
            "   ├─ vector_search  tool",
            "   ├─ draft_answer  llm · gpt-4o-2024-08-06 · 932→16 tokens · $0.002490",
            "   └─ review  llm · claude-sonnet-4-5 · 1215→8 tokens · $0.003765",
        ],
    );
}

#[test]
fn openai_integration() {
    let (stdout, stderr) = run("openai_integration");
    assert_in_order(
        &stdout,
        &["A: The capital of France is Paris.", "A: Your order #12345"],
    );
    assert_in_order(
        &stderr,
        &[
            "conversation openai_session · user user_1",
            "└─ openai.chat  llm · gpt-4o-2024-08-06 · 912→16 tokens · $0.001800",
        ],
    );
}

#[test]
fn streaming_chat() {
    let (stdout, stderr) = run("streaming_chat");
    assert_in_order(
        &stdout,
        &[
            "A: The capital of France is Paris.",
            "stopped reading after three chunks",
            "read 13 pieces of server-sent events",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "conversation streaming_session · user user_1",
            "└─ openai.chat.stream  llm · gpt-4o-2024-08-06 · 908→8 tokens · $0.001710 · first chunk ",
            "ms ok",
            "conversation streaming_session · user user_1",
            "└─ openai.chat.stream  llm · gpt-4o-2024-08-06 · first chunk ",
            "ms cancelled",
            "└─ anthropic.messages.stream  llm · claude-sonnet-4-5 · 1208→8 tokens · $0.003744 · first chunk ",
            "ms ok",
        ],
    );
}

#[test]
fn anthropic_integration() {
    let (stdout, stderr) = run("anthropic_integration");
    assert_in_order(&stdout, &["A: The capital of France is Paris."]);
    assert_in_order(
        &stderr,
        &[
            "conversation anthropic_session · user user_2",
            "└─ anthropic.messages  llm · claude-sonnet-4-5 · 1208→8 tokens · $0.003744",
        ],
    );
}

#[test]
fn ollama_local() {
    let (stdout, stderr) = run("ollama_local");
    assert_in_order(
        &stdout,
        &[
            "embedded 1 text in 3 dimensions",
            "A: The capital of France is Paris.",
            "streamed: It is 18°C and sunny in Paris.",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "└─ local_rag  workflow local_rag · 3 LLM calls · 0 tool calls · $0.000000",
            "├─ ollama.embed  embedding · all-minilm · 8→0 tokens · $0.000000",
            "├─ ollama.chat  llm · llama3.2 · 28→8 tokens · $0.000000",
            "└─ ollama.chat.stream  llm · llama3.2 · 28→8 tokens · $0.000000 · first chunk",
        ],
    );
}

#[test]
fn bedrock_converse() {
    let (stdout, stderr) = run("bedrock_converse");
    assert_in_order(
        &stdout,
        &[
            "A: The capital of France is Paris.",
            "Q: And the capital of Italy?",
            "(streamed ",
        ],
    );
    // 20 × $3 + 1024 cache reads × $0.30 + 8 × $15 per million: $0.000487;
    // the stream's 19 × $3 + 1024 × $0.30 + 18 × $15: $0.000634, from its
    // last event.
    assert_in_order(
        &stderr,
        &[
            "conversation bedrock_session · user user_3",
            "└─ bedrock.converse  llm · us.anthropic.claude-sonnet-4-5-20250929-v1:0 · 1044→8 tokens · $0.000487",
            "└─ bedrock.converse_stream  llm · us.anthropic.claude-sonnet-4-5-20250929-v1:0 · 1043→18 tokens · $0.000634 · first chunk",
        ],
    );
}

#[test]
fn basic_usage() {
    let (stdout, stderr) = run("basic_usage");
    assert_in_order(
        &stdout,
        &["cost: input $0.003750, output $0.002500, total $0.006250"],
    );
    assert_in_order(
        &stderr,
        &["└─ chat gpt-4o  gpt-4o · 1500→250 tokens · $0.006250"],
    );
}

#[test]
fn context_tracking() {
    let (_, stderr) = run("context_tracking");
    assert_in_order(
        &stderr,
        &[
            "conversation user_session_789 · user user_789",
            "└─ product_search  workflow product_search · 0 LLM calls · 0 tool calls",
            "   ├─ search_products",
            "└─ handle_followup",
            "└─ outside",
        ],
    );
}

#[test]
fn decorator_tracking() {
    let (stdout, stderr) = run("decorator_tracking");
    assert_in_order(
        &stdout,
        &[
            "A-1: 3 in stock, 2 reviews",
            "error, returned unchanged: lookup failed: unknown sku Z-9",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "└─ product_summary  chain",
            "   ├─ lookup  tool",
            "   └─ fetch_reviews  tool",
            "└─ product_summary  chain  ",
            "error: lookup failed: unknown sku Z-9",
        ],
    );
}

#[test]
fn conversation_tracking() {
    let (stdout, stderr) = run("conversation_tracking");
    assert_in_order(&stdout, &["turn 1: ", "turn 2: Your order #12345"]);
    assert_in_order(
        &stderr,
        &[
            "conversation support_session_456 · user user_456",
            "└─ support.turn  llm · gpt-4o-2024-08-06",
        ],
    );
}

#[test]
fn agent_budget() {
    let (stdout, stderr) = run("agent_budget");
    assert_in_order(
        &stdout,
        &[
            "stopped after 6 steps: the budget of workflow \"research_agent\" is spent: 0.01146 of 0.01 usd",
            "spent $0.011460 of $0.01 in 6 model calls",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "workflow \"research_agent\" reached the warning threshold of its budget: 0.00955 of 0.01 usd spent",
            "workflow \"research_agent\" spent its budget: 0.01146 of 0.01 usd",
            "└─ research_agent  workflow research_agent · 6 LLM calls · 0 tool calls · $0.011460 · OVER BUDGET (budget $0.010000)",
            "   ├─ next_step  llm · gpt-4o-2024-08-06 · 912→27 tokens · $0.001910",
        ],
    );
}

#[test]
fn agent_tracking() {
    let (_, stderr) = run("agent_tracking");
    assert_in_order(
        &stderr,
        &[
            "└─ trip_planning  workflow trip_planning · 1 LLM call · 2 tool calls · $0.000155",
            "   └─ trip_planner  agent",
            "      ├─ plan  llm · gpt-4o-mini-2024-08-06 · 915→30 tokens · $0.000155",
            "      └─ get_weather  tool",
        ],
    );
}

#[test]
fn tool_integration() {
    let (stdout, stderr) = run("tool_integration");
    assert_in_order(&stdout, &["the model asked for 1 tool call(s)"]);
    assert_in_order(
        &stderr,
        &[
            "└─ weather_answer  workflow weather_answer · 1 LLM call · 2 tool calls",
            "   └─ gen_ai.tool.search  tool",
        ],
    );
}

#[test]
fn web_app() {
    let (stdout, stderr) = run("web_app");
    assert_in_order(
        &stdout,
        &[
            "web_session_1: \"You asked: Hello!",
            "web_session_2: \"Your order #12345",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "conversation web_session_1 · user web_user",
            "└─ POST /chat  chain",
            "   └─ answer  llm · gpt-4o-mini-2024-08-06 · 906→22 tokens · $0.000149",
            "conversation web_session_2 · user web_user",
            "└─ POST /chat  chain",
            "   └─ answer  llm · gpt-4o-mini-2024-08-06 · 909→23 tokens · $0.000150",
        ],
    );
}

#[test]
fn send_to_last9() {
    let (stdout, stderr) = run("send_to_last9");
    assert_in_order(
        &stdout,
        &[
            "OTEL_EXPORTER_OTLP_ENDPOINT is not set",
            "Your order #12345",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "conversation last9_demo · user user_1",
            "└─ handle  llm · gpt-4o-2024-08-06 · 909→23 tokens · $0.001862",
        ],
    );
}

#[test]
fn framework_integration() {
    let (stdout, stderr) = run("framework_integration");
    assert_in_order(&stdout, &["answer: It is 18°C and sunny in Paris."]);
    assert_in_order(
        &stderr,
        &[
            "conversation rig_session · user user_3",
            "└─ weather_agent  workflow weather_agent · 2 LLM calls · 1 tool call · $0.004000",
            "   └─ weather_request",
            "      ├─ chat  gpt-4o-2024-08-06 · 937→39 tokens · $0.002092",
            "      ├─ execute_tool",
            "      └─ chat  gpt-4o-2024-08-06 · 955→16 tokens · $0.001908",
        ],
    );
}

/// One tree across two processes: the server's spans, exported by the
/// child over OTLP, under the client's; the tool's model call priced there.
#[test]
fn mcp_tools() {
    let (stdout, stderr) = run("mcp_tools");
    assert_in_order(
        &stdout,
        &[
            r#"the model asked for get_weather({"city":"Paris"})"#,
            "the tool said: It is 18°C and sunny in Paris.",
            "answer: It is 18°C and sunny in Paris.",
        ],
    );
    assert_in_order(
        &stderr,
        &[
            "conversation mcp_session · user user_1",
            "└─ weather_answer  workflow weather_answer · 2 LLM calls · 1 tool call · $0.003860",
            "   └─ weather_agent  agent",
            "      ├─ tools/list  mcp client",
            "      │  └─ tools/list  mcp server",
            "      ├─ choose_tool  llm · gpt-4o-2024-08-06 · 912→39 tokens · $0.002030",
            "      ├─ tools/call get_weather  tool · mcp client",
            "      │  └─ tools/call get_weather  tool · mcp server",
            "      │     └─ forecast  llm · gpt-4o-mini-2024-08-06 · 913→16 tokens · $0.000147",
            "      └─ reply  llm · gpt-4o-2024-08-06 · 924→16 tokens · $0.001830",
        ],
    );
}
