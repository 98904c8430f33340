//! `#[observe]` on every function shape: the span, its parent links, the
//! value returned unchanged.

// The tests share the global provider and take turns, also across awaits.
#![allow(clippy::await_holding_lock)]

mod common;

use common::{Harness, float, int, string};
use last9_genai::observe;
use opentelemetry::Value;
use opentelemetry::trace::{Span as _, Status, Tracer};

#[observe]
fn plain(prompt: &str, temperature: f64) -> String {
    format!("{prompt} at {temperature}")
}

#[test]
fn a_sync_function_gets_a_span_with_arguments_and_output() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(plain("Hello!", 0.2), "Hello! at 0.2");
    let s = h.span("plain");
    assert_eq!(string(&s, "function.arg.prompt").as_deref(), Some("Hello!"));
    assert_eq!(float(&s, "function.arg.temperature"), Some(0.2));
    assert_eq!(string(&s, "gen_ai.l9.span.kind").as_deref(), Some("llm"));
    // Measured inside the span's own lifetime: above zero, and no longer
    // than the span.
    let latency = float(&s, "latency_ms").unwrap();
    let span_ms = s
        .end_time
        .duration_since(s.start_time)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    assert!(
        latency > 0.0 && latency <= span_ms,
        "{latency} ms in a span of {span_ms} ms"
    );
    assert_eq!(s.status, Status::Ok);
    let events: Vec<_> = s.events.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(
        events,
        ["gen_ai.content.prompt", "gen_ai.content.completion"]
    );
    assert_eq!(
        s.events[0].attributes[0].value,
        Value::from("Hello!"),
        "a single string argument is the prompt"
    );
    assert_eq!(
        s.events[1].attributes[0].value,
        Value::from("Hello! at 0.2")
    );
}

#[derive(Debug, PartialEq)]
struct ApiError(&'static str);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "api failed: {}", self.0)
    }
}

#[observe]
fn fallible(x: i32) -> Result<i32, ApiError> {
    if x < 0 {
        return Err(ApiError("negative"));
    }
    let doubled = x.checked_mul(2).ok_or(ApiError("overflow"))?;
    Ok(doubled)
}

#[test]
fn an_err_sets_error_with_one_exception_event_and_is_returned_unchanged() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(fallible(3), Ok(6));
    assert_eq!(fallible(-1), Err(ApiError("negative")));
    assert_eq!(fallible(i32::MAX), Err(ApiError("overflow")));
    let spans = h.spans();
    assert_eq!(spans.len(), 3);
    assert_eq!(spans[0].status, Status::Ok);
    for (span, message) in spans[1..]
        .iter()
        .zip(["api failed: negative", "api failed: overflow"])
    {
        assert_eq!(span.status, Status::error(message));
        let exceptions: Vec<_> = span
            .events
            .iter()
            .filter(|e| e.name == "exception")
            .collect();
        assert_eq!(exceptions.len(), 1);
        let get = |k: &str| {
            exceptions[0]
                .attributes
                .iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.clone())
        };
        assert_eq!(get("exception.type"), Some(Value::from("ApiError")));
        assert_eq!(get("exception.message"), Some(Value::from(message)));
    }
    assert_eq!(int(&spans[0], "function.arg.x"), Some(3));
}

static KEPT: std::sync::Mutex<Option<opentelemetry::Context>> = std::sync::Mutex::new(None);

#[observe]
fn keeps_its_context() -> u8 {
    *KEPT.lock().unwrap() = Some(opentelemetry::Context::current());
    1
}

/// The span ends when the call returns, though its context lives on (kept
/// by a task the call spawned): it is exported then, not when the last
/// copy of the context drops.
#[test]
fn the_span_ends_when_the_call_returns_though_its_context_lives_on() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(keeps_its_context(), 1);
    let returned = std::time::SystemTime::now();
    let span = h.span("keeps_its_context");
    assert!(span.end_time <= returned);
    assert!(KEPT.lock().unwrap().take().is_some());
    assert_eq!(h.spans().len(), 1);
}

#[observe]
fn renames_itself(linked: opentelemetry::trace::SpanContext) {
    use opentelemetry::trace::TraceContextExt as _;
    let cx = opentelemetry::Context::current();
    let span = cx.span();
    assert!(span.is_recording());
    span.update_name("renamed");
    span.add_link(linked, vec![opentelemetry::KeyValue::new("why", "retry")]);
}

/// The body can reach its span as any OpenTelemetry code does, through
/// the current context: what it changes is exported.
#[test]
fn the_body_reaches_its_span_through_the_context() {
    common::python_layout();
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    let (_turn, h) = common::observed();
    let linked = SpanContext::new(
        TraceId::from(7),
        SpanId::from(9),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    renames_itself(linked.clone());
    let span = h.span("renamed");
    let links: Vec<_> = span
        .links
        .iter()
        .map(|l| (&l.span_context, l.attributes.clone()))
        .collect();
    assert_eq!(
        links,
        [(&linked, vec![opentelemetry::KeyValue::new("why", "retry")])]
    );
}

/// An error with `Debug` only.
#[derive(Debug)]
struct DebugOnly {
    #[allow(dead_code)]
    code: u16,
}

/// An error with neither `Display` nor `Debug`.
struct Opaque;

#[observe]
fn fails_debug_only() -> Result<(), DebugOnly> {
    Err(DebugOnly { code: 7 })
}

#[observe]
fn fails_opaque() -> Result<(), Opaque> {
    Err(Opaque)
}

/// An error's message is its `Display`, else its `Debug`, else its type's
/// name: never nothing.
#[test]
fn an_error_without_display_is_said_by_debug_or_by_name() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(fails_debug_only().unwrap_err().code, 7);
    assert!(fails_opaque().is_err());
    for (name, ty, message) in [
        ("fails_debug_only", "DebugOnly", "DebugOnly { code: 7 }"),
        ("fails_opaque", "Opaque", "observe_shapes::Opaque"),
    ] {
        let span = h.span(name);
        assert_eq!(span.status, Status::error(message));
        let exception = span.events.iter().find(|e| e.name == "exception").unwrap();
        let values: Vec<(String, Value)> = exception
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.clone()))
            .collect();
        assert_eq!(
            values,
            [
                ("exception.type".to_owned(), Value::from(ty)),
                ("exception.message".to_owned(), Value::from(message)),
            ]
        );
    }
}

/// `pricing = …` takes the result of building a table: priced when it was
/// built, nothing priced (and said once) when it was not.
#[test]
fn pricing_takes_the_result_of_building_a_table() {
    common::python_layout();
    use last9_genai::{ModelPricing, PricingTable};
    fn reply() -> serde_json::Value {
        serde_json::json!({"object": "chat.completion", "model": "house-model",
            "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 500}})
    }
    #[observe(pricing = PricingTable::new([("house-model", ModelPricing::new(1.0, 2.0))]))]
    fn priced() -> serde_json::Value {
        reply()
    }
    #[observe(pricing = PricingTable::from_json_str("not json"))]
    fn unpriced() -> serde_json::Value {
        reply()
    }
    let (_turn, h) = common::observed();
    priced();
    unpriced();
    assert_eq!(
        float(&h.span("priced"), "gen_ai.usage.cost_usd"),
        Some(0.002)
    );
    assert_eq!(float(&h.span("unpriced"), "gen_ai.usage.cost_usd"), None);
}

/// Usage recorded inside a function that prices its own calls is priced
/// with its prices, once, when the call ends.
#[test]
fn usage_recorded_in_the_body_is_priced_with_the_functions_prices() {
    common::python_layout();
    use last9_genai::{ModelPricing, PricingTable, TokenUsage, record_usage};
    #[observe(pricing = PricingTable::new([("house-model", ModelPricing::new(1.0, 2.0))]))]
    fn house() -> &'static str {
        record_usage("house-model", TokenUsage::new(1000, 500));
        "done"
    }
    let (_turn, h) = common::observed();
    assert_eq!(house(), "done");
    let span = h.span("house");
    assert_eq!(
        string(&span, "gen_ai.response.model").as_deref(),
        Some("house-model")
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), Some(1000));
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(500));
    assert_eq!(float(&span, "gen_ai.usage.cost_usd"), Some(0.002));
    let costs = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() == "gen_ai.usage.cost_usd")
        .count();
    assert_eq!(costs, 1, "priced once");
}

#[observe(kind = "tool")]
async fn search_tool(query: &str) -> usize {
    tokio::task::yield_now().await;
    query.len()
}

#[observe(name = "rag_pipeline", kind = "chain")]
async fn pipeline(q: String) -> &'static str {
    let n = search_tool(&q).await;
    assert_eq!(n, 7);
    "done"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_functions_nest_across_awaits() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(pipeline("weather".to_owned()).await, "done");
    let chain = h.span("rag_pipeline");
    let tool = h.span("search_tool");
    assert_eq!(tool.parent_span_id, chain.span_context.span_id());
    assert_eq!(
        string(&tool, "gen_ai.l9.span.kind").as_deref(),
        Some("tool")
    );
    assert_eq!(
        string(&chain, "gen_ai.l9.span.kind").as_deref(),
        Some("chain")
    );
    assert_eq!(
        string(&tool, "function.arg.query").as_deref(),
        Some("weather")
    );
}

struct Client {
    calls: u32,
}

impl Client {
    #[observe]
    fn by_ref(&self, n: u32) -> u32 {
        self.calls + n
    }

    #[observe]
    fn by_mut(&mut self) {
        self.calls += 1;
    }

    #[observe]
    fn by_value(self) -> u32 {
        self.calls
    }

    #[observe]
    async fn async_by_ref(&self) -> u32 {
        self.calls
    }
}

#[tokio::test]
async fn methods_taking_self_in_every_way() {
    common::python_layout();
    let (_turn, h) = common::observed();
    let mut client = Client { calls: 1 };
    client.by_mut();
    assert_eq!(client.by_ref(2), 4);
    assert_eq!(client.async_by_ref().await, 2);
    assert_eq!(client.by_value(), 2);
    let names: Vec<_> = h.spans().iter().map(|s| s.name.to_string()).collect();
    assert_eq!(names, ["by_mut", "by_ref", "async_by_ref", "by_value"]);
}

#[observe]
fn generic<T: std::fmt::Debug + Clone>(
    value: T,
    shown: impl std::fmt::Display,
) -> impl std::fmt::Debug {
    let _ = shown.to_string();
    value.clone()
}

#[test]
fn generic_functions_and_impl_trait() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(format!("{:?}", generic(vec![1, 2], 5)), "[1, 2]");
    let s = h.span("generic");
    // a generic parameter is captured by the best form its bounds allow:
    // here `Debug`; `impl Display` (no Debug, no Serialize) by its type's
    // name
    assert_eq!(string(&s, "function.arg.value").as_deref(), Some("[1, 2]"));
    assert_eq!(
        string(&s, "function.arg.shown").as_deref(),
        Some(std::any::type_name::<i32>())
    );
}

#[observe]
fn returns_future(x: u32) -> impl std::future::Future<Output = u32> + Send {
    async move { x + 1 }
}

#[observe]
fn returns_boxed(
    x: u32,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u32, String>> + Send>> {
    Box::pin(async move {
        if x == 0 {
            Err("zero".to_owned())
        } else {
            Ok(x)
        }
    })
}

#[tokio::test]
async fn functions_returning_futures_end_their_span_when_the_future_completes() {
    common::python_layout();
    let (_turn, h) = common::observed();
    let fut = returns_future(1);
    assert!(
        h.spans().is_empty(),
        "the span must not end before the future completes"
    );
    assert_eq!(fut.await, 2);
    assert_eq!(returns_boxed(0).await, Err("zero".to_owned()));
    let s = h.span("returns_future");
    assert_eq!(s.status, Status::Ok);
    assert_eq!(h.span("returns_boxed").status, Status::error("zero"));
}

#[async_trait::async_trait]
trait Agent {
    async fn run(&self, task: &str) -> String;
}

struct Planner;

#[async_trait::async_trait]
impl Agent for Planner {
    #[observe(kind = "agent")]
    async fn run(&self, task: &str) -> String {
        inner_step().await;
        format!("planned {task}")
    }
}

#[observe]
async fn inner_step() {}

trait NativeAsync {
    fn go(&self) -> impl std::future::Future<Output = u8> + Send;
}

impl NativeAsync for Planner {
    #[observe]
    async fn go(&self) -> u8 {
        7
    }
}

#[tokio::test]
async fn async_trait_methods_and_native_async_fns_in_traits() {
    common::python_layout();
    let (_turn, h) = common::observed();
    assert_eq!(Planner.run("trip").await, "planned trip");
    assert_eq!(Planner.go().await, 7);
    let run = h.span("run");
    assert_eq!(
        string(&run, "gen_ai.l9.span.kind").as_deref(),
        Some("agent")
    );
    assert_eq!(string(&run, "function.arg.task").as_deref(), Some("trip"));
    assert_eq!(
        h.span("inner_step").parent_span_id,
        run.span_context.span_id()
    );
    assert_eq!(h.span("go").status, Status::Ok);
}

#[observe]
fn panics(x: u8) -> u8 {
    if x > 0 {
        panic!("boom");
    }
    x
}

#[test]
fn a_panic_ends_the_span_with_error_and_goes_on() {
    common::python_layout();
    let (_turn, h) = common::observed();
    let result = std::panic::catch_unwind(|| panics(1));
    assert!(result.is_err());
    let s = h.span("panics");
    assert!(matches!(s.status, Status::Error { .. }));
    assert_eq!(s.events.iter().filter(|e| e.name == "exception").count(), 1);
}

#[test]
fn spans_made_inside_the_body_are_children() {
    common::python_layout();
    let (_turn, h) = common::observed();
    #[observe]
    fn outer(h: &Harness) {
        h.tracer.start("otel_child").end();
        inner();
    }
    #[observe]
    fn inner() {}
    outer(h);
    let outer = h.span("outer");
    assert_eq!(
        h.span("otel_child").parent_span_id,
        outer.span_context.span_id()
    );
    assert_eq!(h.span("inner").parent_span_id, outer.span_context.span_id());
    // a type with neither Serialize nor Debug: its name
    assert_eq!(
        string(&outer, "function.arg.h").as_deref(),
        Some("&observe_shapes::common::Harness")
    );
}

#[observe]
async fn migrating(h: &Harness) -> usize {
    let mut threads = std::collections::HashSet::new();
    for _ in 0..50 {
        threads.insert(std::thread::current().id());
        h.tracer.start("step").end();
        // Block this worker while another thread wakes the task, so that an
        // idle worker picks it up.
        tokio::spawn(async { std::thread::sleep(std::time::Duration::from_millis(3)) });
        let (wake, woken) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1));
            let _ = wake.send(());
        });
        woken.await.unwrap();
        if threads.len() > 1 {
            break;
        }
    }
    threads.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_span_stays_current_while_the_task_moves_between_threads() {
    common::python_layout();
    let (_turn, h) = common::observed();
    let threads = tokio::spawn(migrating(h)).await.unwrap();
    assert!(threads > 1, "the task never moved");
    let parent = h.span("migrating").span_context.span_id();
    let steps: Vec<_> = h.spans().into_iter().filter(|s| s.name == "step").collect();
    assert!(steps.len() > 1);
    assert!(steps.iter().all(|s| s.parent_span_id == parent));
}

#[test]
fn tracing_spans_inside_the_body_are_children_and_observed_calls_inside_tracing_spans_are_theirs() {
    common::python_layout();
    use tracing_subscriber::layer::SubscriberExt;
    let (_turn, h) = common::observed();
    #[observe]
    fn observed_outer() {
        tracing::info_span!("tracing_child").in_scope(|| {});
    }
    #[observe]
    fn observed_inner() {}
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(h.tracer.clone()));
    tracing::subscriber::with_default(subscriber, || {
        observed_outer();
        tracing::info_span!("tracing_parent").in_scope(observed_inner);
    });
    let outer = h.span("observed_outer");
    assert_eq!(
        h.span("tracing_child").parent_span_id,
        outer.span_context.span_id()
    );
    let parent = h.span("tracing_parent");
    assert_eq!(
        h.span("observed_inner").parent_span_id,
        parent.span_context.span_id()
    );
}
