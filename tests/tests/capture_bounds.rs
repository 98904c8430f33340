//! Capture is bounded in memory and depth by the capture limit, whatever
//! the value: a return value nested 100 000 levels deep, and one of 100 MB.
//! The allocator of this binary counts, so memory is measured, not
//! guessed.

mod common;

use common::string;
use last9_genai::{TRUNCATION_MARKER, observe};
use peak_alloc::PeakAlloc;
use serde::Serialize;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// What `call` returns, and the most memory it held at once beyond what
/// was held before.
fn peak_of<R>(call: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let returned = call();
    (returned, ALLOCATOR.peak_usage() - before)
}

/// A list nested without end, which writes nothing per level.
#[derive(Serialize)]
struct Node(Option<Box<Node>>);

impl Node {
    fn deep(levels: usize) -> Self {
        let mut node = Node(None);
        for _ in 0..levels {
            node = Node(Some(Box::new(node)));
        }
        node
    }

    fn depth(&self) -> usize {
        let (mut depth, mut next) = (0, &self.0);
        while let Some(inner) = next {
            depth += 1;
            next = &inner.0;
        }
        depth
    }
}

impl Drop for Node {
    // Iterative: the derived drop would recurse once per level.
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(mut inner) = next {
            next = inner.0.take();
        }
    }
}

#[observe]
fn build_tree(levels: usize) -> Node {
    Node::deep(levels)
}

/// Regression: the process aborted (stack overflow) capturing it.
#[test]
fn a_return_value_nested_100_000_levels_is_captured_on_a_small_stack() {
    common::python_layout();
    let (_turn, h) = common::observed();
    let depth = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| build_tree(100_000).depth())
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(depth, 100_000, "the value returned is the value built");
    let span = h.span("build_tree");
    let completion = common::completion(&span);
    assert_eq!(completion.as_deref(), Some(TRUNCATION_MARKER));
    assert_eq!(string(&span, "gen_ai.l9.capture_failed"), None);
}

/// 100 MB behind a `Serialize` impl.
#[derive(Serialize)]
struct Blob {
    id: &'static str,
    data: Vec<u8>,
    text: String,
}

#[observe]
fn fetch_blob(blob: &'static Blob) -> &'static Blob {
    blob
}

/// Regression: the return value was copied whole into a JSON tree (+100
/// MiB). Capture now costs the limit, not the value.
#[test]
fn a_100_mb_return_value_is_not_copied() {
    common::python_layout();
    let (_turn, h) = common::observed();
    let blob: &'static Blob = Box::leak(Box::new(Blob {
        id: "blob-1",
        data: vec![7; 50 << 20],
        text: "x".repeat(50 << 20),
    }));
    let (returned, peak) = peak_of(|| fetch_blob(blob));
    assert!(std::ptr::eq(returned, blob));
    assert!(
        peak < 1 << 20,
        "capturing a 100 MB value took {peak} bytes at its peak"
    );
    let span = h.span("fetch_blob");
    let completion = common::completion(&span).unwrap();
    assert!(completion.starts_with("{\"id\":\"blob-1\",\"data\":[7,7,7,"));
    assert!(completion.ends_with(TRUNCATION_MARKER));
    assert_eq!(
        completion.len(),
        last9_genai::DEFAULT_CAPTURE_LIMIT + TRUNCATION_MARKER.len(),
        "the limit, then the marker"
    );
}

/// The same list, known only by `Debug`.
#[derive(Debug)]
struct DebugNode(Option<Box<DebugNode>>);

impl Drop for DebugNode {
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(mut inner) = next {
            next = inner.0.take();
        }
    }
}

#[observe]
fn build_debug_tree(levels: usize) -> DebugNode {
    let mut node = DebugNode(None);
    for _ in 0..levels {
        node = DebugNode(Some(Box::new(node)));
    }
    node
}

/// `Debug` writes a few bytes per level, so the limit bounds the depth.
#[test]
fn a_debug_only_value_nested_100_000_levels_is_cut_at_the_limit() {
    common::python_layout();
    let (_turn, h) = common::observed();
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| drop(build_debug_tree(100_000)))
        .unwrap()
        .join()
        .expect("no stack overflow");
    let span = h.span("build_debug_tree");
    let completion = common::completion(&span).unwrap();
    assert!(completion.starts_with("DebugNode(Some(DebugNode(Some("));
    assert_eq!(
        completion.len(),
        last9_genai::DEFAULT_CAPTURE_LIMIT + TRUNCATION_MARKER.len()
    );
}

/// The arguments of the tool call at `index` of `span`.
fn tool_call_arguments(span: &opentelemetry_sdk::trace::SpanData, index: usize) -> String {
    common::tool_call_arguments(span, index).expect("the call's arguments")
}

/// An OpenAI chat completion held as JSON: 10 MB of text, 10 MB of tool
/// arguments and 100 000 choices.
static HUGE_CHAT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    let mut choices = vec![
        serde_json::json!({"index": 0, "finish_reason": "tool_calls",
        "message": {"role": "assistant", "content": "é".repeat(5 << 20),
            "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "search", "arguments": "a".repeat(10 << 20)}}]}}),
    ];
    choices.extend((1..100_000).map(|i| serde_json::json!({"index": i, "finish_reason": "stop"})));
    serde_json::json!({"id": "chatcmpl-huge", "object": "chat.completion", "model": "gpt-4o",
        "choices": choices, "usage": {"prompt_tokens": 10, "completion_tokens": 5}})
});

#[observe]
fn huge_chat() -> &'static serde_json::Value {
    &HUGE_CHAT
}

/// A response held as JSON is read in place: its texts are cut at the
/// limit as they are read (before, the tool arguments went out whole, up
/// to the walk's 1 MB budget), and it lists its first 128 finish reasons,
/// not one per choice.
#[test]
fn a_huge_json_response_is_read_in_place_and_cut_at_the_limit() {
    common::python_layout();
    let (_turn, h) = common::observed();
    std::sync::LazyLock::force(&HUGE_CHAT);
    let (returned, peak) = peak_of(huge_chat);
    assert!(std::ptr::eq(returned, &*HUGE_CHAT));
    assert!(peak < 1 << 20, "reading a 20 MB response took {peak} bytes");
    let span = h.span("huge_chat");
    let limit = last9_genai::DEFAULT_CAPTURE_LIMIT;
    let completion = common::completion(&span).unwrap();
    assert_eq!(
        completion,
        format!("{}{TRUNCATION_MARKER}", "é".repeat(limit / 2))
    );
    assert_eq!(
        tool_call_arguments(&span, 0),
        format!("{}{TRUNCATION_MARKER}", "a".repeat(limit))
    );
    let Some(opentelemetry::Value::Array(opentelemetry::Array::String(reasons))) =
        common::attr(&span, "gen_ai.response.finish_reasons")
    else {
        panic!("finish reasons as a list of strings");
    };
    assert_eq!(reasons.len(), 128);
    assert_eq!(reasons[0].as_str(), "tool_calls");
    assert!(reasons[1..].iter().all(|r| r.as_str() == "stop"));
}

/// An Anthropic message held as JSON, with a tool input of 200 000 keys
/// and 3 000 text blocks.
static HUGE_MESSAGE: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    let input: serde_json::Map<String, serde_json::Value> = (0..200_000)
        .map(|i| (format!("k{i:06}"), serde_json::Value::from(i)))
        .collect();
    let mut content = vec![serde_json::json!({"type": "tool_use", "id": "toolu_1",
        "name": "lookup", "input": input})];
    content.extend((0..3000).map(|_| serde_json::json!({"type": "text", "text": "abc"})));
    serde_json::json!({"id": "msg_huge", "type": "message", "model": "claude-sonnet-4-5",
        "stop_reason": "tool_use", "content": content,
        "usage": {"input_tokens": 10, "output_tokens": 5}})
});

#[observe]
fn huge_message() -> &'static serde_json::Value {
    &HUGE_MESSAGE
}

/// Tool input that is a JSON object is written as JSON up to the limit,
/// and text blocks are joined up to the limit: neither is written whole
/// first.
#[test]
fn a_huge_json_tool_input_and_many_text_blocks_are_cut_at_the_limit() {
    common::python_layout();
    let (_turn, h) = common::observed();
    std::sync::LazyLock::force(&HUGE_MESSAGE);
    let ((), peak) = peak_of(|| {
        huge_message();
    });
    assert!(peak < 1 << 20, "reading the message took {peak} bytes");
    let span = h.span("huge_message");
    let limit = last9_genai::DEFAULT_CAPTURE_LIMIT;
    let arguments = tool_call_arguments(&span, 0);
    assert!(
        arguments.starts_with(r#"{"k000000":0,"k000001":1,"#),
        "{arguments:.40}"
    );
    assert_eq!(arguments.len(), limit + TRUNCATION_MARKER.len());
    assert!(arguments.ends_with(TRUNCATION_MARKER));
    // The first 128 blocks, joined by spaces: 128 × 4 - 1 bytes.
    let completion = common::completion(&span).unwrap();
    assert_eq!(completion, vec!["abc"; 128].join(" "));
}
