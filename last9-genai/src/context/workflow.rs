//! Workflow scopes: a span that parents every step of a workflow, and the
//! totals of cost, LLM calls and tool calls written on it when it closes.
//!
//! Totals count every LLM span (one with a model and token usage) and every
//! tool span that *ended* inside the workflow's scope, made by any
//! instrumentation, on any thread or task the scope was carried to. A nested
//! workflow's spans count toward the outer workflows too. Counting happens in
//! [`Last9SpanProcessor`](crate::Last9SpanProcessor); without it the totals
//! stay at zero.
//!
//! ```
//! use last9_genai::workflow;
//!
//! let wf = workflow("rag_search").workflow_type("retrieval").enter();
//! // retrieve(); rerank(); generate();
//! println!("{} LLM calls so far, ${:.6}", wf.llm_calls(), wf.total_cost_usd());
//! drop(wf); // the workflow span ends, carrying workflow.total_cost_usd and the call counts
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Span as _, SpanBuilder, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, ContextGuard, KeyValue};
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};

use super::sealed::{Opened, Scope, Sealed};
use super::totals::{BudgetSpec, ScopeKind, ScopeTotals, Spending};
use super::{IntoScope, Layer, ScopeGuard, ScopeState, WorkflowIdentity, layered};
use crate::attributes as attr;
use crate::metrics;
use crate::pipeline::{self, TRACER_NAME};
use crate::settings;
use crate::text::saturating_i64;

/// Starts a workflow scope: a span named after the workflow that parents
/// every span inside, each of which carries `workflow.id` (and
/// `workflow.type`, `user.id` when given).
///
/// ```
/// use last9_genai::workflow;
///
/// let _wf = workflow("order_lookup").workflow_type("support").user_id("u1").enter();
/// ```
pub fn workflow(id: impl Into<Arc<str>>) -> Workflow {
    Workflow {
        id: id.into(),
        kind: None,
        user_id: None,
        span_name: None,
        tracer: None,
        budget: BudgetSpec::default(),
    }
}

/// A workflow scope, made by [`workflow`].
///
/// ```
/// use last9_genai::{Workflow, workflow};
///
/// let scope: Workflow = workflow("rag").workflow_type("retrieval");
/// let guard = scope.enter();
/// assert_eq!(guard.llm_calls(), 0);
/// ```
#[must_use = "a workflow does nothing until entered, started or attached to a future"]
pub struct Workflow {
    id: Arc<str>,
    kind: Option<Arc<str>>,
    user_id: Option<Arc<str>>,
    span_name: Option<Cow<'static, str>>,
    tracer: Option<BoxedTracer>,
    budget: BudgetSpec,
}

impl fmt::Debug for Workflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workflow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("user_id", &self.user_id)
            .field("span_name", &self.span_name)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl Workflow {
    /// Sets `workflow.type`.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let _wf = workflow("rag").workflow_type("retrieval").enter();
    /// ```
    pub fn workflow_type(mut self, kind: impl Into<Arc<str>>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// Sets `user.id` for every span inside.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let _wf = workflow("rag").user_id("u1").enter();
    /// ```
    pub fn user_id(mut self, user_id: impl Into<Arc<str>>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Names the workflow span (default: the workflow id).
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let _wf = workflow("req-7f3a").span_name("rag_search").enter();
    /// ```
    pub fn span_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.span_name = Some(name.into());
        self
    }

    /// Gives the workflow a budget in USD. Model calls inside count toward
    /// it and toward every budget around it; code inside reads what is left
    /// with [`Spending::remaining_usd`] or stops with
    /// [`Spending::check_budget`]. Reaching 80% of it (see
    /// [`budget_warning_at`](Self::budget_warning_at)) and spending it each
    /// record an event, a warning and a count in the metrics; calls are
    /// never stopped for you. A negative, infinite or NaN amount is refused
    /// with a warning and leaves no budget.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let wf = workflow("agent").budget_usd(0.50).enter();
    /// while !wf.over_budget() {
    ///     // plan, call the model, act
    ///     # break;
    /// }
    /// ```
    pub fn budget_usd(mut self, usd: f64) -> Self {
        self.budget.usd(ScopeKind::Workflow, &self.id, usd);
        self
    }

    /// Gives the workflow a budget in tokens: the input and output tokens
    /// of the model calls inside, counted as [`budget_usd`](Self::budget_usd)
    /// counts cost.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let wf = workflow("agent").budget_tokens(100_000).enter();
    /// assert_eq!(wf.remaining_tokens(), Some(100_000));
    /// ```
    pub fn budget_tokens(mut self, tokens: u64) -> Self {
        self.budget.tokens(tokens);
        self
    }

    /// The fraction of a budget at which a warning is recorded, in
    /// `(0, 1]`; 0.8 by default. Another value is refused with a warning.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let _wf = workflow("agent").budget_usd(1.0).budget_warning_at(0.5).enter();
    /// ```
    pub fn budget_warning_at(mut self, fraction: f64) -> Self {
        self.budget.warning(ScopeKind::Workflow, &self.id, fraction);
        self
    }

    /// Makes the workflow span with `tracer` instead of the global tracer
    /// named [`TRACER_NAME`].
    ///
    /// ```
    /// use last9_genai::workflow;
    /// use opentelemetry::trace::TracerProvider as _;
    /// use opentelemetry_sdk::trace::SdkTracerProvider;
    ///
    /// let provider = SdkTracerProvider::builder().build();
    /// let _wf = workflow("rag").tracer(provider.tracer("my-app")).enter();
    /// ```
    pub fn tracer<T>(mut self, tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        self.tracer = Some(BoxedTracer::new(Box::new(tracer)));
        self
    }

    /// Opens the workflow: starts its span inside the current context and
    /// returns the handle that closes it when dropped. The workflow is not
    /// made current; use [`ActiveWorkflow::enter`] or
    /// [`ScopeExt::with_scope`](crate::ScopeExt::with_scope) with `&workflow`.
    ///
    /// ```
    /// use last9_genai::{ScopeExt, workflow};
    ///
    /// # futures::executor::block_on(async {
    /// let wf = workflow("batch").start();
    /// async {}.with_scope(&wf).await;
    /// async {}.with_scope(&wf).await;
    /// assert_eq!(wf.llm_calls(), 0);
    /// # });
    /// ```
    pub fn start(self) -> ActiveWorkflow {
        Context::map_current(|parent| self.start_in(parent))
    }

    /// Opens the workflow and makes it current on this thread; it closes
    /// when the guard drops.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let wf = workflow("rag").enter();
    /// assert_eq!(wf.tool_calls(), 0);
    /// ```
    pub fn enter(self) -> WorkflowGuard {
        let workflow = self.start();
        WorkflowGuard {
            guard: workflow.cx.clone().attach(),
            workflow,
            _not_send: PhantomData,
        }
    }

    fn start_in(self, parent: &Context) -> ActiveWorkflow {
        let parent_totals = parent.get::<ScopeState>().and_then(ScopeState::totals);
        let totals = Arc::new(ScopeTotals::new(
            ScopeKind::Workflow,
            self.id.clone(),
            self.budget,
            parent_totals.cloned(),
        ));
        let run_id: Arc<str> = new_run_id().into();
        let scoped = layered(
            parent,
            Layer::Workflow {
                identity: WorkflowIdentity {
                    id: self.id.clone(),
                    kind: self.kind,
                    run_id: Some(run_id.clone()),
                    totals: Some(totals.clone()),
                },
                user_id: self.user_id,
            },
        );
        let metered = metrics::on().then(|| (Instant::now(), self.id.clone()));
        let name = self
            .span_name
            .unwrap_or_else(|| Cow::Owned(self.id.to_string()));
        let tracer = self.tracer.unwrap_or_else(|| global::tracer(TRACER_NAME));
        // What the span is, for samplers and backends: the conventions'
        // workflow operation and name, and OpenInference's kind, which the
        // conventions leave Phoenix without.
        let attributes = vec![
            KeyValue::new(attr::OPERATION_NAME, attr::operation::INVOKE_WORKFLOW),
            KeyValue::new(attr::WORKFLOW_NAME, self.id.clone()),
            KeyValue::new(attr::OPENINFERENCE_SPAN_KIND, "CHAIN"),
        ];
        #[cfg(feature = "tracing")]
        let bridged = (name.clone(), attributes.clone());
        let builder = SpanBuilder::from_name(name).with_attributes(attributes);
        let span = tracer.build_with_context(builder, &scoped);
        if !span.is_recording() && pipeline::is_noop(span.span_context(), &scoped) {
            // No provider registered: the span of a tracing-opentelemetry
            // layer's provider, when there is one.
            #[cfg(feature = "tracing")]
            if let Some(span) = crate::bridge::tracing_span(&bridged.0, &scoped, bridged.1) {
                return ActiveWorkflow {
                    cx: scoped.with_span(span),
                    spending: Spending(totals),
                    run_id,
                    own_span: true,
                    metered,
                };
            }
            pipeline::unregistered();
            // No span: the scope alone, so that what runs inside keeps the
            // parent it had (under a no-op span, the SDK would drop it).
            return ActiveWorkflow {
                cx: scoped,
                spending: Spending(totals),
                run_id,
                own_span: false,
                metered,
            };
        }
        ActiveWorkflow {
            cx: scoped.with_span(span),
            spending: Spending(totals),
            run_id,
            own_span: true,
            metered,
        }
    }
}

/// What a budgeted workflow's span says when it closes: its budgets, its
/// tokens, and whether a budget is spent.
fn budget_attributes(totals: &ScopeTotals) -> Vec<KeyValue> {
    let mut attributes = vec![
        KeyValue::new(attr::WORKFLOW_TOTAL_TOKENS, saturating_i64(totals.tokens())),
        KeyValue::new(attr::WORKFLOW_OVER_BUDGET, totals.exceeded().is_some()),
    ];
    attributes.extend(
        totals
            .budget_usd()
            .map(|usd| KeyValue::new(attr::WORKFLOW_BUDGET_USD, usd)),
    );
    attributes.extend(
        totals
            .budget_tokens()
            .map(|tokens| KeyValue::new(attr::WORKFLOW_BUDGET_TOKENS, saturating_i64(tokens))),
    );
    settings::add_previous_keys(&mut attributes);
    attributes
}

/// A new run's id: 16 random hex digits.
fn new_run_id() -> String {
    RandomIdGenerator::default().new_span_id().to_string()
}

/// An open workflow, made by [`Workflow::start`]. It closes when dropped:
/// its span gets the totals and ends.
///
/// It can be shared by reference with many futures through
/// [`ScopeExt::with_scope`](crate::ScopeExt::with_scope), and reports running
/// totals while open, for budgets.
///
/// ```
/// use last9_genai::workflow;
///
/// let wf = workflow("batch").start();
/// {
///     let _inside = wf.enter();
///     // LLM and tool calls here count toward wf
/// }
/// assert!(wf.total_cost_usd() < 1.0);
/// ```
#[derive(Debug)]
pub struct ActiveWorkflow {
    cx: Context,
    spending: Spending,
    run_id: Arc<str>,
    /// Whether the span current in `cx` is the workflow's own, to end.
    own_span: bool,
    /// When metrics are recorded: when the workflow started, and its name.
    metered: Option<(Instant, Arc<str>)>,
}

impl ActiveWorkflow {
    /// Makes this workflow current on this thread until the guard drops.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let wf = workflow("batch").start();
    /// let _inside = wf.enter();
    /// ```
    pub fn enter(&self) -> ScopeGuard {
        ScopeGuard::attach(self.cx.clone())
    }

    /// The context inside this workflow: its scope and its span.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// use opentelemetry::trace::TraceContextExt;
    ///
    /// let wf = workflow("batch").start();
    /// let _ = wf.context().span().span_context().span_id();
    /// ```
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// This run's id, `workflow.run_id` on every span inside: 16 hex
    /// digits, new for each run of the workflow.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let (a, b) = (workflow("w").start(), workflow("w").start());
    /// assert_eq!(a.run_id().len(), 16);
    /// assert_ne!(a.run_id(), b.run_id());
    /// ```
    pub fn run_id(&self) -> &str {
        &self.run_id
    }
}

impl Deref for ActiveWorkflow {
    type Target = Spending;

    fn deref(&self) -> &Spending {
        &self.spending
    }
}

impl Drop for ActiveWorkflow {
    fn drop(&mut self) {
        if let Some((start, name)) = self.metered.take() {
            metrics::record_workflow(name.into(), start.elapsed());
        }
        if !self.own_span {
            return;
        }
        let span = self.cx.span();
        let totals = &self.spending.0;
        let mut attributes = vec![
            KeyValue::new(attr::WORKFLOW_TOTAL_COST_USD, totals.cost_usd()),
            KeyValue::new(
                attr::WORKFLOW_TOTAL_COST_MICRO_USD,
                saturating_i64(totals.cost_micro()),
            ),
            KeyValue::new(attr::WORKFLOW_LLM_CALLS, saturating_i64(totals.llm_calls())),
            KeyValue::new(
                attr::WORKFLOW_TOOL_CALLS,
                saturating_i64(totals.tool_calls()),
            ),
        ];
        settings::add_previous_keys(&mut attributes);
        span.set_attributes(attributes);
        if totals.has_budget() {
            span.set_attributes(budget_attributes(totals));
            for (at, name, attributes) in totals.crossings() {
                span.add_event_with_timestamp(name, at, attributes);
            }
        }
        span.set_status(if std::thread::panicking() {
            Status::error("the workflow panicked")
        } else {
            Status::Ok
        });
        span.end();
    }
}

impl Sealed for Workflow {}
impl Sealed for &ActiveWorkflow {}

impl IntoScope for Workflow {
    fn into_scope(self, parent: &Context) -> Scope {
        let workflow = self.start_in(parent);
        Scope {
            cx: workflow.cx.clone(),
            workflows: Opened::one(workflow),
        }
    }
}

impl IntoScope for &ActiveWorkflow {
    fn into_scope(self, _parent: &Context) -> Scope {
        Scope {
            cx: self.cx.clone(),
            workflows: Opened::default(),
        }
    }
}

/// An open workflow made current on this thread by [`Workflow::enter`]. It
/// dereferences to [`ActiveWorkflow`] for the running totals; dropping it
/// leaves the scope and closes the workflow.
///
/// ```
/// use last9_genai::{WorkflowGuard, workflow};
///
/// let guard: WorkflowGuard = workflow("rag").enter();
/// let budget_left = 0.50 - guard.total_cost_usd();
/// assert_eq!(budget_left, 0.50);
/// ```
#[must_use = "the workflow closes when the guard is dropped"]
#[derive(Debug)]
pub struct WorkflowGuard {
    guard: ContextGuard,
    workflow: ActiveWorkflow,
    _not_send: PhantomData<*const ()>,
}

impl Deref for WorkflowGuard {
    type Target = ActiveWorkflow;

    fn deref(&self) -> &ActiveWorkflow {
        &self.workflow
    }
}

impl WorkflowGuard {
    /// Leaves the scope and closes the workflow now, returning nothing;
    /// the same as dropping the guard.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// workflow("w").enter().close();
    /// ```
    pub fn close(self) {
        let Self {
            guard, workflow, ..
        } = self;
        drop(guard);
        drop(workflow);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Debug` shows what the workflow is, never the tracer behind it.
    #[test]
    fn a_workflow_debugs_as_what_it_is() {
        let text = format!(
            "{:?}",
            workflow("triage").workflow_type("support").user_id("u1")
        );
        assert!(
            text.starts_with(r#"Workflow { id: "triage", kind: Some("support"), user_id: Some("u1"), span_name: None, budget: "#),
            "{text}"
        );
        assert!(text.ends_with(", .. }"), "{text}");
    }

    /// The context an open workflow shows is the one inside it: its scope,
    /// with this run's id.
    #[test]
    fn an_open_workflows_context_is_inside_it() {
        let wf = workflow("batch").start();
        let state = wf.context().get::<ScopeState>().unwrap();
        let identity = state.workflow().unwrap();
        assert_eq!(&*identity.id, "batch");
        assert_eq!(identity.run_id.as_deref(), Some(wf.run_id()));
    }
}
