//! What `#[observe]` captures of arguments and output, and what it leaves out.

#![allow(clippy::await_holding_lock)]

mod common;

use common::{attr, float, int, string};
use last9_genai::{TRUNCATION_MARKER, observe};
use opentelemetry::Value;
use serde::Serialize;

fn event(span: &opentelemetry_sdk::trace::SpanData, name: &str) -> Option<String> {
    span.events
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.attributes[0].value.to_string())
}

#[derive(Serialize)]
struct Query {
    text: String,
    top_k: u32,
}

#[derive(Debug)]
struct DebugOnly {
    #[allow(dead_code)]
    id: u8,
}

struct Opaque;

#[observe]
#[allow(clippy::too_many_arguments)]
fn typed(
    count: u64,
    ratio: f32,
    flag: bool,
    letter: char,
    owned: String,
    query: Query,
    dbg: DebugOnly,
    opaque: Opaque,
) {
    let _ = (count, ratio, flag, letter, owned, query, dbg, opaque);
}

#[test]
fn each_argument_in_the_best_form_its_type_allows() {
    common::python_layout();
    let (_turn, h) = common::observed();
    typed(
        7,
        0.5,
        true,
        'x',
        "own".into(),
        Query {
            text: "rust".into(),
            top_k: 3,
        },
        DebugOnly { id: 9 },
        Opaque,
    );
    let s = h.span("typed");
    assert_eq!(int(&s, "function.arg.count"), Some(7));
    assert_eq!(float(&s, "function.arg.ratio"), Some(0.5));
    assert_eq!(attr(&s, "function.arg.flag"), Some(Value::Bool(true)));
    assert_eq!(string(&s, "function.arg.letter").as_deref(), Some("x"));
    assert_eq!(string(&s, "function.arg.owned").as_deref(), Some("own"));
    assert_eq!(
        string(&s, "function.arg.query").as_deref(),
        Some(r#"{"text":"rust","top_k":3}"#)
    );
    assert_eq!(
        string(&s, "function.arg.dbg").as_deref(),
        Some("DebugOnly { id: 9 }")
    );
    assert!(string(&s, "function.arg.opaque").is_some_and(|t| t.ends_with("Opaque")));
}

#[derive(Serialize)]
struct Message {
    role: &'static str,
    content: &'static str,
}

#[observe]
fn chat(messages: Vec<Message>, max_tokens: u32) -> String {
    let _ = (messages, max_tokens);
    "ok".into()
}

#[observe]
fn pairs(a: i32, b: bool) -> i32 {
    let _ = b;
    a
}

#[test]
fn the_prompt_is_chat_lines_or_name_value_pairs() {
    common::python_layout();
    let (_turn, h) = common::observed();
    chat(
        vec![
            Message {
                role: "system",
                content: "be brief",
            },
            Message {
                role: "user",
                content: "hi",
            },
        ],
        64,
    );
    pairs(3, false);
    assert_eq!(
        event(&h.span("chat"), "gen_ai.content.prompt").as_deref(),
        Some("system: be brief\nuser: hi")
    );
    assert_eq!(
        event(&h.span("pairs"), "gen_ai.content.prompt").as_deref(),
        Some("a=3, b=false")
    );
    assert_eq!(
        event(&h.span("pairs"), "gen_ai.content.completion").as_deref(),
        Some("3")
    );
}

#[observe(kind = "chain")]
fn recall(history: serde_json::Value) -> usize {
    history.as_array().map_or(0, Vec::len)
}

/// Outside a model call, a JSON array of chat messages is written as chat
/// lines; any other JSON array (records) stays the JSON it was captured as.
#[test]
fn a_json_array_is_chat_lines_only_when_it_holds_messages() {
    common::python_layout();
    let (_turn, h) = common::observed();
    recall(serde_json::json!([
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"}
    ]));
    recall(serde_json::json!([{"id": 1, "title": "role"}, {"id": 2}]));
    let spans: Vec<_> = h
        .spans()
        .into_iter()
        .filter(|s| s.name == "recall")
        .collect();
    assert_eq!(spans.len(), 2);
    assert_eq!(
        event(&spans[0], "gen_ai.content.prompt").as_deref(),
        Some("user: hi\nassistant: hello")
    );
    assert_eq!(
        event(&spans[1], "gen_ai.content.prompt").as_deref(),
        Some(r#"[{"id":1,"title":"role"},{"id":2}]"#)
    );
}

#[observe]
fn big(text: String) -> usize {
    text.len()
}

#[observe(capture_limit = 10)]
fn small_limit(text: &str, items: Vec<u32>) -> usize {
    text.len() + items.len()
}

#[test]
fn values_are_cut_at_the_limit_on_character_boundaries() {
    common::python_layout();
    let (_turn, h) = common::observed();
    big("é".repeat(1 << 20)); // 2 MiB
    let captured = string(&h.span("big"), "function.arg.text").unwrap();
    assert!(captured.ends_with(TRUNCATION_MARKER));
    assert_eq!(captured.len(), 4096 + TRUNCATION_MARKER.len());
    small_limit("ééééééé", vec![1, 2, 3, 4, 5, 6, 7]);
    let s = h.span("small_limit");
    assert_eq!(
        string(&s, "function.arg.text"),
        Some(format!("ééééé{TRUNCATION_MARKER}"))
    );
    assert_eq!(
        string(&s, "function.arg.items"),
        Some(format!("[1,2,3,4,5{TRUNCATION_MARKER}"))
    );
}

#[observe(capture_limit = 10)]
fn two_texts(a: &str, b: &str) -> String {
    format!("{a}{b}")
}

/// Regression: the prompt and completion events could stop being cut and
/// no test noticed. The exact cut prefix, on a character boundary, then
/// the marker, for a multi-argument prompt and a long return value.
#[test]
fn prompt_and_completion_events_are_cut_exactly() {
    common::python_layout();
    let (_turn, h) = common::observed();
    two_texts(&"é".repeat(100), &"x".repeat(100));
    let s = h.span("two_texts");
    // "a=" then 'é' (2 bytes) up to 10 bytes: four of them.
    assert_eq!(
        event(&s, "gen_ai.content.prompt"),
        Some(format!("a=éééé{TRUNCATION_MARKER}"))
    );
    assert_eq!(
        event(&s, "gen_ai.content.completion"),
        Some(format!("ééééé{TRUNCATION_MARKER}"))
    );
}

#[test]
fn the_global_limit_applies_where_the_function_sets_none() {
    common::python_layout();
    let (_turn, h) = common::observed();
    last9_genai::set_capture_limit(3);
    big("abcdef".into());
    last9_genai::set_capture_limit(last9_genai::DEFAULT_CAPTURE_LIMIT);
    assert_eq!(
        string(&h.span("big"), "function.arg.text"),
        Some(format!("abc{TRUNCATION_MARKER}"))
    );
}

#[observe]
fn login(user: &str, password: &str, api_key: String, auth_token: &str) -> bool {
    let _ = (user, password, api_key, auth_token);
    true
}

#[observe(redact(email), skip(client))]
fn lookup(client: &str, email: &str, id: u32) -> u32 {
    let _ = (client, email);
    id
}

#[test]
fn secrets_are_redacted_by_default_and_on_request() {
    common::python_layout();
    let (_turn, h) = common::observed();
    login("ann", "hunter2", "sk-123".into(), "t0k");
    lookup("db", "ann@example.com", 4);
    let s = h.span("login");
    assert_eq!(string(&s, "function.arg.user").as_deref(), Some("ann"));
    for key in [
        "function.arg.password",
        "function.arg.api_key",
        "function.arg.auth_token",
    ] {
        assert_eq!(string(&s, key).as_deref(), Some("[REDACTED]"), "{key}");
    }
    assert!(
        !event(&s, "gen_ai.content.prompt")
            .unwrap()
            .contains("hunter2")
    );
    let s = h.span("lookup");
    assert_eq!(
        string(&s, "function.arg.email").as_deref(),
        Some("[REDACTED]")
    );
    assert_eq!(attr(&s, "function.arg.client"), None);
    assert_eq!(int(&s, "function.arg.id"), Some(4));
}

#[observe(skip_all)]
fn skip_everything(a: u8, b: u8) -> u8 {
    a + b
}

#[observe(capture_input = false, capture_output = false)]
fn no_content(a: u8) -> u8 {
    a
}

#[test]
fn skip_all_and_the_capture_switches() {
    common::python_layout();
    let (_turn, h) = common::observed();
    skip_everything(1, 2);
    no_content(1);
    let s = h.span("skip_everything");
    assert_eq!(attr(&s, "function.arg.a"), None);
    assert_eq!(event(&s, "gen_ai.content.prompt"), None);
    assert_eq!(event(&s, "gen_ai.content.completion").as_deref(), Some("3"));
    let s = h.span("no_content");
    assert_eq!(attr(&s, "function.arg.a"), None);
    assert!(s.events.is_empty());
}

/// Counts its `Serialize` and `Debug` calls.
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Serialize for Counted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        serializer.serialize_str("big output")
    }
}

/// Regression: an output that is no model response was written as JSON
/// text on every call, though a function that captures no output never
/// writes it. It is walked once, for the fields
/// of a response, and no more.
#[test]
fn an_output_not_captured_is_not_written() {
    common::python_layout();
    #[observe(capture_input = false, capture_output = false)]
    fn quiet(counted: &Counted) -> &Counted {
        counted
    }
    #[observe(capture_input = false)]
    fn loud(counted: &Counted) -> &Counted {
        counted
    }
    let (_turn, h) = common::observed();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Counted(count.clone());
    quiet(&counted);
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the response walk"
    );
    assert!(h.span("quiet").events.is_empty());
    loud(&counted);
    // The walk, then the text.
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(
        event(&h.span("loud"), "gen_ai.content.completion").as_deref(),
        Some("\"big output\"")
    );
}

#[test]
fn content_capture_switched_off_process_wide_keeps_usage() {
    common::python_layout();
    let (_turn, h) = common::observed();
    #[observe]
    fn answer(prompt: &str) -> serde_json::Value {
        let _ = prompt;
        serde_json::json!({ "model": "gpt-4o", "choices": [{ "message": { "content": "secret answer" } }],
                            "usage": { "prompt_tokens": 10, "completion_tokens": 2 } })
    }
    last9_genai::set_capture_content(false);
    answer("private question");
    last9_genai::set_capture_content(true);
    let s = h.span("answer");
    assert_eq!(attr(&s, "function.arg.prompt"), None);
    assert!(s.events.is_empty());
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(10));
    assert_eq!(
        string(&s, "gen_ai.response.model").as_deref(),
        Some("gpt-4o")
    );
}
