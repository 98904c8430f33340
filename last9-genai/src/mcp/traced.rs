//! A request's future run in its span's context: the span current on every
//! poll, ended with the request's outcome when the future is ready, or with
//! the panic's message when a poll panics.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, ready};

use pin_project_lite::pin_project;

use super::call::{McpCall, Outcome};
use crate::observe::panics;

/// How an error of a request's result ends its span.
pub(crate) trait Failure {
    fn outcome(&self) -> Outcome<'_>;
}

pin_project! {
    /// `request`, traced by `call`; `end` ends `call` with a success.
    pub(crate) struct Traced<F, T> {
        #[pin]
        request: F,
        call: Option<McpCall>,
        end: fn(McpCall, &T),
    }
}

impl<F, T> Traced<F, T> {
    pub(crate) fn new(call: McpCall, request: F, end: fn(McpCall, &T)) -> Self {
        Self {
            request,
            call: Some(call),
            end,
        }
    }
}

impl<F, T, E> Future for Traced<F, T>
where
    F: Future<Output = Result<T, E>>,
    E: Failure,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(call) = this.call.as_ref() else {
            return this.request.poll(task);
        };
        let attached = call.context().clone().attach();
        let request = this.request;
        let slot = this.call;
        let result = ready!(panics::on_panic(
            || request.poll(task),
            |message| {
                if let Some(call) = slot.take() {
                    call.end(Outcome::Panicked(message));
                }
            },
        ));
        drop(attached);
        if let Some(call) = slot.take() {
            match &result {
                Ok(done) => (this.end)(call, done),
                Err(error) => call.end(error.outcome()),
            }
        }
        Poll::Ready(result)
    }
}
