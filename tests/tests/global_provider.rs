//! With no tracer given, workflow spans come from the global tracer provider.
//! (Its own test binary: it sets process-wide state.)

mod common;

use common::{Harness, int, string};
use last9_genai::workflow;
use opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};

#[test]
fn workflow_spans_use_the_global_provider_by_default() {
    let h = Harness::new();
    opentelemetry::global::set_tracer_provider(h.provider.clone());
    {
        let _wf = workflow("global_wf").enter();
        opentelemetry::global::tracer("app").start("step").end();
        h.provider.tracer("other").start("step2").end();
    }
    let wf = h.span("global_wf");
    assert_eq!(wf.instrumentation_scope.name(), last9_genai::TRACER_NAME);
    assert_eq!(int(&wf, "workflow.llm_calls"), Some(0));
    assert_eq!(
        string(&h.span("step"), "workflow.id").as_deref(),
        Some("global_wf")
    );
    assert_eq!(h.span("step2").parent_span_id, wf.span_context.span_id());
}
