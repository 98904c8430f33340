//! The running totals of an open workflow or conversation — cost, tokens,
//! LLM calls and tool calls, counted here and in every enclosing scope — and
//! the budgets they are checked against.
//!
//! Every count is one atomic add, so calls ending at once on many threads
//! count exactly; the add that takes a total across a threshold is the one
//! that reports the crossing, so each crossing is reported once.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use opentelemetry::KeyValue;

use crate::attributes as attr;
use crate::cost::{micro_to_usd, usd_to_micro};
use crate::metrics;
use crate::text::cut_bytes;
use crate::warn;

/// At most this many bytes of a scope's id go into a warning or an error
/// message; the span attributes carry it whole.
const SHOWN_ID_LEN: usize = 256;

/// Budget crossings said as warnings: at most this many a minute, however
/// many scopes cross at once (each crossing is still counted by the
/// crossings metric and marked on its span).
pub(crate) const BUDGET_WARNINGS_A_MINUTE: u64 = 100;

static BUDGET_WARNINGS: warn::Rated =
    warn::Rated::new(Duration::from_secs(60), BUDGET_WARNINGS_A_MINUTE);

/// `id` as warnings and error messages show it: cut, and quoted with
/// control characters escaped.
fn shown(id: &str) -> String {
    format!("{:?}", cut_bytes(id, SHOWN_ID_LEN))
}

/// The scopes that keep totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Workflow,
    Conversation,
}

impl ScopeKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Workflow => "workflow",
            Self::Conversation => "conversation",
        }
    }
}

/// What a budget counts.
///
/// ```
/// use last9_genai::BudgetUnit;
///
/// assert_eq!(BudgetUnit::Usd.to_string(), "usd");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BudgetUnit {
    /// US dollars, counted exactly in micro-dollars.
    Usd,
    /// Input and output tokens of model calls.
    Tokens,
}

impl BudgetUnit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Usd => "usd",
            Self::Tokens => "tokens",
        }
    }

    /// `amount` (micro-dollars or tokens) in the unit users read.
    fn amount(self, amount: u64) -> f64 {
        match self {
            Self::Usd => micro_to_usd(amount.into()),
            #[allow(clippy::cast_precision_loss)]
            Self::Tokens => amount as f64,
        }
    }
}

impl fmt::Display for BudgetUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The warning threshold of a budget when none is given: 80% of it.
pub(crate) const DEFAULT_WARNING: f64 = 0.8;

/// The budget a scope builder was given, before it opens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BudgetSpec {
    usd_micro: Option<u64>,
    tokens: Option<u64>,
    warning: f64,
}

impl Default for BudgetSpec {
    fn default() -> Self {
        Self {
            usd_micro: None,
            tokens: None,
            warning: DEFAULT_WARNING,
        }
    }
}

impl BudgetSpec {
    /// Sets the budget in USD; a negative, infinite or NaN amount is
    /// refused with a warning naming it, and leaves the budget unset.
    pub(crate) fn usd(&mut self, scope: ScopeKind, id: &str, usd: f64) {
        match usd_to_micro(usd).filter(|_| usd >= 0.0) {
            Some(micro) => self.usd_micro = Some(u64::try_from(micro).unwrap_or(u64::MAX)),
            None => warn::warn(&format!(
                "{} {}: budget_usd({usd}) refused, a budget is a finite amount of 0 or more; \
                 the scope has no USD budget",
                scope.as_str(),
                shown(id)
            )),
        }
    }

    pub(crate) fn tokens(&mut self, tokens: u64) {
        self.tokens = Some(tokens);
    }

    /// Sets the warning threshold, a fraction of the budget in `(0, 1]`;
    /// another value is refused with a warning naming it.
    pub(crate) fn warning(&mut self, scope: ScopeKind, id: &str, fraction: f64) {
        if fraction > 0.0 && fraction <= 1.0 {
            self.warning = fraction;
        } else {
            warn::warn(&format!(
                "{} {}: budget_warning_at({fraction}) refused, the threshold is a fraction \
                 of the budget above 0 and at most 1; the warning stays at {DEFAULT_WARNING}",
                scope.as_str(),
                shown(id)
            ));
        }
    }
}

/// One budget: the amount, and the amount at which it warns.
#[derive(Debug)]
struct Limit {
    budget: u64,
    warning: u64,
    /// When the warning threshold and the budget were crossed, and the
    /// total the crossing took it to.
    crossed: [OnceLock<(SystemTime, u64)>; 2],
}

impl Limit {
    fn new(budget: u64, fraction: f64) -> Self {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let warning = ((budget as f64) * fraction).ceil().min(budget as f64) as u64;
        Self {
            budget,
            warning,
            crossed: [OnceLock::new(), OnceLock::new()],
        }
    }
}

/// How far a crossing went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Warning,
    Exceeded,
}

impl Level {
    const BOTH: [Level; 2] = [Level::Warning, Level::Exceeded];

    fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Exceeded => "exceeded",
        }
    }

    fn event(self) -> &'static str {
        match self {
            Self::Warning => attr::EVENT_BUDGET_WARNING,
            Self::Exceeded => attr::EVENT_BUDGET_EXCEEDED,
        }
    }
}

/// A threshold one count took a scope's total across.
#[derive(Debug)]
pub(crate) struct Crossing<'a> {
    totals: &'a ScopeTotals,
    unit: BudgetUnit,
    level: Level,
    budget: u64,
    spent: u64,
}

impl Crossing<'_> {
    /// The event's name and attributes.
    pub(crate) fn event(&self) -> (&'static str, Vec<KeyValue>) {
        (self.level.event(), self.totals.event_attributes(self))
    }
}

/// Running totals of one open workflow or conversation, and of the scopes
/// around it.
#[derive(Debug)]
pub(crate) struct ScopeTotals {
    kind: ScopeKind,
    id: Arc<str>,
    cost_micro: AtomicU64,
    tokens: AtomicU64,
    llm_calls: AtomicU64,
    tool_calls: AtomicU64,
    usd: Option<Limit>,
    token_limit: Option<Limit>,
    parent: Option<Arc<ScopeTotals>>,
}

impl ScopeTotals {
    pub(crate) fn new(
        kind: ScopeKind,
        id: Arc<str>,
        budget: BudgetSpec,
        parent: Option<Arc<ScopeTotals>>,
    ) -> Self {
        Self {
            kind,
            id,
            cost_micro: AtomicU64::new(0),
            tokens: AtomicU64::new(0),
            llm_calls: AtomicU64::new(0),
            tool_calls: AtomicU64::new(0),
            usd: budget.usd_micro.map(|b| Limit::new(b, budget.warning)),
            token_limit: budget.tokens.map(|b| Limit::new(b, budget.warning)),
            parent,
        }
    }

    /// Counts one LLM call, with its cost when priced and its input and
    /// output tokens, here and in every enclosing scope; calls
    /// `on_crossing` for each threshold the call took a total across, after
    /// saying so (a warning, and the crossings counter). Totals saturate at
    /// `u64::MAX`.
    pub(crate) fn record_llm(
        &self,
        cost_micro: Option<u128>,
        tokens: u64,
        mut on_crossing: impl FnMut(&Crossing<'_>),
    ) {
        let cost = cost_micro.map_or(0, |c| u64::try_from(c).unwrap_or(u64::MAX));
        self.for_each(|totals| {
            totals.llm_calls.fetch_add(1, Ordering::AcqRel);
            let counts = [
                (BudgetUnit::Usd, &totals.cost_micro, cost, &totals.usd),
                (
                    BudgetUnit::Tokens,
                    &totals.tokens,
                    tokens,
                    &totals.token_limit,
                ),
            ];
            for (unit, total, amount, limit) in counts {
                if amount == 0 {
                    continue;
                }
                let before = saturating_add(total, amount);
                let Some(limit) = limit else { continue };
                let after = before.saturating_add(amount);
                for level in Level::BOTH {
                    let threshold = match level {
                        Level::Warning => limit.warning,
                        Level::Exceeded => limit.budget,
                    };
                    if before < threshold && threshold <= after {
                        let crossing = Crossing {
                            totals,
                            unit,
                            level,
                            budget: limit.budget,
                            spent: after,
                        };
                        totals.announce(&crossing, limit);
                        on_crossing(&crossing);
                    }
                }
            }
        });
    }

    /// Counts one tool call here and in every enclosing scope.
    pub(crate) fn record_tool(&self) {
        self.for_each(|totals| {
            totals.tool_calls.fetch_add(1, Ordering::AcqRel);
        });
    }

    /// Says a crossing where the user looks: a warning (through `tracing`
    /// when a subscriber is set) and the crossings counter.
    fn announce(&self, crossing: &Crossing<'_>, limit: &Limit) {
        let index = crossing.level as usize;
        let _ = limit.crossed[index].set((SystemTime::now(), crossing.spent));
        let unit = crossing.unit;
        let (budget, spent) = (unit.amount(crossing.budget), unit.amount(crossing.spent));
        BUDGET_WARNINGS.warn(|| match crossing.level {
            Level::Warning => format!(
                "{} {} reached the warning threshold of its budget: {spent} of {budget} {unit} spent",
                self.kind.as_str(),
                shown(&self.id),
            ),
            Level::Exceeded => format!(
                "{} {} spent its budget: {spent} of {budget} {unit}",
                self.kind.as_str(),
                shown(&self.id),
            ),
        });
        metrics::record_budget_crossing(
            self.kind.as_str(),
            (self.kind == ScopeKind::Workflow).then(|| self.id.clone()),
            unit.as_str(),
            crossing.level.as_str(),
        );
    }

    fn event_attributes(&self, crossing: &Crossing<'_>) -> Vec<KeyValue> {
        let unit = crossing.unit;
        vec![
            KeyValue::new(attr::BUDGET_SCOPE, self.kind.as_str()),
            KeyValue::new(attr::BUDGET_SCOPE_ID, self.id.clone()),
            KeyValue::new(attr::BUDGET_UNIT, unit.as_str()),
            KeyValue::new(attr::BUDGET_AMOUNT, unit.amount(crossing.budget)),
            KeyValue::new(attr::BUDGET_SPENT, unit.amount(crossing.spent)),
        ]
    }

    /// The crossings of this scope's own budgets so far, with when they
    /// happened: for the scope's span when it closes.
    pub(crate) fn crossings(&self) -> Vec<(SystemTime, &'static str, Vec<KeyValue>)> {
        let mut events = Vec::new();
        let limits = [
            (BudgetUnit::Usd, &self.usd),
            (BudgetUnit::Tokens, &self.token_limit),
        ];
        for (unit, limit) in limits {
            let Some(limit) = limit else { continue };
            for level in Level::BOTH {
                if let Some((at, spent)) = limit.crossed[level as usize].get() {
                    let crossing = Crossing {
                        totals: self,
                        unit,
                        level,
                        budget: limit.budget,
                        spent: *spent,
                    };
                    let (name, attributes) = crossing.event();
                    events.push((*at, name, attributes));
                }
            }
        }
        events.sort_by_key(|(at, ..)| *at);
        events
    }

    /// Cost so far, in USD.
    pub(crate) fn cost_usd(&self) -> f64 {
        micro_to_usd(self.cost_micro().into())
    }

    /// The cost counted so far, in micro-dollars.
    pub(crate) fn cost_micro(&self) -> u64 {
        self.cost_micro.load(Ordering::Acquire)
    }

    /// Input and output tokens counted so far.
    pub(crate) fn tokens(&self) -> u64 {
        self.tokens.load(Ordering::Acquire)
    }

    /// LLM calls counted so far.
    pub(crate) fn llm_calls(&self) -> u64 {
        self.llm_calls.load(Ordering::Acquire)
    }

    /// Tool calls counted so far.
    pub(crate) fn tool_calls(&self) -> u64 {
        self.tool_calls.load(Ordering::Acquire)
    }

    /// This scope's own USD budget.
    pub(crate) fn budget_usd(&self) -> Option<f64> {
        self.usd.as_ref().map(|l| micro_to_usd(l.budget.into()))
    }

    /// This scope's own token budget.
    pub(crate) fn budget_tokens(&self) -> Option<u64> {
        self.token_limit.as_ref().map(|l| l.budget)
    }

    /// Whether this scope has a budget of its own.
    pub(crate) fn has_budget(&self) -> bool {
        self.usd.is_some() || self.token_limit.is_some()
    }

    /// Whether this scope or one around it has a budget.
    pub(crate) fn budgeted(&self) -> bool {
        let mut any = false;
        self.for_each(|totals| any |= totals.has_budget());
        any
    }

    /// The least left of the USD budgets of this scope and those around it,
    /// in micro-dollars; `None` when none has one.
    fn remaining_micro(&self, unit: BudgetUnit) -> Option<u64> {
        let mut least: Option<u64> = None;
        self.for_each(|totals| {
            let (limit, total) = match unit {
                BudgetUnit::Usd => (&totals.usd, &totals.cost_micro),
                BudgetUnit::Tokens => (&totals.token_limit, &totals.tokens),
            };
            if let Some(limit) = limit {
                let left = limit.budget.saturating_sub(total.load(Ordering::Acquire));
                least = Some(least.map_or(left, |l| l.min(left)));
            }
        });
        least
    }

    /// What is left of the tightest USD budget here and around.
    pub(crate) fn remaining_usd(&self) -> Option<f64> {
        self.remaining_micro(BudgetUnit::Usd)
            .map(|m| micro_to_usd(m.into()))
    }

    /// What is left of the tightest token budget here and around.
    pub(crate) fn remaining_tokens(&self) -> Option<u64> {
        self.remaining_micro(BudgetUnit::Tokens)
    }

    /// The first budget, from this scope outwards, that is spent.
    pub(crate) fn check(&self) -> Result<(), BudgetExceeded> {
        let mut next = Some(self);
        while let Some(totals) = next {
            if let Some(exceeded) = totals.exceeded() {
                return Err(exceeded);
            }
            next = totals.parent.as_deref();
        }
        Ok(())
    }

    /// This scope's own budget that is spent, USD first.
    pub(crate) fn exceeded(&self) -> Option<BudgetExceeded> {
        let limits = [
            (BudgetUnit::Usd, &self.usd, &self.cost_micro),
            (BudgetUnit::Tokens, &self.token_limit, &self.tokens),
        ];
        limits.into_iter().find_map(|(unit, limit, total)| {
            let limit = limit.as_ref()?;
            let spent = total.load(Ordering::Acquire);
            (spent >= limit.budget).then(|| BudgetExceeded {
                scope: self.kind.as_str(),
                id: self.id.clone(),
                unit,
                budget: unit.amount(limit.budget),
                spent: unit.amount(spent),
            })
        })
    }

    fn for_each(&self, mut f: impl FnMut(&ScopeTotals)) {
        let mut next = Some(self);
        while let Some(totals) = next {
            f(totals);
            next = totals.parent.as_deref();
        }
    }
}

/// Adds `amount` to `total`, saturating; returns the total before.
fn saturating_add(total: &AtomicU64, amount: u64) -> u64 {
    // fetch_update never fails with a closure that returns Some.
    total
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
            Some(t.saturating_add(amount))
        })
        .unwrap_or_else(|t| t)
}

/// A budget of a scope is spent: returned by `check_budget`, for the code
/// that decides to stop.
///
/// A budget is spent once the total reaches it: with a $0.50 budget, a
/// workflow that spent exactly $0.50 is over budget.
///
/// ```
/// use last9_genai::{BudgetUnit, workflow};
///
/// let wf = workflow("agent").budget_usd(0.0).enter();
/// let spent = wf.check_budget().unwrap_err();
/// assert_eq!(spent.scope(), "workflow");
/// assert_eq!(spent.scope_id(), "agent");
/// assert_eq!(spent.unit(), BudgetUnit::Usd);
/// assert_eq!(spent.to_string(), "the budget of workflow \"agent\" is spent: 0 of 0 usd");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetExceeded {
    scope: &'static str,
    id: Arc<str>,
    unit: BudgetUnit,
    budget: f64,
    spent: f64,
}

impl BudgetExceeded {
    /// The scope whose budget is spent: `workflow` or `conversation`.
    ///
    /// ```
    /// # use last9_genai::conversation;
    /// let chat = conversation("c1").budget_tokens(0).enter();
    /// assert_eq!(chat.check_budget().unwrap_err().scope(), "conversation");
    /// ```
    pub fn scope(&self) -> &'static str {
        self.scope
    }

    /// The id of the scope whose budget is spent.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let wf = workflow("agent").budget_tokens(0).enter();
    /// assert_eq!(wf.check_budget().unwrap_err().scope_id(), "agent");
    /// ```
    pub fn scope_id(&self) -> &str {
        &self.id
    }

    /// What the spent budget counts.
    ///
    /// ```
    /// # use last9_genai::{BudgetUnit, workflow};
    /// let wf = workflow("agent").budget_tokens(0).enter();
    /// assert_eq!(wf.check_budget().unwrap_err().unit(), BudgetUnit::Tokens);
    /// ```
    pub fn unit(&self) -> BudgetUnit {
        self.unit
    }

    /// The budget, in USD or tokens.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let wf = workflow("agent").budget_usd(0.0).enter();
    /// assert_eq!(wf.check_budget().unwrap_err().budget(), 0.0);
    /// ```
    pub fn budget(&self) -> f64 {
        self.budget
    }

    /// What was spent when checked, in USD or tokens.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let wf = workflow("agent").budget_usd(0.0).enter();
    /// assert_eq!(wf.check_budget().unwrap_err().spent(), 0.0);
    /// ```
    pub fn spent(&self) -> f64 {
        self.spent
    }
}

impl fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the budget of {} {} is spent: {} of {} {}",
            self.scope,
            shown(&self.id),
            self.spent,
            self.budget,
            self.unit
        )
    }
}

impl std::error::Error for BudgetExceeded {}

/// The live totals and budgets of an open workflow or conversation: what
/// its model and tool calls spent so far, counted when each call's span
/// ends, and what is left of its budgets and of those around it.
///
/// [`ActiveWorkflow`](crate::ActiveWorkflow) and
/// [`ActiveConversation`](crate::ActiveConversation) dereference to it; a
/// clone reads the same totals from another thread or task.
///
/// ```
/// use last9_genai::{Spending, workflow};
///
/// let wf = workflow("agent").budget_usd(0.50).enter();
/// let spending: Spending = (*wf).clone();
/// assert_eq!(spending.remaining_usd(), Some(0.50));
/// assert!(!spending.over_budget());
/// ```
#[derive(Debug, Clone)]
pub struct Spending(pub(crate) Arc<ScopeTotals>);

impl Spending {
    /// Cost so far, in USD: the sum of the priced model calls that ended
    /// inside, their spans sampled or not.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert_eq!(workflow("w").start().total_cost_usd(), 0.0);
    /// ```
    pub fn total_cost_usd(&self) -> f64 {
        self.0.cost_usd()
    }

    /// Input and output tokens of the model calls that ended inside.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert_eq!(workflow("w").start().total_tokens(), 0);
    /// ```
    pub fn total_tokens(&self) -> u64 {
        self.0.tokens()
    }

    /// Model calls that ended inside so far.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert_eq!(workflow("w").start().llm_calls(), 0);
    /// ```
    pub fn llm_calls(&self) -> u64 {
        self.0.llm_calls()
    }

    /// Tool calls that ended inside so far.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert_eq!(workflow("w").start().tool_calls(), 0);
    /// ```
    pub fn tool_calls(&self) -> u64 {
        self.0.tool_calls()
    }

    /// This scope's own budget in USD, if it has one.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert_eq!(workflow("w").budget_usd(2.5).start().budget_usd(), Some(2.5));
    /// ```
    pub fn budget_usd(&self) -> Option<f64> {
        self.0.budget_usd()
    }

    /// This scope's own budget in tokens, if it has one.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert_eq!(workflow("w").budget_tokens(9000).start().budget_tokens(), Some(9000));
    /// ```
    pub fn budget_tokens(&self) -> Option<u64> {
        self.0.budget_tokens()
    }

    /// What is left, in USD, of the tightest USD budget of this scope and
    /// the scopes around it (never below zero); `None` when none has one.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// let outer = workflow("outer").budget_usd(1.0).enter();
    /// let inner = workflow("inner").enter();
    /// assert_eq!(inner.remaining_usd(), Some(1.0));
    /// ```
    pub fn remaining_usd(&self) -> Option<f64> {
        self.0.remaining_usd()
    }

    /// What is left of the tightest token budget of this scope and the
    /// scopes around it; `None` when none has one.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert_eq!(workflow("w").budget_tokens(500).start().remaining_tokens(), Some(500));
    /// ```
    pub fn remaining_tokens(&self) -> Option<u64> {
        self.0.remaining_tokens()
    }

    /// Whether a budget of this scope or of a scope around it is spent.
    ///
    /// ```
    /// # use last9_genai::workflow;
    /// assert!(workflow("w").budget_usd(0.0).start().over_budget());
    /// assert!(!workflow("w").start().over_budget());
    /// ```
    pub fn over_budget(&self) -> bool {
        self.0.check().is_err()
    }

    /// `Ok` while no budget of this scope or of a scope around it is spent;
    /// else which one, for an agent loop to stop on with `?`.
    ///
    /// ```
    /// # use last9_genai::{BudgetExceeded, workflow};
    /// fn step(wf: &last9_genai::ActiveWorkflow) -> Result<(), BudgetExceeded> {
    ///     wf.check_budget()?;
    ///     // call the model
    ///     Ok(())
    /// }
    /// assert!(step(&workflow("w").budget_usd(1.0).start()).is_ok());
    /// ```
    pub fn check_budget(&self) -> Result<(), BudgetExceeded> {
        self.0.check()
    }
}
