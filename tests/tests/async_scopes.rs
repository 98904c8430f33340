//! Async scopes: futures and streams keep their scope across `.await`, worker
//! migration and concurrency; only tasks that carry it get it.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Harness, string};
use futures::StreamExt;
use last9_genai::{
    ScopeExt, conversation, current_conversation_id, spawn, spawn_blocking, spawn_thread,
};
use opentelemetry::trace::{Span as _, Tracer};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_scope_survives_await_while_the_task_migrates_between_workers() {
    let h = Harness::new();
    let tracer = h.tracer.clone();
    let threads = async move {
        let mut threads = HashSet::new();
        for i in 0..200 {
            threads.insert(std::thread::current().id());
            assert_eq!(
                current_conversation_id().as_deref(),
                Some("migrating"),
                "poll {i}"
            );
            tracer.start(format!("step-{i}")).end();
            // Occupy this worker with a blocking task while another thread
            // wakes this one: an idle worker picks it up, a real migration.
            tokio::spawn(async { std::thread::sleep(Duration::from_millis(5)) });
            let (wake, woken) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(1));
                let _ = wake.send(());
            });
            woken.await.unwrap();
            if threads.len() > 1 && i >= 20 {
                break;
            }
        }
        threads
    }
    .with_scope(conversation("migrating"));
    // Spawned, so that the task is polled by the runtime's workers.
    let threads = tokio::spawn(threads).await.unwrap();
    assert!(threads.len() > 1, "the task never moved between workers");
    let spans = h.spans();
    assert!(spans.len() > 20);
    for span in &spans {
        assert_eq!(
            string(span, "gen_ai.conversation.id").as_deref(),
            Some("migrating")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_tasks_never_see_each_others_ids() {
    let h = Harness::new();
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let tracer = h.tracer.clone();
        let id = format!("conv-{i}");
        tasks.push(tokio::spawn(
            async move {
                for step in 0..3 {
                    tokio::task::yield_now().await;
                    let seen = current_conversation_id();
                    assert_eq!(seen.as_deref(), Some(id.as_str()), "step {step}");
                    let mut span = tracer.start("call");
                    span.set_attribute(opentelemetry::KeyValue::new("expected", id.clone()));
                    span.end();
                }
            }
            .with_scope(conversation(format!("conv-{i}"))),
        ));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let spans = h.spans();
    assert_eq!(spans.len(), 3000);
    for span in &spans {
        assert_eq!(
            string(span, "gen_ai.conversation.id"),
            string(span, "expected")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_spawned_without_carrying_the_scope_does_not_get_it() {
    let (carried, plain, blocking, thread) = async {
        let carried = spawn(async { current_conversation_id() }).await.unwrap();
        let plain = tokio::spawn(async { current_conversation_id() })
            .await
            .unwrap();
        let blocking = spawn_blocking(current_conversation_id).await.unwrap();
        let thread = spawn_thread(current_conversation_id).join().unwrap();
        (carried, plain, blocking, thread)
    }
    .with_scope(conversation("parent"))
    .await;
    assert_eq!(carried.as_deref(), Some("parent"));
    assert_eq!(plain, None);
    assert_eq!(blocking.as_deref(), Some("parent"));
    assert_eq!(thread.as_deref(), Some("parent"));
    let plain_thread = std::thread::spawn(current_conversation_id).join().unwrap();
    assert_eq!(plain_thread, None);
}

#[tokio::test]
async fn the_scope_is_not_current_between_polls() {
    let fut = async {
        tokio::task::yield_now().await;
        current_conversation_id()
    }
    .with_scope(conversation("inner"));
    let mut fut = Box::pin(fut);
    assert!(futures::poll!(fut.as_mut()).is_pending());
    assert_eq!(current_conversation_id(), None);
    assert_eq!(fut.await.as_deref(), Some("inner"));
    assert_eq!(current_conversation_id(), None);
}

#[tokio::test]
async fn a_stream_has_its_scope_on_every_poll() {
    let stream = futures::stream::iter(0..3)
        .then(|_| async {
            tokio::task::yield_now().await;
            current_conversation_id()
        })
        .with_scope(conversation("streaming"));
    let seen: Vec<_> = stream.collect().await;
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|id| id.as_deref() == Some("streaming")));
    assert_eq!(current_conversation_id(), None);
}

#[tokio::test]
async fn with_scope_nests_on_top_of_the_scope_current_when_called() {
    let (user, conv) = async {
        async {
            let h = Harness::new();
            h.tracer.start("s").end();
            let s = h.span("s");
            (string(&s, "user.id"), string(&s, "gen_ai.conversation.id"))
        }
        .with_scope(conversation("inner"))
        .await
    }
    .with_scope(conversation("outer").user_id("u1"))
    .await;
    assert_eq!(user.as_deref(), Some("u1"));
    assert_eq!(conv.as_deref(), Some("inner"));
}
