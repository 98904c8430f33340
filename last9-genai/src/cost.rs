//! Token usage, [`CostBreakdown`] and the exact cost arithmetic (its rules
//! are documented on [`CostBreakdown`]), with the exact form of a price.

/// The largest token count taken as real, 10¹²: a thousand times the
/// largest context window. A count above it, like a negative, fractional or
/// non-numeric one, leaves its span unpriced and marked
/// `gen_ai.l9.usage_invalid`, never priced on a wrong number.
///
/// ```
/// assert_eq!(last9_genai::MAX_TOKEN_COUNT, 1_000_000_000_000);
/// ```
pub const MAX_TOKEN_COUNT: u64 = 1_000_000_000_000;

/// Token counts of one model call.
///
/// `input_tokens` includes cached tokens and `output_tokens` includes reasoning
/// tokens, as the OpenTelemetry GenAI conventions define them.
///
/// ```
/// use last9_genai::TokenUsage;
///
/// let usage = TokenUsage::new(1200, 300).with_cache_read(1000).with_reasoning(100);
/// assert_eq!(usage.input_tokens, 1200);
/// assert_eq!(usage.cache_read_input_tokens, 1000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TokenUsage {
    /// Input (prompt) tokens, cache reads and writes included.
    pub input_tokens: u64,
    /// Output (completion) tokens, reasoning included.
    pub output_tokens: u64,
    /// Input tokens read from the provider's prompt cache.
    pub cache_read_input_tokens: u64,
    /// Input tokens written to the provider's prompt cache.
    pub cache_creation_input_tokens: u64,
    /// Output tokens spent on reasoning.
    pub reasoning_output_tokens: u64,
}

impl TokenUsage {
    /// Usage with plain input and output token counts.
    ///
    /// ```
    /// # use last9_genai::TokenUsage;
    /// assert_eq!(TokenUsage::new(10, 5).output_tokens, 5);
    /// ```
    pub const fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self {
            input_tokens,
            output_tokens,
            cache_read_input_tokens: 0,
            cache_creation_input_tokens: 0,
            reasoning_output_tokens: 0,
        }
    }

    /// Sets how many of the input tokens were read from the prompt cache.
    ///
    /// ```
    /// # use last9_genai::TokenUsage;
    /// assert_eq!(TokenUsage::new(10, 5).with_cache_read(4).cache_read_input_tokens, 4);
    /// ```
    pub const fn with_cache_read(mut self, tokens: u64) -> Self {
        self.cache_read_input_tokens = tokens;
        self
    }

    /// Sets how many of the input tokens were written to the prompt cache.
    ///
    /// ```
    /// # use last9_genai::TokenUsage;
    /// assert_eq!(TokenUsage::new(10, 5).with_cache_creation(4).cache_creation_input_tokens, 4);
    /// ```
    pub const fn with_cache_creation(mut self, tokens: u64) -> Self {
        self.cache_creation_input_tokens = tokens;
        self
    }

    /// Sets how many of the output tokens were spent on reasoning.
    ///
    /// ```
    /// # use last9_genai::TokenUsage;
    /// assert_eq!(TokenUsage::new(10, 5).with_reasoning(2).reasoning_output_tokens, 2);
    /// ```
    pub const fn with_reasoning(mut self, tokens: u64) -> Self {
        self.reasoning_output_tokens = tokens;
        self
    }

    /// Whether the counts agree with each other: the cached tokens are part
    /// of the input and the reasoning tokens part of the output. Counts that
    /// do not cannot be priced without billing a token twice.
    ///
    /// ```
    /// # use last9_genai::TokenUsage;
    /// assert!(TokenUsage::new(100, 10).with_cache_read(100).is_consistent());
    /// assert!(!TokenUsage::new(100, 10).with_cache_read(60).with_cache_creation(50).is_consistent());
    /// assert!(!TokenUsage::new(100, 10).with_reasoning(11).is_consistent());
    /// ```
    pub const fn is_consistent(&self) -> bool {
        self.cache_read_input_tokens
            .saturating_add(self.cache_creation_input_tokens)
            <= self.input_tokens
            && self.reasoning_output_tokens <= self.output_tokens
    }
}

/// The cost of one model call, in USD.
///
/// Prices are USD per million tokens, held exactly to 9 decimal places (and
/// at most 10⁹). Costs are computed exactly in integer arithmetic on the
/// decimal value of each price (the shortest decimal that reads back as the
/// same `f64`, so `0.15` means fifteen cents), then:
///
/// * each part (input, output) is rounded to 6 decimals, half to even;
/// * the total is rounded from the *unrounded* sum of the parts, as the
///   Python SDK does, so `total` may differ from `input + output` by one
///   micro-dollar.
///
/// Input tokens include cache reads and cache writes, and output tokens
/// include reasoning tokens (the OpenTelemetry convention). A price for
/// cache reads, cache writes or reasoning, when given, replaces the plain
/// price for those tokens; tokens are never counted twice. The exact values
/// are also available in whole micro-dollars, which is what workflow totals
/// add up.
///
/// ```
/// use last9_genai::{ModelPricing, PricingTable, TokenUsage};
///
/// let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))])?;
/// let cost = table.cost("gpt-4o", &TokenUsage::new(10_000_000, 5_000_000)).unwrap();
/// assert_eq!((cost.input_usd(), cost.output_usd(), cost.total_usd()), (25.0, 50.0, 75.0));
/// assert_eq!(cost.total_micro_usd(), 75_000_000);
/// # Ok::<(), last9_genai::PricingError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CostBreakdown {
    input_micro: u128,
    output_micro: u128,
    total_micro: u128,
}

impl CostBreakdown {
    /// Input cost in USD, cache reads and writes included.
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable, TokenUsage};
    /// # let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap();
    /// let cost = table.cost("gpt-4o", &TokenUsage::new(1000, 500)).unwrap();
    /// assert_eq!(cost.input_usd(), 0.0025);
    /// ```
    pub fn input_usd(&self) -> f64 {
        micro_to_usd(self.input_micro)
    }

    /// Output cost in USD, reasoning included.
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable, TokenUsage};
    /// # let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap();
    /// let cost = table.cost("gpt-4o", &TokenUsage::new(1000, 500)).unwrap();
    /// assert_eq!(cost.output_usd(), 0.005);
    /// ```
    pub fn output_usd(&self) -> f64 {
        micro_to_usd(self.output_micro)
    }

    /// Total cost in USD, rounded from the unrounded sum of the parts.
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable, TokenUsage};
    /// # let table = PricingTable::new([("m", ModelPricing::new(2.5, 0.5))]).unwrap();
    /// // 0.0000025 rounds to 0.000002 and 0.0000005 to 0, but the total is 0.000003
    /// let cost = table.cost("m", &TokenUsage::new(1, 1)).unwrap();
    /// assert_eq!((cost.input_usd(), cost.output_usd(), cost.total_usd()), (0.000002, 0.0, 0.000003));
    /// ```
    pub fn total_usd(&self) -> f64 {
        micro_to_usd(self.total_micro)
    }

    /// Input cost in whole micro-dollars (USD × 10⁶).
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable, TokenUsage};
    /// # let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap();
    /// let cost = table.cost("gpt-4o", &TokenUsage::new(1000, 500)).unwrap();
    /// assert_eq!(cost.input_micro_usd(), 2_500);
    /// ```
    pub fn input_micro_usd(&self) -> u128 {
        self.input_micro
    }

    /// Output cost in whole micro-dollars (USD × 10⁶).
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable, TokenUsage};
    /// # let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap();
    /// let cost = table.cost("gpt-4o", &TokenUsage::new(1000, 500)).unwrap();
    /// assert_eq!(cost.output_micro_usd(), 5_000);
    /// ```
    pub fn output_micro_usd(&self) -> u128 {
        self.output_micro
    }

    /// Total cost in whole micro-dollars (USD × 10⁶).
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable, TokenUsage};
    /// # let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap();
    /// let cost = table.cost("gpt-4o", &TokenUsage::new(1000, 500)).unwrap();
    /// assert_eq!(cost.total_micro_usd(), 7_500);
    /// ```
    pub fn total_micro_usd(&self) -> u128 {
        self.total_micro
    }
}

/// Prices are held in units of 10⁻⁹ USD per million tokens (nano-dollars), so
/// a product of tokens and price is in units of 10⁻¹⁵ USD, and 10⁹ of those
/// make one micro-dollar.
pub(crate) const PRICE_SCALE: u128 = 1_000_000_000;

/// The largest price accepted, in USD per million tokens. With it, five
/// parts of `u64::MAX` tokens each still fit in a `u128`: the arithmetic is
/// exact for every token count, never saturating.
pub(crate) const MAX_PRICE: f64 = 1e9;

/// Prices in units of 10⁻⁹ USD per million tokens ([`PRICE_SCALE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExactPricing {
    pub(crate) input: u128,
    pub(crate) output: u128,
    pub(crate) cache_read: Option<u128>,
    pub(crate) cache_write: Option<u128>,
    pub(crate) reasoning: Option<u128>,
}

/// The decimal value of `price` (its shortest round-trip representation) in
/// units of 10⁻⁹, rounded half to even past the 9th decimal; `None` for NaN,
/// infinite, negative prices or prices above [`MAX_PRICE`].
pub(crate) fn exact_price(price: f64) -> Option<u128> {
    if !price.is_finite() || !(0.0..=MAX_PRICE).contains(&price) {
        return None;
    }
    // `{:e}` prints the shortest digits that read back as the same f64: "2.5e0".
    let text = format!("{price:e}");
    let (mantissa, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significand: u128 = digits.parse().ok()?;
    // value = significand × 10^(exponent - (digits - 1)); we want value × 10^9.
    let scale_digits = PRICE_SCALE.ilog10() as i32;
    let shift = exponent - (digits.len() as i32 - 1) + scale_digits;
    if shift >= 0 {
        10u128.checked_pow(shift as u32)?.checked_mul(significand)
    } else {
        // significand < 10^17, so a shift below -38 rounds to zero.
        Some(match 10u128.checked_pow(shift.unsigned_abs()) {
            Some(divisor) => round_half_even(significand, divisor),
            None => 0,
        })
    }
}

/// Computes the cost of `usage` at `pricing`, exactly, per the module docs.
pub(crate) fn compute(pricing: &ExactPricing, usage: &TokenUsage) -> CostBreakdown {
    let cache_read = pricing
        .cache_read
        .map(|price| (usage.cache_read_input_tokens, price));
    let cache_write = pricing
        .cache_write
        .map(|price| (usage.cache_creation_input_tokens, price));
    let reasoning = pricing
        .reasoning
        .map(|price| (usage.reasoning_output_tokens, price));

    let special_input = cache_read
        .map_or(0, |(t, _)| t)
        .saturating_add(cache_write.map_or(0, |(t, _)| t));
    let plain_input = usage.input_tokens.saturating_sub(special_input);
    let plain_output = usage
        .output_tokens
        .saturating_sub(reasoning.map_or(0, |(t, _)| t));

    let input = [Some((plain_input, pricing.input)), cache_read, cache_write]
        .into_iter()
        .flatten()
        .fold(0u128, |sum, (tokens, price)| {
            sum.saturating_add(product(tokens, price))
        });
    let output = [Some((plain_output, pricing.output)), reasoning]
        .into_iter()
        .flatten()
        .fold(0u128, |sum, (tokens, price)| {
            sum.saturating_add(product(tokens, price))
        });

    CostBreakdown {
        input_micro: round_half_even(input, PRICE_SCALE),
        output_micro: round_half_even(output, PRICE_SCALE),
        total_micro: round_half_even(input + output, PRICE_SCALE),
    }
}

fn product(tokens: u64, price: u128) -> u128 {
    // tokens < 2^64 and price <= 10^18 (MAX_PRICE): at most ~1.8 × 10^37 each.
    u128::from(tokens) * price
}

/// `value / divisor`, rounded half to even.
pub(crate) fn round_half_even(value: u128, divisor: u128) -> u128 {
    // u128 division is a slow library call; real costs fit in u64.
    if let (Ok(value), Ok(divisor)) = (u64::try_from(value), u64::try_from(divisor)) {
        let (quotient, remainder) = (value / divisor, value % divisor);
        let round_up = remainder > divisor - remainder
            || (remainder == divisor - remainder && quotient % 2 == 1);
        return u128::from(quotient + u64::from(round_up));
    }
    let quotient = value / divisor;
    let remainder = value % divisor;
    let twice = remainder * 2; // remainder < divisor <= 10^38, no overflow
    if twice > divisor || (twice == divisor && quotient % 2 == 1) {
        quotient + 1
    } else {
        quotient
    }
}

/// Micro-dollars to the nearest `f64` dollars (exact below 2⁵³ micro-dollars).
pub(crate) fn micro_to_usd(micro: u128) -> f64 {
    micro as f64 / 1e6
}

/// Dollars to whole micro-dollars, for costs read back from spans.
pub(crate) fn usd_to_micro(usd: f64) -> Option<u128> {
    (usd.is_finite() && usd >= 0.0).then(|| (usd * 1e6).round() as u128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_to_even() {
        assert_eq!(round_half_even(25, 10), 2);
        assert_eq!(round_half_even(35, 10), 4);
        assert_eq!(round_half_even(26, 10), 3);
        assert_eq!(round_half_even(24, 10), 2);
        assert_eq!(round_half_even(0, 10), 0);
        // the u128 path agrees with the u64 one
        let big = u128::from(u64::MAX) * 10 + 5;
        assert_eq!(round_half_even(big, 10), u128::from(u64::MAX) + 1);
        assert_eq!(round_half_even(big - 10, 10), u128::from(u64::MAX) - 1);
        // remainder 768_211_455 is more than half: up
        assert_eq!(
            round_half_even(u128::MAX, 1_000_000_000),
            u128::MAX / 1_000_000_000 + 1
        );
    }

    #[test]
    fn usd_to_micro_refuses_non_finite_and_negative() {
        assert_eq!(usd_to_micro(0.0075), Some(7500));
        assert_eq!(usd_to_micro(f64::NAN), None);
        assert_eq!(usd_to_micro(-1.0), None);
        assert_eq!(usd_to_micro(f64::INFINITY), None);
    }
}
