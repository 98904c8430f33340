//! The running totals of an open workflow: cost, LLM calls and tool calls,
//! counted here and in every enclosing workflow.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cost::micro_to_usd;

/// Running totals of one open workflow, and of the workflows around it.
#[derive(Debug)]
pub(crate) struct WorkflowTotals {
    cost_micro: AtomicU64,
    llm_calls: AtomicU64,
    tool_calls: AtomicU64,
    parent: Option<Arc<WorkflowTotals>>,
}

impl WorkflowTotals {
    pub(crate) fn new(parent: Option<Arc<WorkflowTotals>>) -> Self {
        Self {
            cost_micro: AtomicU64::new(0),
            llm_calls: AtomicU64::new(0),
            tool_calls: AtomicU64::new(0),
            parent,
        }
    }

    /// Counts one LLM call, with its cost when priced, here and in every
    /// enclosing workflow. Cost saturates at `u64::MAX` micro-dollars.
    pub(crate) fn record_llm(&self, cost_micro: Option<u128>) {
        let cost = cost_micro.map_or(0, |c| u64::try_from(c).unwrap_or(u64::MAX));
        self.for_each(|totals| {
            totals.llm_calls.fetch_add(1, Ordering::AcqRel);
            if cost > 0 {
                // fetch_update never fails with a closure that returns Some.
                let _ = totals
                    .cost_micro
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                        Some(c.saturating_add(cost))
                    });
            }
        });
    }

    /// Counts one tool call here and in every enclosing workflow.
    pub(crate) fn record_tool(&self) {
        self.for_each(|totals| {
            totals.tool_calls.fetch_add(1, Ordering::AcqRel);
        });
    }

    /// Cost so far, in USD.
    pub(crate) fn cost_usd(&self) -> f64 {
        micro_to_usd(self.cost_micro.load(Ordering::Acquire).into())
    }

    /// LLM calls counted so far.
    pub(crate) fn llm_calls(&self) -> u64 {
        self.llm_calls.load(Ordering::Acquire)
    }

    /// Tool calls counted so far.
    pub(crate) fn tool_calls(&self) -> u64 {
        self.tool_calls.load(Ordering::Acquire)
    }

    fn for_each(&self, mut f: impl FnMut(&WorkflowTotals)) {
        let mut next = Some(self);
        while let Some(totals) = next {
            f(totals);
            next = totals.parent.as_deref();
        }
    }
}
