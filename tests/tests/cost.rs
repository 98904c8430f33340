//! Cost arithmetic: the worked examples hold exactly, and random usage and
//! prices agree with exact decimal arithmetic done by an independent library.

use std::str::FromStr;

use bigdecimal::{BigDecimal, RoundingMode};
use last9_genai::{CostBreakdown, ModelPricing, PricingTable, TokenUsage};
use proptest::prelude::*;

fn cost(pricing: ModelPricing, usage: TokenUsage) -> CostBreakdown {
    PricingTable::new([("m", pricing)])
        .unwrap()
        .cost("m", &usage)
        .unwrap()
}

#[test]
fn the_worked_examples_of_the_attribute_contract_hold_exactly() {
    let gpt4o = ModelPricing::new(2.50, 10.0);
    let small = cost(gpt4o, TokenUsage::new(1000, 500));
    assert_eq!(
        (small.input_usd(), small.output_usd(), small.total_usd()),
        (0.0025, 0.005, 0.0075)
    );
    let large = cost(gpt4o, TokenUsage::new(10_000_000, 5_000_000));
    assert_eq!(
        (large.input_usd(), large.output_usd(), large.total_usd()),
        (25.0, 50.0, 75.0)
    );
    // scenario "observe_anthropic": 2000 in, 300 out at 3.0 / 15.0
    let sonnet = cost(ModelPricing::new(3.0, 15.0), TokenUsage::new(2000, 300));
    assert_eq!(
        (sonnet.input_usd(), sonnet.output_usd(), sonnet.total_usd()),
        (0.006, 0.0045, 0.0105)
    );
}

#[test]
fn parts_round_half_to_even_and_the_total_rounds_from_the_unrounded_sum() {
    // 1 token at 2.5 per million = 0.0000025: a tie, rounded to even (0.000002).
    // 1 token at 0.5 per million = 0.0000005 rounds to 0 on its own, but the
    // total 0.000003 comes from the unrounded sum.
    let c = cost(ModelPricing::new(2.5, 0.5), TokenUsage::new(1, 1));
    assert_eq!(c.input_micro_usd(), 2);
    assert_eq!(c.output_micro_usd(), 0);
    assert_eq!(c.total_micro_usd(), 3);
    let c = cost(ModelPricing::new(3.5, 0.0), TokenUsage::new(1, 0));
    assert_eq!(c.input_micro_usd(), 4); // 3.5 → 4 (even)
}

#[test]
fn decimal_prices_mean_what_they_say() {
    // 0.15 is not exact in binary; it is priced as the decimal 0.15.
    let c = cost(ModelPricing::new(0.15, 0.60), TokenUsage::new(10, 10));
    assert_eq!((c.input_micro_usd(), c.output_micro_usd()), (2, 6)); // 1.5 → 2, 6.0
    let c = cost(ModelPricing::new(0.1, 0.0), TokenUsage::new(25, 0));
    assert_eq!(c.input_micro_usd(), 2); // 2.5 → 2, not 3 as 0.1000000000000000055 would give
}

#[test]
fn cached_tokens_are_never_counted_twice() {
    let pricing = ModelPricing::new(3.0, 15.0)
        .with_cache_read(0.3)
        .with_cache_write(3.75);
    let usage = TokenUsage::new(10_000, 0)
        .with_cache_read(6_000)
        .with_cache_creation(2_000);
    // 2000 × 3 + 6000 × 0.3 + 2000 × 3.75 = 15 300 µ$
    assert_eq!(cost(pricing, usage).input_micro_usd(), 15_300);
    // without a cache price, cached tokens are plain input tokens
    assert_eq!(
        cost(ModelPricing::new(3.0, 15.0), usage).input_micro_usd(),
        30_000
    );
    // inconsistent usage (more cached than input) does not underflow
    let odd = TokenUsage::new(10, 0).with_cache_read(1_000);
    assert_eq!(
        cost(ModelPricing::new(3.0, 15.0).with_cache_read(0.3), odd).input_micro_usd(),
        300
    );
}

#[test]
fn token_counts_up_to_u64_max_never_panic_or_wrap() {
    let max = TokenUsage::new(u64::MAX, u64::MAX)
        .with_cache_read(u64::MAX)
        .with_cache_creation(u64::MAX)
        .with_reasoning(u64::MAX);
    let pricing = ModelPricing::new(1e6, 1e6)
        .with_cache_read(1e6)
        .with_cache_write(1e6)
        .with_reasoning(1e6);
    // At 10^6 USD per million tokens each token costs one dollar. Plain
    // input and output are zero (all input is cached, all output reasoning).
    let c = cost(pricing, max);
    let one_part = u128::from(u64::MAX) * 1_000_000;
    assert_eq!(c.input_micro_usd(), 2 * one_part);
    assert_eq!(c.output_micro_usd(), one_part);
    assert_eq!(c.total_micro_usd(), 3 * one_part);
    // the largest accepted price, on every part, still exact
    let top = ModelPricing::new(1e9, 1e9)
        .with_cache_read(1e9)
        .with_reasoning(1e9);
    let c = cost(
        top,
        TokenUsage::new(u64::MAX, u64::MAX)
            .with_cache_read(1)
            .with_reasoning(1),
    );
    assert_eq!(
        c.total_micro_usd(),
        2 * u128::from(u64::MAX) * 1_000_000_000
    );
    let free = cost(ModelPricing::new(0.0, 0.0), max);
    assert_eq!(free.total_micro_usd(), 0);
}

/// The oracle: exact decimal arithmetic, written independently.
fn oracle(pricing: &[Option<f64>; 5], usage: &TokenUsage) -> (BigDecimal, BigDecimal, BigDecimal) {
    let d = |p: f64| BigDecimal::from_str(&p.to_string()).unwrap();
    let t = |n: u64| BigDecimal::from(n);
    let [input, output, cache_read, cache_write, reasoning] = *pricing;
    let mut plain_in = t(usage.input_tokens);
    let mut in_cost = BigDecimal::from(0);
    if let Some(p) = cache_read {
        plain_in -= t(usage.cache_read_input_tokens);
        in_cost += t(usage.cache_read_input_tokens) * d(p);
    }
    if let Some(p) = cache_write {
        plain_in -= t(usage.cache_creation_input_tokens);
        in_cost += t(usage.cache_creation_input_tokens) * d(p);
    }
    if plain_in.sign() == bigdecimal::num_bigint::Sign::Minus {
        plain_in = BigDecimal::from(0);
    }
    in_cost += plain_in * d(input.unwrap());
    let mut plain_out = t(usage.output_tokens);
    let mut out_cost = BigDecimal::from(0);
    if let Some(p) = reasoning {
        plain_out -= t(usage.reasoning_output_tokens);
        out_cost += t(usage.reasoning_output_tokens) * d(p);
    }
    if plain_out.sign() == bigdecimal::num_bigint::Sign::Minus {
        plain_out = BigDecimal::from(0);
    }
    out_cost += plain_out * d(output.unwrap());
    let per_million = BigDecimal::from_str("0.000001").unwrap();
    let round = |x: &BigDecimal| x.with_scale_round(6, RoundingMode::HalfEven);
    let (i, o) = (&in_cost * &per_million, &out_cost * &per_million);
    let total = round(&(&i + &o));
    (round(&i), round(&o), total)
}

fn micro(x: &BigDecimal) -> u128 {
    (x * BigDecimal::from(1_000_000))
        .with_scale(0)
        .to_string()
        .parse()
        .unwrap()
}

/// A price with up to 6 decimals, as price lists print them.
fn price() -> impl Strategy<Value = f64> {
    (0u64..100_000_000, 0i32..=6).prop_map(|(k, d)| k as f64 / 10f64.powi(d))
}

fn tokens() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..2_000_000_000_000, 1 => any::<u64>(), 1 => 0u64..10]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn cost_agrees_with_exact_decimal_arithmetic(
        input in price(), output in price(),
        cache_read in proptest::option::of(price()),
        cache_write in proptest::option::of(price()),
        reasoning in proptest::option::of(price()),
        in_tokens in tokens(), out_tokens in tokens(),
        cr in tokens(), cw in tokens(), rs in tokens(),
    ) {
        let mut pricing = ModelPricing::new(input, output);
        if let Some(p) = cache_read { pricing = pricing.with_cache_read(p) }
        if let Some(p) = cache_write { pricing = pricing.with_cache_write(p) }
        if let Some(p) = reasoning { pricing = pricing.with_reasoning(p) }
        let usage = TokenUsage::new(in_tokens, out_tokens)
            .with_cache_read(cr).with_cache_creation(cw).with_reasoning(rs);
        let ours = cost(pricing, usage);
        let (i, o, t) = oracle(&[Some(input), Some(output), cache_read, cache_write, reasoning], &usage);
        prop_assert_eq!(ours.input_micro_usd(), micro(&i));
        prop_assert_eq!(ours.output_micro_usd(), micro(&o));
        prop_assert_eq!(ours.total_micro_usd(), micro(&t));
        // Below 2^53 micro-dollars the f64 is the nearest to the exact decimal.
        if micro(&t) < (1u128 << 53) {
            prop_assert_eq!(ours.input_usd(), i.to_string().parse::<f64>().unwrap());
            prop_assert_eq!(ours.output_usd(), o.to_string().parse::<f64>().unwrap());
            prop_assert_eq!(ours.total_usd(), t.to_string().parse::<f64>().unwrap());
        }
    }
}
