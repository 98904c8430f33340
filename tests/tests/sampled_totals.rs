//! Workflow totals count every call once, whatever the sampler keeps: the
//! processor counts the spans it sees, and a call whose span was dropped
//! counts itself.

#![allow(clippy::await_holding_lock)]

mod common;

use std::sync::{Mutex, MutexGuard, PoisonError};

use futures::StreamExt as _;
use last9_genai::{ModelPricing, ObserveStream, PricingTable, StreamCall, observe, workflow};
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler};
use serde_json::{Value as Json, json};

fn pricing() -> PricingTable {
    PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap()
}

/// 1000 input and 500 output tokens of gpt-4o: $0.0075.
const COST: f64 = 0.0075;

/// A pipeline with `sampler`, set for the process: tests take turns.
fn pipeline(sampler: Sampler) -> (MutexGuard<'static, ()>, InMemorySpanExporter) {
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let (_, spans) = common::sampled_pipeline(sampler, pricing());
    (turn, spans)
}

#[observe]
fn chat() -> Json {
    json!({ "id": "c1", "model": "gpt-4o", "choices": [{ "index": 0, "finish_reason": "stop",
            "message": { "role": "assistant", "content": "ok" } }],
            "usage": { "prompt_tokens": 1000, "completion_tokens": 500 } })
}

#[observe(kind = "tool")]
fn search() -> Result<usize, String> {
    Err("index down".to_owned())
}

#[observe]
fn failing() -> Result<Json, String> {
    Err("rate limited".to_owned())
}

#[test]
fn unsampled_calls_count_in_their_workflow_and_every_enclosing_one() {
    let (_turn, spans) = pipeline(Sampler::AlwaysOff);
    let outer = workflow("outer").enter();
    {
        let inner = workflow("inner").enter();
        chat();
        chat();
        assert!(search().is_err());
        assert!(failing().is_err());
        assert_eq!((inner.llm_calls(), inner.tool_calls()), (2, 1));
        assert!((inner.total_cost_usd() - 2.0 * COST).abs() < 1e-12);
    }
    chat();
    assert_eq!((outer.llm_calls(), outer.tool_calls()), (3, 1));
    assert!((outer.total_cost_usd() - 3.0 * COST).abs() < 1e-12);
    drop(outer);
    assert!(spans.get_finished_spans().unwrap().is_empty());
}

#[observe]
fn no_usage() -> Json {
    json!({ "id": "c2", "model": "gpt-4o", "choices": [{ "index": 0, "finish_reason": "stop",
            "message": { "role": "assistant", "content": "ok" } }] })
}

#[observe]
fn no_model() -> Json {
    json!({ "id": "c3", "choices": [{ "index": 0, "finish_reason": "stop",
            "message": { "role": "assistant", "content": "ok" } }],
            "usage": { "prompt_tokens": 1000, "completion_tokens": 500 } })
}

/// As the processor counts what it sees, an unsampled call counts as a
/// model call only when its response has a model and a usage, sampled or
/// not.
#[test]
fn a_call_counts_as_a_model_call_with_a_model_and_a_usage() {
    for sampler in [Sampler::AlwaysOff, Sampler::AlwaysOn] {
        let (_turn, _spans) = pipeline(sampler);
        let wf = workflow("w").enter();
        no_usage();
        no_model();
        assert_eq!(wf.llm_calls(), 0);
        chat();
        assert_eq!(wf.llm_calls(), 1);
    }
}

/// A Bedrock Converse answer names no model: the call counts, priced as
/// the model it asked for.
#[observe]
fn converse(model: &str) -> Json {
    let _ = model;
    json!({"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
           "stopReason": "end_turn",
           "usage": {"inputTokens": 1000, "outputTokens": 500, "totalTokens": 1500}})
}

/// Counts that cannot be: the usage is spoilt, the call still is one.
#[observe]
fn impossible_usage() -> Json {
    json!({ "id": "c4", "model": "gpt-4o", "choices": [],
            "usage": { "prompt_tokens": -1, "completion_tokens": 500 } })
}

/// Sampled or not, a call whose answer names no model counts with the
/// model it asked for, and one whose usage is spoilt counts with no
/// tokens and no cost.
#[test]
fn a_call_counts_with_the_model_asked_for_and_with_a_spoilt_usage() {
    for sampler in [Sampler::AlwaysOff, Sampler::AlwaysOn] {
        let (_turn, _spans) = pipeline(sampler);
        let wf = workflow("w").enter();
        converse("gpt-4o");
        assert_eq!(wf.llm_calls(), 1);
        assert!((wf.total_cost_usd() - COST).abs() < 1e-12);
        impossible_usage();
        assert_eq!(wf.llm_calls(), 2);
        assert_eq!(wf.total_tokens(), 1500);
        assert!((wf.total_cost_usd() - COST).abs() < 1e-12);
    }
}

/// Half the workflows sampled, half not: each counts its one call once.
#[test]
fn each_call_counts_once_whether_its_trace_is_sampled_or_not() {
    let (_turn, spans) = pipeline(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
        0.5,
    ))));
    for _ in 0..200 {
        let wf = workflow("w").enter();
        chat();
        assert_eq!(wf.llm_calls(), 1);
        assert!((wf.total_cost_usd() - COST).abs() < 1e-12);
    }
    let kept = spans.get_finished_spans().unwrap().len();
    assert!(
        kept > 0 && kept < 400,
        "{kept} spans: both kinds of trace met"
    );
}

/// A streamed call whose span was dropped counts with its final usage.
#[tokio::test]
async fn an_unsampled_stream_counts_with_its_final_usage() {
    let (_turn, _spans) = pipeline(Sampler::AlwaysOff);
    let chunks = vec![
        Ok::<_, std::io::Error>(json!({"id": "c1", "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"content": "Hi"}}]})),
        Ok(json!({"id": "c1", "model": "gpt-4o", "choices": [],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 500}})),
    ];
    let wf = workflow("streams").enter();
    let _: Vec<_> = futures::stream::iter(chunks)
        .observe_chunks(StreamCall::new("chat.stream"))
        .collect()
        .await;
    assert_eq!(wf.llm_calls(), 1);
    assert!((wf.total_cost_usd() - COST).abs() < 1e-12);
}
