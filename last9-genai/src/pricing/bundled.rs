//! The bundled price table: list prices of the common OpenAI, Anthropic,
//! Google, Mistral, DeepSeek, Cohere and xAI chat models, Groq-hosted and
//! AWS Bedrock chat models (by Bedrock model id), and OpenAI, Cohere,
//! Gemini and Bedrock embedding models (input only), dated, used only when
//! asked for, under the user's own prices.
//!
//! The table (`last9-genai/prices/bundled.json`) is written by
//! `scripts/bundled-prices.py` from the price list LiteLLM publishes in its
//! PyPI package: base list prices in USD per million tokens (input, output,
//! cache read and write, reasoning where it differs from output). Tiered
//! prices above a prompt size, batch and regional prices are not in it.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::{Entries, PricingTable};
use crate::warn;

/// The date of the bundled price table: the prices were the providers'
/// list prices on that day.
///
/// ```
/// assert_eq!(last9_genai::BUNDLED_PRICES_DATE.len(), "YYYY-MM-DD".len());
/// ```
pub const BUNDLED_PRICES_DATE: &str = "2026-11-20";

/// What a span priced from the bundled table says in
/// `gen_ai.l9.cost.prices`.
pub(crate) const BUNDLED_LABEL: &str = "bundled 2026-11-20";

/// After this long the bundled table's prices are likely out of date.
const STALE_AFTER: Duration = Duration::from_secs(183 * 24 * 60 * 60);

const JSON: &str = include_str!("../../prices/bundled.json");

/// The file: its `source` and `date` for people, its `models` for the crate
/// (a test holds the date to [`BUNDLED_PRICES_DATE`]).
#[derive(Deserialize)]
struct File {
    models: Entries,
}

/// The bundled table, parsed once.
pub(super) static TABLE: LazyLock<PricingTable> = LazyLock::new(|| {
    let parsed = serde_json::from_str::<File>(JSON)
        .map_err(|err| err.to_string())
        .and_then(|file| PricingTable::new(file.models.0).map_err(|err| err.to_string()));
    // The file is compiled in and checked by the tests: this cannot fail
    // in a release, and never panics if it did.
    parsed.unwrap_or_else(|err| {
        warn::warn(&format!(
            "the bundled price table is unreadable ({err}); it is left out"
        ));
        PricingTable::default()
    })
});

/// Says once in the process that the bundled table is more than six months
/// old at `now`.
pub(super) fn notice_if_stale(now: SystemTime) {
    static ONCE: warn::Once = warn::Once::new();
    if let Some(message) = stale_notice(now) {
        ONCE.warn(|| message);
    }
}

fn stale_notice(now: SystemTime) -> Option<String> {
    let dated = date_to_time(BUNDLED_PRICES_DATE)?;
    let age = now.duration_since(dated).ok()?;
    (age > STALE_AFTER).then(|| {
        format!(
            "the bundled price table is dated {BUNDLED_PRICES_DATE}, {} days ago: prices may have \
             changed; give your own table (it wins over the bundled one) or update the crate",
            age.as_secs() / 86_400
        )
    })
}

/// `YYYY-MM-DD` at midnight UTC.
fn date_to_time(date: &str) -> Option<SystemTime> {
    let mut parts = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, d) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    // Days since 1970-01-01 of a proleptic Gregorian date.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(days * 86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_file_parses_and_its_date_is_the_constant() {
        let file: File = serde_json::from_str(JSON).unwrap();
        let raw: serde_json::Value = serde_json::from_str(JSON).unwrap();
        assert_eq!(raw["date"], BUNDLED_PRICES_DATE);
        assert!(
            raw["source"]
                .as_str()
                .unwrap()
                .contains(BUNDLED_PRICES_DATE)
        );
        assert_eq!(BUNDLED_LABEL, format!("bundled {BUNDLED_PRICES_DATE}"));
        let table = PricingTable::new(file.models.0).unwrap();
        assert!(table.len() > 100, "{}", table.len());
        assert_eq!(TABLE.len(), table.len());
    }

    #[test]
    fn dates_are_days_since_the_epoch() {
        let day = |date| {
            date_to_time(date)
                .unwrap()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                / 86_400
        };
        assert_eq!(day("1970-01-01"), 0);
        assert_eq!(day("2000-03-01"), 11_017);
        assert_eq!(day("2026-11-20"), 20_777);
        assert_eq!(date_to_time("2026-xx-20"), None);
    }

    #[test]
    fn the_notice_comes_after_six_months_only() {
        let dated = date_to_time(BUNDLED_PRICES_DATE).unwrap();
        let days = |n: u64| dated + Duration::from_secs(n * 86_400);
        assert_eq!(stale_notice(days(0)), None);
        assert_eq!(stale_notice(days(183)), None);
        let notice = stale_notice(days(200)).unwrap();
        assert!(notice.contains("200 days ago"), "{notice}");
        assert!(notice.contains(BUNDLED_PRICES_DATE));
        assert_eq!(stale_notice(dated - Duration::from_secs(86_400)), None);
    }
}
