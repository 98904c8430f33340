//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false` switches content
//! capture off. The variable is read once per process, so the test runs
//! itself again in a child process with the variable set.

mod common;

use common::{attr, int};
use last9_genai::{CAPTURE_CONTENT_ENV, observe};

#[observe]
fn answer(prompt: &str) -> serde_json::Value {
    let _ = prompt;
    serde_json::json!({ "model": "gpt-4o", "choices": [{ "message": { "content": "private" } }],
                        "usage": { "prompt_tokens": 7, "completion_tokens": 1 } })
}

#[test]
fn the_variable_switches_content_capture_off() {
    common::run_child(
        "in_child_with_capture_off",
        &[],
        &[(CAPTURE_CONTENT_ENV, "false")],
    );
}

#[test]
#[ignore = "run by the_variable_switches_content_capture_off with the variable set"]
fn in_child_with_capture_off() {
    assert_eq!(std::env::var(CAPTURE_CONTENT_ENV).as_deref(), Ok("false"));
    let (_turn, h) = common::observed();
    assert!(!last9_genai::capture_content());
    answer("my secret question");
    let s = h.span("answer");
    assert_eq!(attr(&s, "function.arg.prompt"), None);
    assert!(s.events.is_empty(), "no prompt or completion events");
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(7));
}
