//! The app of the README's "keep your exporter" section: tracing with
//! tracing-opentelemetry, its own `SdkTracerProvider` with
//! `Last9SpanProcessor`, never registered globally, a workflow and observed
//! calls. Its own spans are never lost because of a scope; the one missing
//! call is named once; made, every span is exported.
//!
//! One test: the global provider is process-wide.

mod common;

use std::sync::{Arc, Mutex};

use common::{Harness, string};
use last9_genai::{conversation, observe, workflow};
use opentelemetry::trace::SpanId;

use tracing_subscriber::layer::SubscriberExt;

/// Keeps the messages of `tracing` events of target `last9_genai`.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message<'a>(&'a mut String);
        impl tracing::field::Visit for Message<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    *self.0 = format!("{value:?}");
                }
            }
        }
        if event.metadata().target() == "last9_genai" {
            let mut message = String::new();
            event.record(&mut Message(&mut message));
            self.0.lock().unwrap().push(message);
        }
    }
}

#[observe(name = "call_model")]
fn call_model(question: &str) -> String {
    tracing::info_span!("http_request").in_scope(|| format!("answer to {question}"))
}

fn handle_request() {
    tracing::info_span!("handle_request").in_scope(|| {
        let _wf = workflow("support_flow").enter();
        tracing::info_span!("retrieve").in_scope(|| {});
        assert_eq!(call_model("q1"), "answer to q1");
        assert_eq!(call_model("q2"), "answer to q2");
    });
}

/// A batch job: the workflow is the outermost scope, no span above it.
fn batch_job() {
    let _wf = workflow("nightly_batch").enter();
    tracing::info_span!("load").in_scope(|| {});
    assert_eq!(call_model("q3"), "answer to q3");
}

fn names(h: &Harness) -> Vec<String> {
    let mut names: Vec<String> = h.spans().iter().map(|s| s.name.to_string()).collect();
    names.sort();
    names
}

#[test]
fn an_app_with_its_own_provider_loses_no_span_and_is_told_the_one_call() {
    let h = Harness::new();
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(h.tracer.clone()))
        .with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        // Not registered: the workflow and observed calls cannot make spans,
        // but the app's own spans all arrive, with the scopes stamped.
        {
            let _c = conversation("c1").enter();
            handle_request();
            handle_request();
            batch_job();
        }
        assert_eq!(
            names(&h),
            [
                "handle_request",
                "handle_request",
                "http_request",
                "http_request",
                "http_request",
                "http_request",
                "http_request",
                "load",
                "retrieve",
                "retrieve"
            ]
        );
        assert_eq!(
            string(&h.span("load"), "workflow.id").as_deref(),
            Some("nightly_batch")
        );
        let spans = h.spans();
        let retrieve = spans.iter().find(|s| s.name == "retrieve").unwrap();
        assert_eq!(
            string(retrieve, "workflow.id").as_deref(),
            Some("support_flow")
        );
        assert_eq!(
            string(retrieve, "gen_ai.conversation.id").as_deref(),
            Some("c1")
        );
        // The app's parent links hold: retrieve under handle_request.
        assert!(
            spans.iter().any(|s| s.name == "handle_request"
                && s.span_context.span_id() == retrieve.parent_span_id)
        );
        let said = warnings.0.lock().unwrap().clone();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("last9_genai::set_tracer_provider(provider.clone())"),
            "{}",
            said[0]
        );

        // The call named: every span, the workflow's and the observed ones
        // too, parented as the code nests them.
        last9_genai::set_tracer_provider(h.provider.clone());
        h.exporter.reset();
        handle_request();
        assert_eq!(
            names(&h),
            [
                "call_model",
                "call_model",
                "handle_request",
                "http_request",
                "http_request",
                "retrieve",
                "support_flow"
            ]
        );
        let spans = h.spans();
        let ids = |name: &str| -> Vec<SpanId> {
            spans
                .iter()
                .filter(|s| s.name == name)
                .map(|s| s.span_context.span_id())
                .collect()
        };
        let parents = |name: &str| -> Vec<SpanId> {
            spans
                .iter()
                .filter(|s| s.name == name)
                .map(|s| s.parent_span_id)
                .collect()
        };
        assert_eq!(parents("support_flow"), ids("handle_request"));
        assert_eq!(parents("retrieve"), ids("support_flow"));
        assert_eq!(
            parents("call_model"),
            [ids("support_flow"), ids("support_flow")].concat()
        );
        let mut http_parents = parents("http_request");
        http_parents.sort_by_key(|id| id.to_bytes());
        let mut calls = ids("call_model");
        calls.sort_by_key(|id| id.to_bytes());
        assert_eq!(http_parents, calls);
        assert_eq!(warnings.0.lock().unwrap().len(), 1);
    });
}
