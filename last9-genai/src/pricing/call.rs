//! What one call cost: the one place a call is priced.
//!
//! `#[observe]` prices a call once when it ends, for everything that needs
//! it (its span when it has its own prices, its metrics, the totals and
//! budgets of a call the span processor never sees); the span processor
//! prices the spans that end without a cost; the manual API prices what it
//! is told. All of them ask [`price_call`], with the models in the same
//! order, so a call costs the same wherever it is counted. An observed or
//! manual call is priced with its own prices, else the pipeline's
//! ([`price_own_else_pipeline`]); the processor prices with its own only.

use std::cell::RefCell;

use super::PricingTable;
use crate::cost::{CostBreakdown, TokenUsage};
use crate::current::{Current, ThreadCopy};
use crate::warn;

/// What a call cost, and where its price came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallCost {
    pub(crate) breakdown: CostBreakdown,
    /// The price is the bundled table's: the table asked does not name the
    /// model.
    pub(crate) bundled: bool,
}

impl CallCost {
    /// The total, in USD.
    pub(crate) fn usd(&self) -> f64 {
        self.breakdown.total_usd()
    }
}

/// Prices `usage` with `own` prices, else, when they have none for the
/// call's models, with the pipeline's (see [`price_call`]): a function's
/// own table prices its house models, the pipeline's the others. Only the
/// table asked last says that a model has no price.
pub(crate) fn price_own_else_pipeline<const N: usize>(
    own: Option<&PricingTable>,
    models: [Option<&str>; N],
    usage: &TokenUsage,
) -> Option<CallCost> {
    if let Some((breakdown, bundled)) = own.and_then(|table| table.cost_and_source(models, usage)) {
        return Some(CallCost { breakdown, bundled });
    }
    with_installed(|pipeline| price_call(pipeline.or(own), models, usage))
}

/// Prices `usage` with `table` as the first of `models` that has a price:
/// the model that answered, then the one asked for (which may be the alias
/// priced), then any the caller knows of.
///
/// Says so, bounded, when there are no prices (`table` is `None`) and when
/// no price names the model: a call is never priced at zero for want of a
/// price.
pub(crate) fn price_call<const N: usize>(
    table: Option<&PricingTable>,
    models: [Option<&str>; N],
    usage: &TokenUsage,
) -> Option<CallCost> {
    let Some(table) = table else {
        static NO_TABLE: warn::Once = warn::Once::new();
        NO_TABLE.warn(|| {
            "model calls carry no cost: no pricing table was given; pass one with \
             `Install::pricing`, `LAST9_GENAI_PRICING_FILE` or \
             `Last9SpanProcessor::builder().pricing(..)`"
                .to_owned()
        });
        return None;
    };
    let priced = table.cost_and_source(models, usage);
    if priced.is_none()
        && let Some(model) = models.iter().flatten().next()
    {
        table.warn_unknown(model);
    }
    priced.map(|(breakdown, bundled)| CallCost { breakdown, bundled })
}

/// The prices of the pipeline: the table the last `Last9SpanProcessor` built
/// with prices was given. What has no prices of its own is priced with it.
static INSTALLED: Current<PricingTable> = Current::new();

thread_local! {
    /// This thread's copy of [`INSTALLED`].
    static INSTALLED_HERE: RefCell<ThreadCopy<PricingTable>> = const { RefCell::new(ThreadCopy::new(())) };
}

/// Makes `table` the pipeline's prices.
pub(crate) fn install(table: PricingTable) {
    INSTALLED.replace(Some(table));
}

/// Runs `f` with the pipeline's prices, if any: no lock, no shared counter
/// once this thread has its copy.
fn with_installed<R>(f: impl FnOnce(Option<&PricingTable>) -> R) -> R {
    if INSTALLED.epoch() == 0 {
        return f(None);
    }
    INSTALLED.with(&INSTALLED_HERE, |()| {}, |table, _| f(table))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::ModelPricing;

    fn table() -> PricingTable {
        PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))]).unwrap()
    }

    /// A call's own table prices its models; a model it lacks falls to the
    /// pipeline's (none is installed here: then to nothing).
    #[test]
    fn own_prices_come_first() {
        let usage = TokenUsage::new(1000, 500);
        let own = PricingTable::new([("house", ModelPricing::new(1.0, 1.0))]).unwrap();
        let cost = price_own_else_pipeline(Some(&own), [Some("house")], &usage).unwrap();
        assert_eq!(cost.breakdown.total_micro_usd(), 1500);
        assert_eq!(
            price_own_else_pipeline(Some(&own), [Some("nobody-prices-this-model")], &usage),
            None
        );
    }

    #[test]
    fn the_first_priced_model_wins_and_the_source_is_told() {
        let usage = TokenUsage::new(1000, 500);
        let own = table();
        let cost = price_call(Some(&own), [Some("unknown"), Some("gpt-4o")], &usage).unwrap();
        assert_eq!(cost.breakdown.total_micro_usd(), 7500);
        assert!(!cost.bundled);
        assert_eq!(
            price_call(Some(&own), [None, Some("llama-3")], &usage),
            None
        );
        let bundled = PricingTable::new([("m", ModelPricing::new(1.0, 1.0))])
            .unwrap()
            .with_bundled_prices();
        let cost = price_call(Some(&bundled), [Some("gpt-4o")], &usage).unwrap();
        assert!(cost.bundled);
    }
}
