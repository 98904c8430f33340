//! Conversation scopes, and the live totals and budgets a conversation
//! keeps across its turns.
//!
//! ```
//! use last9_genai::conversation;
//!
//! let chat = conversation("session_123").user_id("u1").budget_usd(0.25).start();
//! for turn in 1..=3 {
//!     let _turn = chat.turn(turn).enter();
//!     if chat.over_budget() {
//!         break;
//!     }
//!     // answer the user
//! }
//! println!("{} model calls, ${:.6}", chat.llm_calls(), chat.total_cost_usd());
//! ```

use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use opentelemetry::Context;

use super::scope;
use super::state::Layer;
use super::totals::{BudgetSpec, ScopeKind, ScopeTotals, Spending};
use super::{IntoScope, ScopeGuard, ScopeState, sealed};

/// Starts a conversation scope: every span inside carries
/// `gen_ai.conversation.id`, and `user.id` and
/// `gen_ai.conversation.turn_number` when given.
///
/// Ids are carried unchanged, whatever their length or characters.
///
/// ```
/// use last9_genai::conversation;
///
/// let _guard = conversation("session_123").user_id("user_456").turn_number(2).enter();
/// ```
pub fn conversation(id: impl Into<Arc<str>>) -> Conversation {
    Conversation {
        id: id.into(),
        user_id: None,
        turn_number: None,
        budget: BudgetSpec::default(),
        shared: None,
    }
}

/// A conversation scope, made by [`conversation`], or by
/// [`ActiveConversation::turn`] for one turn of an open conversation.
///
/// ```
/// use last9_genai::{Conversation, conversation};
///
/// let scope: Conversation = conversation("c1").user_id("u1");
/// let _guard = scope.enter();
/// ```
#[derive(Debug, Clone)]
#[must_use = "a scope does nothing until entered or attached to a future"]
pub struct Conversation {
    id: Arc<str>,
    user_id: Option<Arc<str>>,
    turn_number: Option<i64>,
    budget: BudgetSpec,
    /// The totals of the open conversation this is a turn of.
    shared: Option<Arc<ScopeTotals>>,
}

impl Conversation {
    /// Sets `user.id` for every span inside.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let _guard = conversation("c1").user_id("u1").enter();
    /// ```
    pub fn user_id(mut self, user_id: impl Into<Arc<str>>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sets `gen_ai.conversation.turn_number` for every span inside.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let _guard = conversation("c1").turn_number(3).enter();
    /// ```
    pub fn turn_number(mut self, turn: u32) -> Self {
        self.turn_number = Some(i64::from(turn));
        self
    }

    /// Gives the conversation a budget in USD, as
    /// [`Workflow::budget_usd`](crate::Workflow::budget_usd) does a
    /// workflow. A conversation has no span of its own: crossing its
    /// thresholds records the events on the span of the call that crossed
    /// them. Ignored on a turn of an open conversation, whose budget was
    /// set when it started.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").budget_usd(0.25).start();
    /// assert_eq!(chat.remaining_usd(), Some(0.25));
    /// ```
    pub fn budget_usd(mut self, usd: f64) -> Self {
        self.budget.usd(ScopeKind::Conversation, &self.id, usd);
        self
    }

    /// Gives the conversation a budget in input and output tokens.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").budget_tokens(20_000).start();
    /// assert_eq!(chat.remaining_tokens(), Some(20_000));
    /// ```
    pub fn budget_tokens(mut self, tokens: u64) -> Self {
        self.budget.tokens(tokens);
        self
    }

    /// The fraction of a budget at which a warning is recorded, in
    /// `(0, 1]`; 0.8 by default.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let _chat = conversation("c1").budget_usd(1.0).budget_warning_at(0.9).start();
    /// ```
    pub fn budget_warning_at(mut self, fraction: f64) -> Self {
        self.budget
            .warning(ScopeKind::Conversation, &self.id, fraction);
        self
    }

    /// Opens the conversation without making it current: its totals live
    /// as long as the handle, across every turn entered with
    /// [`ActiveConversation::turn`] or [`ActiveConversation::enter`].
    /// Spending counts toward the scopes open where it starts.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").start();
    /// {
    ///     let _turn = chat.turn(1).enter();
    /// }
    /// assert_eq!(chat.llm_calls(), 0);
    /// ```
    pub fn start(self) -> ActiveConversation {
        Context::map_current(|parent| self.start_in(parent))
    }

    /// Makes this conversation current on this thread until the guard
    /// drops; the guard reads its totals.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").enter();
    /// assert_eq!(chat.total_cost_usd(), 0.0);
    /// ```
    pub fn enter(self) -> ConversationGuard {
        let conversation = self.start();
        ConversationGuard {
            guard: conversation.enter(),
            conversation,
            _not_send: PhantomData,
        }
    }

    fn start_in(self, parent: &Context) -> ActiveConversation {
        let totals = self.totals_in(parent);
        ActiveConversation {
            id: self.id,
            user_id: self.user_id,
            turn_number: self.turn_number,
            spending: Spending(totals),
        }
    }

    /// The totals this conversation counts into: the open conversation's,
    /// or new ones under the scopes open in `parent`.
    fn totals_in(&self, parent: &Context) -> Arc<ScopeTotals> {
        self.shared.clone().unwrap_or_else(|| {
            let around = parent.get::<ScopeState>().and_then(ScopeState::totals);
            Arc::new(ScopeTotals::new(
                ScopeKind::Conversation,
                self.id.clone(),
                self.budget,
                around.cloned(),
            ))
        })
    }
}

/// An open conversation, made by [`Conversation::start`]: its totals and
/// budgets last across its turns. It dereferences to [`Spending`].
///
/// ```
/// use last9_genai::{ScopeExt, conversation};
///
/// # futures::executor::block_on(async {
/// let chat = conversation("c1").budget_tokens(10_000).start();
/// async { /* turn 1 */ }.with_scope(chat.turn(1)).await;
/// async { /* turn 2 */ }.with_scope(chat.turn(2)).await;
/// assert_eq!(chat.remaining_tokens(), Some(10_000));
/// # });
/// ```
#[derive(Debug)]
pub struct ActiveConversation {
    id: Arc<str>,
    user_id: Option<Arc<str>>,
    /// The turn number it was started with, for [`ActiveConversation::enter`].
    turn_number: Option<i64>,
    spending: Spending,
}

impl ActiveConversation {
    /// Makes this conversation current on this thread until the guard
    /// drops, with the turn number it was started with, if any.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").start();
    /// let _inside = chat.enter();
    /// assert_eq!(last9_genai::current_conversation_id().as_deref(), Some("c1"));
    /// ```
    pub fn enter(&self) -> ScopeGuard {
        let cx = Context::map_current(|parent| self.into_scope(parent).cx);
        ScopeGuard::attach(cx)
    }

    /// One turn of this conversation, `gen_ai.conversation.turn_number =
    /// turn`, counting into this conversation's totals: enter it, or attach
    /// it to a future with [`ScopeExt::with_scope`](crate::ScopeExt::with_scope).
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").start();
    /// let _turn = chat.turn(2).enter();
    /// ```
    pub fn turn(&self, turn: u32) -> Conversation {
        Conversation {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            turn_number: Some(i64::from(turn)),
            budget: BudgetSpec::default(),
            shared: Some(self.spending.0.clone()),
        }
    }

    /// The conversation's id.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// assert_eq!(conversation("c1").start().id(), "c1");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Deref for ActiveConversation {
    type Target = Spending;

    fn deref(&self) -> &Spending {
        &self.spending
    }
}

/// An open conversation made current on this thread by
/// [`Conversation::enter`]. It dereferences to [`ActiveConversation`] for
/// the running totals; dropping it leaves the scope.
///
/// ```
/// use last9_genai::{ConversationGuard, conversation};
///
/// let chat: ConversationGuard = conversation("c1").budget_usd(0.10).enter();
/// assert_eq!(chat.remaining_usd(), Some(0.10));
/// ```
#[must_use = "the scope ends when the guard is dropped"]
#[derive(Debug)]
pub struct ConversationGuard {
    guard: ScopeGuard,
    conversation: ActiveConversation,
    _not_send: PhantomData<*const ()>,
}

impl Deref for ConversationGuard {
    type Target = ActiveConversation;

    fn deref(&self) -> &ActiveConversation {
        &self.conversation
    }
}

impl ConversationGuard {
    /// Leaves the scope now, keeping the open conversation for later turns.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").enter().leave();
    /// let _turn = chat.turn(2).enter();
    /// ```
    pub fn leave(self) -> ActiveConversation {
        drop(self.guard);
        self.conversation
    }
}

impl sealed::Sealed for Conversation {}
impl sealed::Sealed for &ActiveConversation {}

impl IntoScope for Conversation {
    fn into_scope(self, parent: &Context) -> sealed::Scope {
        let totals = self.totals_in(parent);
        scope(
            parent,
            Layer::Conversation {
                id: self.id,
                user_id: self.user_id,
                turn_number: self.turn_number,
                totals: Some(totals),
            },
        )
    }
}

impl IntoScope for &ActiveConversation {
    fn into_scope(self, parent: &Context) -> sealed::Scope {
        scope(
            parent,
            Layer::Conversation {
                id: self.id.clone(),
                user_id: self.user_id.clone(),
                turn_number: self.turn_number,
                totals: Some(self.spending.0.clone()),
            },
        )
    }
}
