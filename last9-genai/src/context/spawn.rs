//! Carrying the current scope into new tasks and threads.
//!
//! A task or thread starts with an empty context: that is how one request's
//! conversation never leaks into another's. These helpers carry the current
//! context (scopes and the current span) along on purpose.

use opentelemetry::Context;

/// Wraps a closure so that it runs with the context current *now*, wherever
/// and whenever it is called.
///
/// ```
/// use last9_genai::{conversation, current_conversation_id, with_current_scope};
///
/// let _guard = conversation("c1").enter();
/// let job = with_current_scope(|| current_conversation_id());
/// let seen = std::thread::spawn(job).join().unwrap();
/// assert_eq!(seen.as_deref(), Some("c1"));
/// ```
pub fn with_current_scope<F, R>(f: F) -> impl FnOnce() -> R + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
{
    let cx = Context::current();
    move || {
        let _guard = cx.attach();
        f()
    }
}

/// [`std::thread::spawn`], carrying the current scope into the new thread.
///
/// ```
/// use last9_genai::{conversation, current_conversation_id, spawn_thread};
///
/// let _guard = conversation("c1").enter();
/// let seen = spawn_thread(current_conversation_id).join().unwrap();
/// assert_eq!(seen.as_deref(), Some("c1"));
/// ```
pub fn spawn_thread<F, R>(f: F) -> std::thread::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    std::thread::spawn(with_current_scope(f))
}

/// [`tokio::spawn`], carrying the current scope into the new task.
///
/// ```
/// use last9_genai::{ScopeExt, conversation, current_conversation_id};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let seen = async { last9_genai::spawn(async { current_conversation_id() }).await.unwrap() }
///     .with_scope(conversation("c1"))
///     .await;
/// assert_eq!(seen.as_deref(), Some("c1"));
/// # }
/// ```
#[cfg(feature = "tokio")]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    use super::ScopeExt;
    tokio::spawn(future.with_scope(Context::current()))
}

/// [`tokio::task::spawn_blocking`], carrying the current scope into the
/// blocking task.
///
/// ```
/// use last9_genai::{ScopeExt, conversation, current_conversation_id};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let seen = async { last9_genai::spawn_blocking(current_conversation_id).await.unwrap() }
///     .with_scope(conversation("c1"))
///     .await;
/// assert_eq!(seen.as_deref(), Some("c1"));
/// # }
/// ```
#[cfg(feature = "tokio")]
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(with_current_scope(f))
}
