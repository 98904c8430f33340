//! The app of the README's "keep your exporter" section: tracing with
//! tracing-opentelemetry, its own `SdkTracerProvider` with
//! `Last9SpanProcessor`, never registered globally, a workflow and observed
//! calls. Through the layer, every span is exported with no call to make;
//! without it, the app's own spans are never lost because of a scope and
//! the one missing call is named once.
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

/// Every span of one `handle_request`, parented as the code nests them:
/// the workflow under the request, the observed calls under the workflow,
/// the HTTP spans under the observed calls.
fn assert_nested(h: &Harness) {
    assert_eq!(
        names(h),
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
    // The scopes are stamped on the observed calls, the workflow closed
    // with its totals.
    for call in spans.iter().filter(|s| s.name == "call_model") {
        assert_eq!(string(call, "workflow.id").as_deref(), Some("support_flow"));
        assert_eq!(string(call, "gen_ai.l9.span.kind").as_deref(), Some("llm"));
    }
    let flow = spans.iter().find(|s| s.name == "support_flow").unwrap();
    assert!(
        flow.attributes
            .iter()
            .any(|kv| kv.key.as_str() == "workflow.llm_calls")
    );
}

/// The app of the README's "keep your exporter" section, as written: its
/// provider reaches `#[observe]` and `workflow()` through
/// tracing-opentelemetry's layer, with no call to make. Without the layer,
/// the one missing call is named once, and the app's own spans are never
/// lost; made, every span is exported.
#[test]
fn an_app_with_its_own_provider_loses_no_span() {
    let h = Harness::new();
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(h.tracer.clone()))
        .with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        // Not registered: made through the layer, every span arrives.
        let _c = conversation("c1").enter();
        handle_request();
        assert_nested(&h);
        h.exporter.reset();
        batch_job();
        let spans = h.spans();
        let batch = spans.iter().find(|s| s.name == "nightly_batch").unwrap();
        let load = spans.iter().find(|s| s.name == "load").unwrap();
        assert_eq!(load.parent_span_id, batch.span_context.span_id());
        assert_eq!(
            string(load, "workflow.id").as_deref(),
            Some("nightly_batch")
        );
        assert_eq!(
            string(load, "gen_ai.conversation.id").as_deref(),
            Some("c1")
        );
        assert!(warnings.0.lock().unwrap().is_empty());
    });

    // No tracing-opentelemetry layer: the workflow and observed calls make
    // no span, the missing call is named once, and nothing else is lost.
    h.exporter.reset();
    let subscriber = tracing_subscriber::registry().with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        let _c = conversation("c1").enter();
        batch_job();
        batch_job();
        let tracer = opentelemetry::trace::TracerProvider::tracer(&h.provider, "app");
        let _wf = workflow("plain_otel").enter();
        opentelemetry::trace::Tracer::in_span(&tracer, "own_span", |_| {});
        let spans = h.spans();
        assert_eq!(names(&h), ["own_span"]);
        assert_eq!(
            string(&spans[0], "workflow.id").as_deref(),
            Some("plain_otel")
        );
        let said = warnings.0.lock().unwrap().clone();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("last9_genai::set_tracer_provider(provider.clone())"),
            "{}",
            said[0]
        );
    });

    // The call made: every span, parented as the code nests them.
    last9_genai::set_tracer_provider(h.provider.clone());
    h.exporter.reset();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(h.tracer.clone()))
        .with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        let _c = conversation("c1").enter();
        handle_request();
        assert_nested(&h);
        assert_eq!(warnings.0.lock().unwrap().len(), 1);
    });
}
