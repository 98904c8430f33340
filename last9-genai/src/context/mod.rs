//! Conversation, workflow, agent and custom-attribute scopes.
//!
//! A scope lives in the OpenTelemetry [`Context`], so every span started while
//! it is current — by this crate, by the plain OpenTelemetry API, by `tracing`
//! through tracing-opentelemetry, or by any other instrumentation — carries
//! its attributes once [`Last9SpanProcessor`](crate::Last9SpanProcessor) is
//! installed.
//!
//! * Sync code: `enter()` returns a guard; the scope ends when it drops.
//! * Async code: [`ScopeExt::with_scope`] attaches the scope on every poll of a
//!   future or stream, on whatever thread polls it.
//! * New tasks and threads: [`spawn`](crate::spawn), [`spawn_blocking`](crate::spawn_blocking),
//!   [`spawn_thread`] and [`with_current_scope`] carry the current scope along;
//!   a task spawned without them starts with no scope.
//!
//! Scopes nest: inner values win and outer values come back when the inner
//! scope ends. `user.id` comes from the innermost scope that sets it; a nested
//! agent replaces the whole agent identity.
//!
//! ```
//! use last9_genai::{conversation, custom_attributes};
//!
//! let _conversation = conversation("session_123").user_id("user_456").enter();
//! let _tenant = custom_attributes([("tenant", "acme")]).enter();
//! // every span started here carries gen_ai.conversation.id, user.id and custom.tenant
//! ```

mod agent;
mod conversation;
mod custom;
mod future;
mod spawn;
mod state;
mod totals;
mod workflow;

pub use agent::{Agent, agent};
pub use conversation::{ActiveConversation, Conversation, ConversationGuard, conversation};
pub use custom::{CustomAttributes, custom_attributes};
pub use future::{ScopeExt, WithScope};
#[cfg(feature = "tokio")]
pub use spawn::{spawn, spawn_blocking};
pub use spawn::{spawn_thread, with_current_scope};
pub(crate) use state::{Layer, MetricScope, ScopeState, WorkflowIdentity};
pub(crate) use totals::ScopeTotals;
pub use totals::{BudgetExceeded, BudgetUnit, Spending};
pub use workflow::{ActiveWorkflow, Workflow, WorkflowGuard, workflow};

use std::marker::PhantomData;

use opentelemetry::{Context, ContextGuard};

/// Something that can become the current scope: a scope builder
/// ([`conversation`], [`workflow`], [`agent`],
/// [`custom_attributes`]), an open [`ActiveWorkflow`],
/// or a whole OpenTelemetry [`Context`].
///
/// Used by [`ScopeExt::with_scope`]; this trait is sealed.
///
/// ```
/// use last9_genai::{ScopeExt, conversation};
///
/// # futures::executor::block_on(async {
/// let answer = async { 42 }.with_scope(conversation("c1")).await;
/// assert_eq!(answer, 42);
/// # });
/// ```
pub trait IntoScope: sealed::Sealed {
    #[doc(hidden)]
    fn into_scope(self, parent: &Context) -> sealed::Scope;
}

pub(crate) mod sealed {
    use opentelemetry::Context;

    use super::ActiveWorkflow;

    pub trait Sealed {}

    /// A scope made current: its context, and the workflows it opened,
    /// which are closed when the scope ends.
    #[derive(Debug)]
    pub struct Scope {
        pub(crate) cx: Context,
        pub(crate) workflows: Opened,
    }

    impl Scope {
        /// `self`, then `next` derived on top of it.
        pub(crate) fn then(mut self, next: impl FnOnce(&Context) -> Scope) -> Scope {
            let Scope { cx, workflows } = next(&self.cx);
            self.cx = cx;
            self.workflows.0.extend(workflows.take());
            self
        }
    }

    /// Workflows a scope opened, outermost first; closed innermost first.
    #[derive(Debug, Default)]
    pub(crate) struct Opened(Vec<ActiveWorkflow>);

    impl Opened {
        pub(crate) fn one(workflow: ActiveWorkflow) -> Self {
            Self(vec![workflow])
        }

        fn take(mut self) -> Vec<ActiveWorkflow> {
            std::mem::take(&mut self.0)
        }

        /// Closes every workflow, innermost first, so that an inner
        /// workflow's totals reach the outer one before it closes.
        pub(crate) fn close(&mut self) {
            while let Some(workflow) = self.0.pop() {
                drop(workflow);
            }
        }
    }

    impl Drop for Opened {
        fn drop(&mut self) {
            self.close();
        }
    }
}

impl sealed::Sealed for Context {}

impl IntoScope for Context {
    fn into_scope(self, _parent: &Context) -> sealed::Scope {
        sealed::Scope {
            cx: self,
            workflows: sealed::Opened::default(),
        }
    }
}

/// Several scopes at once, the first outermost: `(conversation(..),
/// workflow(..))` opens the workflow inside the conversation.
macro_rules! tuple_scopes {
    ($(($first:ident $(, $rest:ident)+)),*) => {$(
        impl<$first: IntoScope $(, $rest: IntoScope)+> sealed::Sealed for ($first, $($rest),+) {}

        impl<$first: IntoScope $(, $rest: IntoScope)+> IntoScope for ($first, $($rest),+) {
            #[allow(non_snake_case)]
            fn into_scope(self, parent: &Context) -> sealed::Scope {
                let ($first, $($rest),+) = self;
                $first.into_scope(parent)$(.then(|cx| $rest.into_scope(cx)))+
            }
        }
    )*};
}

tuple_scopes!((A, B), (A, B, C), (A, B, C, D));

/// Makes a scope current on this thread until dropped.
///
/// Returned by `enter()` on the scope builders. Guards may be dropped in any
/// order: once all are dropped the context is exactly what it was before.
/// A guard stays on the thread that made it (it is not `Send`); in async code
/// use [`ScopeExt::with_scope`] instead.
///
/// ```
/// use last9_genai::conversation;
///
/// {
///     let _guard = conversation("c1").enter();
///     assert_eq!(last9_genai::current_conversation_id().as_deref(), Some("c1"));
/// }
/// assert_eq!(last9_genai::current_conversation_id(), None);
/// ```
#[must_use = "the scope ends when the guard is dropped"]
#[derive(Debug)]
pub struct ScopeGuard {
    _guard: ContextGuard,
    _not_send: PhantomData<*const ()>,
}

impl ScopeGuard {
    pub(crate) fn attach(cx: Context) -> Self {
        Self {
            _guard: cx.attach(),
            _not_send: PhantomData,
        }
    }
}

/// Derives the context for `layer` on top of `parent`.
pub(crate) fn layered(parent: &Context, layer: Layer) -> Context {
    parent.with_value(ScopeState::derive(parent.get::<ScopeState>(), layer))
}

/// The conversation id of the current scope, if any.
///
/// ```
/// use last9_genai::{conversation, current_conversation_id};
///
/// let _guard = conversation("c42").enter();
/// assert_eq!(current_conversation_id().as_deref(), Some("c42"));
/// ```
pub fn current_conversation_id() -> Option<std::sync::Arc<str>> {
    Context::map_current(|cx| cx.get::<ScopeState>().and_then(ScopeState::conversation_id))
}

/// Checks every budget of the workflows and conversations current here:
/// `Ok` while none is spent, else the first spent one from the innermost
/// scope outwards. Cheap enough to call before every model call (a
/// context lookup and one atomic load per budget); `Ok` outside any
/// budgeted scope.
///
/// ```
/// use last9_genai::{BudgetExceeded, check_budget, workflow};
///
/// fn plan_step() -> Result<&'static str, BudgetExceeded> {
///     check_budget()?;
///     Ok("called the model")
/// }
///
/// let _wf = workflow("agent").budget_usd(0.0).enter();
/// let stopped = plan_step().unwrap_err();
/// assert_eq!(stopped.scope_id(), "agent");
/// ```
pub fn check_budget() -> Result<(), BudgetExceeded> {
    Context::map_current(|cx| current_totals(cx).map_or(Ok(()), |totals| totals.check()))
}

/// Whether a budget of the workflows and conversations current here is
/// spent (see [`check_budget`]).
///
/// ```
/// use last9_genai::{over_budget, workflow};
///
/// assert!(!over_budget());
/// let _wf = workflow("agent").budget_tokens(0).enter();
/// assert!(over_budget());
/// ```
pub fn over_budget() -> bool {
    check_budget().is_err()
}

/// What is left, in USD, of the tightest USD budget of the workflows and
/// conversations current here; `None` when none has one.
///
/// ```
/// use last9_genai::{remaining_usd, workflow};
///
/// assert_eq!(remaining_usd(), None);
/// let _wf = workflow("agent").budget_usd(0.75).enter();
/// assert_eq!(remaining_usd(), Some(0.75));
/// ```
pub fn remaining_usd() -> Option<f64> {
    Context::map_current(|cx| current_totals(cx)?.remaining_usd())
}

/// What is left of the tightest token budget of the workflows and
/// conversations current here; `None` when none has one.
///
/// ```
/// use last9_genai::{conversation, remaining_tokens};
///
/// let _chat = conversation("c1").budget_tokens(4096).enter();
/// assert_eq!(remaining_tokens(), Some(4096));
/// ```
pub fn remaining_tokens() -> Option<u64> {
    Context::map_current(|cx| current_totals(cx)?.remaining_tokens())
}

fn current_totals(cx: &Context) -> Option<&std::sync::Arc<ScopeTotals>> {
    cx.get::<ScopeState>()?.totals()
}

/// The running totals (cost in USD, LLM calls, tool calls) of the workflow
/// `id`, when it is the innermost workflow open in the current context.
pub(crate) fn open_workflow_totals(id: &str) -> Option<(f64, u64, u64)> {
    Context::map_current(|cx| {
        let totals = cx
            .get::<ScopeState>()?
            .workflow()
            .filter(|workflow| &*workflow.id == id)?
            .totals
            .as_ref()?;
        Some((totals.cost_usd(), totals.llm_calls(), totals.tool_calls()))
    })
}

/// Enters the scope `scope` builds on the current context.
fn enter(scope: impl IntoScope) -> ScopeGuard {
    let cx = Context::map_current(|parent| scope.into_scope(parent).cx);
    ScopeGuard::attach(cx)
}

/// The scope that `layer` makes on `parent`, opening no workflow.
fn scope(parent: &Context, layer: state::Layer) -> sealed::Scope {
    sealed::Scope {
        cx: layered(parent, layer),
        workflows: sealed::Opened::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The budget functions read the tightest budget of the scopes current
    /// here, and say nothing outside them.
    #[test]
    fn budgets_are_read_from_the_scopes_current_here() {
        let outside = || {
            assert!(check_budget().is_ok());
            assert!(!over_budget());
            assert_eq!((remaining_usd(), remaining_tokens()), (None, None));
        };
        outside();
        {
            let _agent = workflow("agent").budget_usd(0.75).enter();
            let _chat = conversation("c1").budget_tokens(4096).enter();
            assert!(check_budget().is_ok());
            assert!(!over_budget());
            assert_eq!(remaining_usd(), Some(0.75));
            assert_eq!(remaining_tokens(), Some(4096));
            let _step = workflow("step").budget_tokens(0).enter();
            assert_eq!(check_budget().unwrap_err().scope_id(), "step");
            assert!(over_budget());
            assert_eq!(remaining_tokens(), Some(0));
            assert_eq!(remaining_usd(), Some(0.75));
        }
        outside();
    }
}
