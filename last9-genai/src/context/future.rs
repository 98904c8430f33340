//! [`WithScope`]: a future or stream that runs with a scope current on every
//! poll, on whatever thread polls it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures_core::Stream;
use opentelemetry::Context;
use pin_project_lite::pin_project;

use super::IntoScope;
use super::sealed::{Opened, Scope};

/// Runs futures and streams inside a scope.
///
/// Implemented for every type; `with_scope` is useful on futures and streams.
/// (It is not named `in_scope`, so as not to shadow `tracing::Span::in_scope`.)
///
/// ```
/// use last9_genai::{ScopeExt, conversation, current_conversation_id};
///
/// # futures::executor::block_on(async {
/// let seen = async { current_conversation_id() }
///     .with_scope(conversation("session_123").user_id("user_456"))
///     .await;
/// assert_eq!(seen.as_deref(), Some("session_123"));
/// # });
/// ```
pub trait ScopeExt: Sized {
    /// Wraps `self` so that `scope`, on top of the context current *now*, is
    /// current on every poll. Because the context is taken when `with_scope`
    /// is called (as `tracing`'s `instrument` takes its span), a future
    /// handed to another task keeps the caller's scopes.
    ///
    /// Several scopes: give a tuple, outermost first,
    /// `f().with_scope((workflow(..), agent(..)))`, or chain the calls,
    /// `f().with_scope(workflow(..)).with_scope(agent(..))`: both apply every
    /// scope, each later one inside the earlier (it wins where both set a
    /// value). A workflow opened this way is closed, and its totals written,
    /// when the future completes, the stream ends, or the wrapper is
    /// dropped; nested workflows close innermost first.
    ///
    /// ```
    /// use last9_genai::{ScopeExt, workflow};
    ///
    /// # futures::executor::block_on(async {
    /// let steps = async { 3 }.with_scope(workflow("rag_search").workflow_type("retrieval")).await;
    /// assert_eq!(steps, 3);
    /// # });
    /// ```
    fn with_scope<S: IntoScope>(self, scope: S) -> WithScope<Self> {
        let Scope { cx, workflows } = Context::map_current(|parent| scope.into_scope(parent));
        WithScope {
            inner: self,
            cx,
            workflows,
        }
    }
}

impl<T> ScopeExt for T {}

pin_project! {
    /// A future or stream with a scope current on every poll; made by
    /// [`ScopeExt::with_scope`].
    ///
    /// ```
    /// use last9_genai::{ScopeExt, WithScope, conversation};
    ///
    /// let fut: WithScope<_> = async { 1 }.with_scope(conversation("c1"));
    /// assert_eq!(futures::executor::block_on(fut), 1);
    /// ```
    #[derive(Debug)]
    #[must_use = "futures and streams do nothing unless polled"]
    pub struct WithScope<T> {
        #[pin]
        inner: T,
        cx: Context,
        workflows: Opened,
    }
}

impl<T> WithScope<T> {
    /// Adds `scope` inside the scopes already applied: chained calls apply
    /// every scope, where a plain wrapper of a wrapper would let the inner
    /// context hide the outer one.
    ///
    /// ```
    /// use last9_genai::{ScopeExt, agent, conversation, current_conversation_id};
    ///
    /// # futures::executor::block_on(async {
    /// let seen = async { current_conversation_id() }
    ///     .with_scope(conversation("c1"))
    ///     .with_scope(agent("planner"))
    ///     .await;
    /// assert_eq!(seen.as_deref(), Some("c1"));
    /// # });
    /// ```
    pub fn with_scope<S: IntoScope>(self, scope: S) -> WithScope<T> {
        let Self {
            inner,
            cx,
            workflows,
        } = self;
        let Scope { cx, workflows } = Scope { cx, workflows }.then(|cx| scope.into_scope(cx));
        WithScope {
            inner,
            cx,
            workflows,
        }
    }

    /// The context made current on every poll.
    ///
    /// ```
    /// use last9_genai::{ScopeExt, conversation, current_conversation_id};
    ///
    /// let fut = async {}.with_scope(conversation("c1"));
    /// let _attached = fut.context().clone().attach();
    /// assert_eq!(current_conversation_id().as_deref(), Some("c1"));
    /// ```
    pub fn context(&self) -> &Context {
        &self.cx
    }
}

impl<T: Future> Future for WithScope<T> {
    type Output = T::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let guard = this.cx.clone().attach();
        let poll = this.inner.poll(task);
        drop(guard);
        if poll.is_ready() {
            // Close the workflows now, not whenever the wrapper is dropped.
            this.workflows.close();
        }
        poll
    }
}

impl<T: Stream> Stream for WithScope<T> {
    type Item = T::Item;

    fn poll_next(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Option<T::Item>> {
        let this = self.project();
        let guard = this.cx.clone().attach();
        let poll = this.inner.poll_next(task);
        drop(guard);
        if let Poll::Ready(None) = poll {
            this.workflows.close();
        }
        poll
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;
    use crate::context::conversation::conversation;
    use crate::context::current_conversation_id;

    /// The context a future runs in is the one it shows.
    #[test]
    fn a_scoped_future_shows_its_context() {
        let future = async {}.with_scope(conversation("c1"));
        let _attached = future.context().clone().attach();
        assert_eq!(current_conversation_id().as_deref(), Some("c1"));
    }

    /// A stream in a scope says what its inner stream says of its length,
    /// so that `collect` sizes its buffer from it.
    #[test]
    fn a_scoped_stream_keeps_its_size_hint() {
        let stream = futures::stream::iter([1, 2, 3]).with_scope(conversation("c1"));
        assert_eq!(stream.size_hint(), (3, Some(3)));
        let stream = futures::stream::iter([1, 2, 3])
            .filter(|n| std::future::ready(*n > 1))
            .with_scope(conversation("c1"));
        assert_eq!(stream.size_hint(), (0, Some(3)));
    }
}
