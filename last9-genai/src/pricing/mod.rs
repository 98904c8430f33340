//! [`ModelPricing`], [`PricingTable`], model-name lookup and loading a table
//! from a JSON file.
//!
//! There are no default prices: you bring your own, inline or from a file,
//! and may ask for the bundled, dated table of list prices under them
//! ([`PricingTable::with_bundled_prices`]).
//!
//! ```
//! use last9_genai::{ModelPricing, PricingTable};
//!
//! let table = PricingTable::new([
//!     ("gpt-4o", ModelPricing::new(2.50, 10.0).with_cache_read(1.25)),
//!     ("claude-sonnet-4-5", ModelPricing::new(3.0, 15.0)),
//! ])?;
//! assert!(table.get("gpt-4o-2024-08-06").is_some()); // trailing date ignored
//! assert!(table.get("azure/gpt-4o").is_some()); // provider prefix ignored
//! assert!(table.get("gpt-4o-mini").is_none()); // never a prefix match
//! # Ok::<(), last9_genai::PricingError>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

mod bundled;
mod call;

pub(crate) use bundled::BUNDLED_LABEL;
pub use bundled::BUNDLED_PRICES_DATE;
pub(crate) use call::{CallCost, install, price_call, price_own_else_pipeline};

use crate::cost::{self, CostBreakdown, ExactPricing, MAX_PRICE, TokenUsage, exact_price};
use crate::text::{MAX_MODEL_NAME_LEN, cut_bytes};
use crate::warn::OncePerName;

/// Prices of one model, in USD per million tokens.
///
/// Prices for cache reads, cache writes and reasoning tokens are optional;
/// when one is not given, those tokens are priced as plain input or output.
/// Values are checked when a [`PricingTable`] is built.
///
/// ```
/// use last9_genai::ModelPricing;
///
/// let sonnet = ModelPricing::new(3.0, 15.0).with_cache_read(0.30).with_cache_write(3.75);
/// assert_eq!(sonnet.input(), 3.0);
/// assert_eq!(sonnet.cache_read(), Some(0.30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPricing {
    input: f64,
    output: f64,
    #[serde(default)]
    cache_read: Option<f64>,
    #[serde(default)]
    cache_write: Option<f64>,
    #[serde(default)]
    reasoning: Option<f64>,
}

impl ModelPricing {
    /// Prices for input and output tokens, USD per million tokens.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// let gpt4o = ModelPricing::new(2.50, 10.0);
    /// assert_eq!(gpt4o.output(), 10.0);
    /// ```
    pub const fn new(input: f64, output: f64) -> Self {
        Self {
            input,
            output,
            cache_read: None,
            cache_write: None,
            reasoning: None,
        }
    }

    /// Price for input tokens read from the prompt cache.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(2.5, 10.0).with_cache_read(1.25).cache_read(), Some(1.25));
    /// ```
    pub const fn with_cache_read(mut self, price: f64) -> Self {
        self.cache_read = Some(price);
        self
    }

    /// Price for input tokens written to the prompt cache.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(3.0, 15.0).with_cache_write(3.75).cache_write(), Some(3.75));
    /// ```
    pub const fn with_cache_write(mut self, price: f64) -> Self {
        self.cache_write = Some(price);
        self
    }

    /// Price for output tokens spent on reasoning.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(15.0, 60.0).with_reasoning(60.0).reasoning(), Some(60.0));
    /// ```
    pub const fn with_reasoning(mut self, price: f64) -> Self {
        self.reasoning = Some(price);
        self
    }

    /// Input price, USD per million tokens.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(2.5, 10.0).input(), 2.5);
    /// ```
    pub const fn input(&self) -> f64 {
        self.input
    }

    /// Output price, USD per million tokens.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(2.5, 10.0).output(), 10.0);
    /// ```
    pub const fn output(&self) -> f64 {
        self.output
    }

    /// Cache-read price, when given.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(2.5, 10.0).cache_read(), None);
    /// ```
    pub const fn cache_read(&self) -> Option<f64> {
        self.cache_read
    }

    /// Cache-write price, when given.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(2.5, 10.0).cache_write(), None);
    /// ```
    pub const fn cache_write(&self) -> Option<f64> {
        self.cache_write
    }

    /// Reasoning price, when given.
    ///
    /// ```
    /// # use last9_genai::ModelPricing;
    /// assert_eq!(ModelPricing::new(2.5, 10.0).reasoning(), None);
    /// ```
    pub const fn reasoning(&self) -> Option<f64> {
        self.reasoning
    }

    fn exact(&self, model: &str) -> Result<ExactPricing, PricingError> {
        let price = |field: &'static str, value: f64| {
            exact_price(value).ok_or_else(|| PricingError::InvalidPrice {
                model: model.to_owned(),
                field,
                value,
            })
        };
        let optional = |field, value: Option<f64>| value.map(|v| price(field, v)).transpose();
        Ok(ExactPricing {
            input: price("input", self.input)?,
            output: price("output", self.output)?,
            cache_read: optional("cache_read", self.cache_read)?,
            cache_write: optional("cache_write", self.cache_write)?,
            reasoning: optional("reasoning", self.reasoning)?,
        })
    }
}

/// The entries of a pricing JSON object, in order; a model named twice is
/// an error at its second entry, where a map would keep the last silently.
struct Entries(Vec<(String, ModelPricing)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Entries;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object from model name to prices")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut seen = HashSet::new();
                let mut entries = Vec::new();
                // The key is checked before its value is read, so that the
                // error points at the second entry's name.
                while let Some(model) = map.next_key::<String>()? {
                    if !seen.insert(model.clone()) {
                        return Err(serde::de::Error::custom(format_args!(
                            "model {model:?} is priced twice"
                        )));
                    }
                    entries.push((model, map.next_value::<ModelPricing>()?));
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(Visitor)
    }
}

/// Why a pricing table could not be built.
///
/// ```
/// use last9_genai::{ModelPricing, PricingError, PricingTable};
///
/// let err = PricingTable::new([("gpt-4o", ModelPricing::new(f64::NAN, 10.0))]).unwrap_err();
/// assert!(matches!(err, PricingError::InvalidPrice { ref model, .. } if model == "gpt-4o"));
/// assert!(err.to_string().starts_with("invalid input price NaN for model \"gpt-4o\""));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum PricingError {
    /// A price was NaN, infinite, negative, or above 10⁹ USD per million tokens.
    InvalidPrice {
        /// The model the price belongs to.
        model: String,
        /// Which price: `input`, `output`, `cache_read`, `cache_write` or `reasoning`.
        field: &'static str,
        /// The refused value.
        value: f64,
    },
    /// The pricing JSON could not be parsed.
    Json {
        /// The file, when the JSON came from one.
        path: Option<PathBuf>,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The same model was priced twice (in a JSON file this is a
    /// [`Json`](Self::Json) error at the second entry, naming the model).
    DuplicateModel {
        /// The model.
        model: String,
    },
    /// The pricing file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl fmt::Display for PricingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPrice {
                model,
                field,
                value,
            } => write!(
                f,
                "invalid {field} price {value} for model {model:?}: prices must be finite, not negative and at most {MAX_PRICE:e} USD per million tokens"
            ),
            Self::Json {
                path,
                line,
                column,
                message,
            } => {
                if let Some(path) = path {
                    write!(f, "{}:", path.display())?;
                }
                write!(f, "{line}:{column}: invalid pricing JSON: {message}")
            }
            Self::DuplicateModel { model } => {
                write!(f, "model {model:?} is priced twice")
            }
            Self::Io { path, source } => {
                write!(f, "cannot read pricing file {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for PricingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Priced {
    pricing: ModelPricing,
    exact: ExactPricing,
}

/// At most this many unknown model names are warned about per table; past
/// it, one warning says so and no more names are kept.
const MAX_WARNED_MODELS: usize = 1000;

#[derive(Debug)]
struct Inner {
    models: HashMap<Box<str>, Priced, BuildHasherDefault<Fnv1a>>,
    warned: OncePerName,
    /// The bundled table, looked up when `models` has no price.
    bundled: Option<PricingTable>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            models: HashMap::default(),
            warned: OncePerName::new(MAX_WARNED_MODELS),
            bundled: None,
        }
    }
}

/// Prices by model name. Cheap to clone: clones share one table.
///
/// Lookup tries, in order: the exact name; the name without a trailing date
/// (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`, `gpt-4-0613`,
/// `claude-3-5-sonnet@20240620` → the undated name); the name without a
/// provider prefix (`azure/gpt-4o` → `gpt-4o`; a key that includes the prefix
/// wins, being exact); both. It never matches on a prefix: `gpt-4o-mini` does
/// not find `gpt-4o`.
///
/// ```
/// use last9_genai::{ModelPricing, PricingTable};
///
/// let table = PricingTable::new([
///     ("gpt-4o", ModelPricing::new(2.50, 10.0)),
///     ("azure/gpt-4o", ModelPricing::new(2.75, 11.0)),
/// ])?;
/// assert_eq!(table.get("azure/gpt-4o-2024-08-06").unwrap().input(), 2.75);
/// assert_eq!(table.get("openai/gpt-4o").unwrap().input(), 2.50);
/// # Ok::<(), last9_genai::PricingError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PricingTable {
    inner: Arc<Inner>,
}

impl PricingTable {
    /// Builds a table from `(model, pricing)` pairs, refusing NaN, infinite
    /// or negative prices with an error that names the model.
    ///
    /// ```
    /// use last9_genai::{ModelPricing, PricingTable};
    ///
    /// let table = PricingTable::new([("o1", ModelPricing::new(15.0, 60.0))])?;
    /// assert_eq!(table.len(), 1);
    /// assert!(PricingTable::new([("o1", ModelPricing::new(-1.0, 60.0))]).is_err());
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn new<K: Into<String>>(
        pairs: impl IntoIterator<Item = (K, ModelPricing)>,
    ) -> Result<Self, PricingError> {
        let mut models = HashMap::default();
        for (model, pricing) in pairs {
            let model: String = model.into();
            let exact = pricing.exact(&model)?;
            if models.contains_key(model.as_str()) {
                return Err(PricingError::DuplicateModel { model });
            }
            models.insert(model.into_boxed_str(), Priced { pricing, exact });
        }
        Ok(Self {
            inner: Arc::new(Inner {
                models,
                ..Inner::default()
            }),
        })
    }

    /// Parses a table from JSON: an object from model name to prices.
    ///
    /// Each entry has `input` and `output`, and optionally `cache_read`,
    /// `cache_write` and `reasoning`, all in USD per million tokens. Unknown
    /// fields are refused, so a misspelt price is not silently ignored.
    ///
    /// ```
    /// use last9_genai::{PricingError, PricingTable};
    ///
    /// let table = PricingTable::from_json_str(r#"{
    ///     "gpt-4o": { "input": 2.5, "output": 10.0, "cache_read": 1.25 }
    /// }"#)?;
    /// assert_eq!(table.get("gpt-4o").unwrap().cache_read(), Some(1.25));
    ///
    /// let err = PricingTable::from_json_str("{\n  \"gpt-4o\": { \"input\": 2.5 }\n}").unwrap_err();
    /// assert!(matches!(err, PricingError::Json { line: 2, .. }));
    /// # Ok::<(), PricingError>(())
    /// ```
    pub fn from_json_str(json: &str) -> Result<Self, PricingError> {
        Self::parse(json, None)
    }

    /// Reads a table from a JSON file in the format of
    /// [`from_json_str`](Self::from_json_str).
    ///
    /// ```no_run
    /// use last9_genai::PricingTable;
    ///
    /// let table = PricingTable::from_json_file("pricing/2026-02.json")?;
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self, PricingError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| PricingError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&json, Some(path))
    }

    fn parse(json: &str, path: Option<&Path>) -> Result<Self, PricingError> {
        let Entries(models) = serde_json::from_str(json).map_err(|err| PricingError::Json {
            path: path.map(Path::to_owned),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })?;
        Self::new(models)
    }

    /// The bundled table alone: list prices of the common OpenAI,
    /// Anthropic, Google, Mistral, DeepSeek, Cohere and xAI chat models,
    /// Groq-hosted and AWS Bedrock models, and the common embedding models,
    /// on [`BUNDLED_PRICES_DATE`].
    ///
    /// ```
    /// use last9_genai::PricingTable;
    ///
    /// let bundled = PricingTable::bundled();
    /// assert!(bundled.get("gpt-4o").is_some());
    /// assert!(bundled.get("claude-sonnet-4-5").is_some());
    /// // A Bedrock model id, through its cross-region prefix.
    /// assert!(bundled.get("us.amazon.nova-pro-v1:0").is_some());
    /// assert_eq!(bundled.get("text-embedding-3-small").unwrap().output(), 0.0);
    /// ```
    pub fn bundled() -> PricingTable {
        bundled::TABLE.clone()
    }

    /// This table with the bundled one under it: a model this table prices
    /// keeps its price (by every lookup rule: `gpt-4o` here also prices
    /// `gpt-4o-2024-08-06`), any other is priced from the bundled table, and
    /// the spans so priced say so (`gen_ai.l9.cost.prices`). Says once, as a
    /// warning, when the bundled table is more than six months old.
    ///
    /// ```
    /// use last9_genai::{ModelPricing, PricingTable};
    ///
    /// let mine = PricingTable::new([("gpt-4o", ModelPricing::new(2.0, 8.0))])?; // negotiated
    /// let table = mine.with_bundled_prices();
    /// assert_eq!(table.get("gpt-4o").unwrap().input(), 2.0);
    /// assert!(table.get("gemini-2.5-pro").is_some());
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn with_bundled_prices(self) -> PricingTable {
        bundled::notice_if_stale(std::time::SystemTime::now());
        PricingTable {
            inner: Arc::new(Inner {
                models: self.inner.models.clone(),
                bundled: Some(Self::bundled()),
                ..Inner::default()
            }),
        }
    }

    /// Number of models in the table, those of the bundled table under it
    /// included.
    ///
    /// ```
    /// # use last9_genai::PricingTable;
    /// assert_eq!(PricingTable::default().len(), 0);
    /// assert!(PricingTable::default().with_bundled_prices().len() > 100);
    /// ```
    pub fn len(&self) -> usize {
        let own = &self.inner.models;
        own.len()
            + self.inner.bundled.as_ref().map_or(0, |bundled| {
                let under = bundled.inner.models.keys();
                under.filter(|model| !own.contains_key(*model)).count()
            })
    }

    /// Whether the table has no models.
    ///
    /// ```
    /// # use last9_genai::PricingTable;
    /// assert!(PricingTable::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.models.is_empty()
            && self
                .inner
                .bundled
                .as_ref()
                .is_none_or(PricingTable::is_empty)
    }

    /// The prices of `model`, by the lookup rules of [`PricingTable`].
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable};
    /// let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))])?;
    /// assert_eq!(table.get("gpt-4o-2024-08-06").map(|p| p.input()), Some(2.5));
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn get(&self, model: &str) -> Option<&ModelPricing> {
        self.find(model).map(|priced| &priced.pricing)
    }

    /// The cost of `usage` on `model`, or `None` when the model has no price.
    ///
    /// An unknown model is reported once per table and model name as a
    /// `tracing` warning, never per call, and never priced at zero.
    ///
    /// ```
    /// # use last9_genai::{ModelPricing, PricingTable, TokenUsage};
    /// let table = PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))])?;
    /// assert_eq!(table.cost("gpt-4o", &TokenUsage::new(1000, 500)).unwrap().total_usd(), 0.0075);
    /// assert_eq!(table.cost("llama-3", &TokenUsage::new(1000, 500)), None);
    /// # Ok::<(), last9_genai::PricingError>(())
    /// ```
    pub fn cost(&self, model: &str, usage: &TokenUsage) -> Option<CostBreakdown> {
        let cost = self.cost_quiet(model, usage);
        if cost.is_none() {
            self.warn_unknown(model);
        }
        cost
    }

    /// [`cost`](Self::cost) without the warning for an unknown model.
    pub(crate) fn cost_quiet(&self, model: &str, usage: &TokenUsage) -> Option<CostBreakdown> {
        self.find(model)
            .map(|priced| cost::compute(&priced.exact, usage))
    }

    /// The cost of the first of `models` that has a price, and whether the
    /// price came from the bundled table (this table does not name the
    /// model).
    pub(crate) fn cost_and_source<const N: usize>(
        &self,
        models: [Option<&str>; N],
        usage: &TokenUsage,
    ) -> Option<(CostBreakdown, bool)> {
        models.into_iter().flatten().find_map(|model| {
            let (priced, bundled) = self.find_sourced(model)?;
            Some((cost::compute(&priced.exact, usage), bundled))
        })
    }

    fn find(&self, model: &str) -> Option<&Priced> {
        self.find_sourced(model).map(|(priced, _)| priced)
    }

    /// The price of `model`, and whether it is the bundled table's.
    fn find_sourced(&self, model: &str) -> Option<(&Priced, bool)> {
        match self.find_own(model) {
            Some(priced) => Some((priced, false)),
            None => Some((self.inner.bundled.as_ref()?.find(model)?, true)),
        }
    }

    fn find_own(&self, model: &str) -> Option<&Priced> {
        let models = &self.inner.models;
        if models.is_empty() {
            return None;
        }
        // Most spans name a model exactly as priced: the other forms are
        // made only when that misses.
        models.get(model).or_else(|| {
            let unprefixed = strip_provider_prefix(model);
            [
                strip_date(model),
                unprefixed,
                unprefixed.and_then(strip_date),
                strip_region(unprefixed.unwrap_or(model)),
            ]
            .into_iter()
            .flatten()
            .find_map(|name| models.get(name))
        })
    }

    /// Warns once per table and model that `model` has no price (through
    /// `tracing`, else on standard error), for at most
    /// [`MAX_WARNED_MODELS`] names.
    pub(crate) fn warn_unknown(&self, model: &str) {
        let model = cut_bytes(model, MAX_MODEL_NAME_LEN);
        self.inner.warned.warn(
            &model,
            || {
                format!(
                    "no price for model {model:?}: its spans carry no cost; add it to the pricing table"
                )
            },
            "more models have no price; they are no longer listed",
        );
    }
}

impl<K: Into<String>, const N: usize> TryFrom<[(K, ModelPricing); N]> for PricingTable {
    type Error = PricingError;

    /// Same as [`PricingTable::new`].
    fn try_from(pairs: [(K, ModelPricing); N]) -> Result<Self, PricingError> {
        Self::new(pairs)
    }
}

/// FNV-1a: model names are short and the table is the user's own, so a
/// keyed hash buys nothing on a lookup made for every priced span.
#[derive(Debug)]
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// `gpt-4o-2024-08-06` → `gpt-4o`; `claude-3-5-sonnet-20241022` and
/// `claude-3-5-sonnet@20240620` → `claude-3-5-sonnet`; `gpt-4-0613` → `gpt-4`.
fn strip_date(model: &str) -> Option<&str> {
    let b = model.as_bytes();
    let n = b.len();
    let digits = |from: usize, to: usize| b[from..to].iter().all(u8::is_ascii_digit);
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    let month_day = |m: usize, d: usize| matches!(two(m), 1..=12) && matches!(two(d), 1..=31);
    // Each form starts with an ASCII separator, so cutting before it is a char boundary.
    let dated = |len: usize, separators: &[u8]| n > len && separators.contains(&b[n - len]);
    let date = if dated(11, b"-") && b[n - 6] == b'-' && b[n - 3] == b'-' {
        // -YYYY-MM-DD
        (digits(n - 10, n - 6)
            && digits(n - 5, n - 3)
            && digits(n - 2, n)
            && month_day(n - 5, n - 2))
        .then_some(11)
    } else {
        None
    }
    .or_else(|| {
        // -YYYYMMDD or @YYYYMMDD
        (dated(9, b"-@") && digits(n - 8, n) && month_day(n - 4, n - 2)).then_some(9)
    })
    .or_else(|| {
        // -MMDD
        (dated(5, b"-") && digits(n - 4, n) && month_day(n - 4, n - 2)).then_some(5)
    })?;
    Some(&model[..n - date])
}

/// The cross-region inference prefixes of AWS Bedrock model ids.
pub(crate) const BEDROCK_REGION_PREFIXES: &[&str] = &[
    "us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov.",
];

/// `us.anthropic.claude-sonnet-4-5-20250929-v1:0` →
/// `anthropic.claude-sonnet-4-5-20250929-v1:0`: a Bedrock model id called
/// through a cross-region inference profile is priced as the model (the
/// profiles' list prices are the model's in its home region).
fn strip_region(model: &str) -> Option<&str> {
    BEDROCK_REGION_PREFIXES
        .iter()
        .find_map(|prefix| model.strip_prefix(prefix))
        .filter(|rest| rest.contains('.'))
}

/// `azure/gpt-4o` → `gpt-4o`; `openrouter/openai/gpt-4o` → `gpt-4o`.
fn strip_provider_prefix(model: &str) -> Option<&str> {
    model
        .rsplit_once('/')
        .map(|(_, name)| name)
        .filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_price_reads_the_shortest_decimal() {
        assert_eq!(exact_price(2.5), Some(2_500_000_000));
        assert_eq!(exact_price(0.15), Some(150_000_000));
        assert_eq!(exact_price(0.0), Some(0));
        assert_eq!(exact_price(1e-10), Some(0));
        assert_eq!(exact_price(5e-10), Some(0)); // half to even
        assert_eq!(exact_price(1.5e-9), Some(2));
        assert_eq!(exact_price(1e9), Some(1_000_000_000_000_000_000));
        assert_eq!(exact_price(1.5e9), None);
        assert_eq!(exact_price(1e300), None);
        assert_eq!(exact_price(f64::NAN), None);
        assert_eq!(exact_price(-0.5), None);
    }

    #[test]
    fn strip_date_knows_the_provider_date_styles() {
        assert_eq!(strip_date("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(
            strip_date("claude-3-5-sonnet-20241022"),
            Some("claude-3-5-sonnet")
        );
        assert_eq!(
            strip_date("claude-3-5-sonnet@20240620"),
            Some("claude-3-5-sonnet")
        );
        assert_eq!(strip_date("gpt-4-0613"), Some("gpt-4"));
        assert_eq!(strip_date("gpt-4o"), None);
        assert_eq!(strip_date("gpt-4o-mini"), None);
        assert_eq!(strip_date("model-2048"), None);
        assert_eq!(strip_date("-2024-08-06"), None);
        assert_eq!(strip_date("é-2024-08-0é"), None);
    }

    /// Regression (mutation testing): a month or day out of range, or a
    /// year that is not all digits, is no date, in each of the three forms.
    /// A cross-region prefix is cut only before a vendor's model id.
    #[test]
    fn strip_region_knows_the_cross_region_prefixes() {
        assert_eq!(
            strip_region("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            Some("anthropic.claude-sonnet-4-5-20250929-v1:0")
        );
        assert_eq!(
            strip_region("global.amazon.nova-pro-v1:0"),
            Some("amazon.nova-pro-v1:0")
        );
        assert_eq!(
            strip_region("apac.meta.llama3-2-1b-instruct-v1:0"),
            Some("meta.llama3-2-1b-instruct-v1:0")
        );
        assert_eq!(strip_region("amazon.nova-pro-v1:0"), None);
        assert_eq!(strip_region("us.gpt"), None);
        assert_eq!(strip_region("eu."), None);
        let table =
            PricingTable::new([("amazon.nova-pro-v1:0", ModelPricing::new(0.8, 3.2))]).unwrap();
        for model in ["us.amazon.nova-pro-v1:0", "bedrock/eu.amazon.nova-pro-v1:0"] {
            assert_eq!(table.get(model).map(|p| p.input()), Some(0.8), "{model}");
        }
    }

    #[test]
    fn strip_date_refuses_what_is_no_date() {
        for model in [
            "gpt-4o-2024-13-06",
            "gpt-4o-2024-12-32",
            "gpt-4o-2024-00-06",
            "gpt-4o-20x4-08-06",
            "claude-3-5-sonnet-20241306",
            "claude-3-5-sonnet@20241232",
            "gpt-4-1306",
            "gpt-4-0632",
        ] {
            assert_eq!(strip_date(model), None, "{model}");
        }
        assert_eq!(strip_date("gpt-4o-2024-12-31"), Some("gpt-4o"));
        assert_eq!(strip_date("gpt-4-1231"), Some("gpt-4"));
    }

    /// Each price reads back as it was given; the optional ones are absent
    /// until given.
    #[test]
    fn prices_read_back_as_given() {
        let plain = ModelPricing::new(1.5, 6.0);
        assert_eq!(
            (
                plain.input(),
                plain.output(),
                plain.cache_read(),
                plain.cache_write(),
                plain.reasoning()
            ),
            (1.5, 6.0, None, None, None)
        );
        let full = plain
            .with_cache_read(0.25)
            .with_cache_write(3.75)
            .with_reasoning(8.0);
        assert_eq!(
            (full.cache_read(), full.cache_write(), full.reasoning()),
            (Some(0.25), Some(3.75), Some(8.0))
        );
    }

    /// A table made from pairs holds them, and says whether it is empty.
    #[test]
    fn a_table_holds_its_pairs() {
        assert!(PricingTable::default().is_empty());
        let table = PricingTable::try_from([("m-1", ModelPricing::new(1.0, 2.0))]).unwrap();
        assert!(!table.is_empty());
        assert_eq!(table.len(), 1);
        assert_eq!(table.get("m-1").map(ModelPricing::output), Some(2.0));
    }

    /// Errors say what was expected, and a file that cannot be read keeps
    /// the I/O error as its source.
    #[test]
    fn errors_say_what_was_expected_and_keep_their_source() {
        use std::error::Error as _;
        let err = PricingTable::from_json_str("[1]").unwrap_err();
        assert!(
            err.to_string()
                .contains("an object from model name to prices"),
            "{err}"
        );
        assert!(err.source().is_none());
        let err = PricingTable::from_json_file("/nonexistent/prices.json").unwrap_err();
        let source = err
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>());
        assert_eq!(
            source.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound)
        );
    }
}
