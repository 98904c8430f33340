//! One call that sets everything up from the environment: [`install`].

mod deadline;
mod env;
#[cfg(feature = "otlp")]
mod otlp;

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{
    Sampler, SdkTracerProvider, SimpleSpanProcessor, SpanData, SpanProcessor,
};

use crate::console::ConsoleExporter;
use crate::health::{ExportCounts, ExportHealth};
use crate::metrics::set_meter_provider;
use crate::pipeline::set_tracer_provider;
use crate::pricing::{PricingError, PricingTable};
use crate::processor::{Last9SpanProcessor, Last9SpanProcessorBuilder};
use crate::settings::{
    CONTENT_LAYOUT_ENV, ContentLayout, PREVIOUS_KEYS_ENV, set_content_layout, set_previous_keys,
};
use crate::summary::ConsoleSummary;
use crate::warn;
use deadline::Deadline;

/// The variable naming a pricing JSON file for [`install`]; see
/// [`PricingTable::from_json_file`].
pub const PRICING_FILE_ENV: &str = "LAST9_GENAI_PRICING_FILE";

/// The variable that turns on the bundled price table for [`install`]:
/// `true` or `false`; see [`Install::bundled_prices`].
pub const BUNDLED_PRICES_ENV: &str = "LAST9_GENAI_BUNDLED_PRICES";

/// How spans are sent to an OTLP endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// OTLP over HTTP with protobuf bodies (`http/protobuf`, the default).
    #[default]
    HttpProtobuf,
    /// OTLP over gRPC (`grpc`).
    Grpc,
}

/// How OTLP export bodies are compressed: `OTEL_EXPORTER_OTLP_COMPRESSION`
/// and its per-signal `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION` /
/// `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION`, or
/// [`Install::compression`]. A model call's messages are text: gzip sends
/// them in a fraction of their bytes (see `BENCHMARKS.md`).
///
/// ```
/// use last9_genai::Compression;
///
/// assert_eq!(Compression::parse("GZIP"), Some(Compression::Gzip));
/// assert_eq!(Compression::parse(""), Some(Compression::None));
/// assert_eq!(Compression::parse("brotli"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Uncompressed (`none`, or the variable empty): the default.
    #[default]
    None,
    /// gzip (`gzip`).
    Gzip,
    /// zstd (`zstd`).
    Zstd,
}

impl Compression {
    /// Reads a value of the compression variables, in any case: `gzip`,
    /// `zstd`, `none`, or nothing.
    ///
    /// ```
    /// # use last9_genai::Compression;
    /// assert_eq!(Compression::parse(" zstd "), Some(Compression::Zstd));
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "" => Some(Self::None),
            v if v.eq_ignore_ascii_case("none") => Some(Self::None),
            v if v.eq_ignore_ascii_case("gzip") => Some(Self::Gzip),
            v if v.eq_ignore_ascii_case("zstd") => Some(Self::Zstd),
            _ => None,
        }
    }
}

/// Why [`install`] could not set up telemetry.
///
/// ```
/// use last9_genai::{Install, InstallError};
///
/// let err = Install::default().headers("x-tenant=acme,Authorization=Basic%zz").unwrap_err();
/// assert!(matches!(err, InstallError::Headers { .. }));
/// // The key is named; the value, a credential, is not.
/// assert_eq!(
///     err.to_string(),
///     "OTEL_EXPORTER_OTLP_HEADERS: entry 2 (\"Authorization\"): the value is not percent-encoded UTF-8"
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum InstallError {
    /// An entry of `OTEL_EXPORTER_OTLP_HEADERS` is not `key=value` with a
    /// percent-encoded value. Its value is never held: it may be a
    /// credential.
    Headers {
        /// The entry's position, from 1.
        entry: usize,
        /// The entry's key, when it has a valid one.
        key: Option<String>,
        /// What is wrong.
        reason: &'static str,
    },
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` names a protocol this crate does not speak.
    Protocol {
        /// The value.
        value: String,
    },
    /// The pricing file could not be loaded.
    Pricing(PricingError),
    /// An endpoint is configured but this crate was built without its `otlp`
    /// feature.
    OtlpDisabled {
        /// The endpoint.
        endpoint: String,
    },
    /// The OTLP exporter could not be built.
    Exporter(String),
    /// A setting (a variable, or an [`Install`] option) has a value it
    /// cannot take.
    Setting {
        /// The variable or option.
        name: &'static str,
        /// The value.
        value: String,
        /// What it may be.
        expected: &'static str,
    },
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Headers { entry, key, reason } => match key {
                Some(key) => write!(
                    f,
                    "OTEL_EXPORTER_OTLP_HEADERS: entry {entry} ({key:?}): {reason}"
                ),
                None => write!(f, "OTEL_EXPORTER_OTLP_HEADERS: entry {entry}: {reason}"),
            },
            Self::Protocol { value } => write!(
                f,
                "OTEL_EXPORTER_OTLP_PROTOCOL: unknown protocol {value:?}: expected \"http/protobuf\" or \"grpc\""
            ),
            Self::Pricing(err) => write!(f, "{PRICING_FILE_ENV}: {err}"),
            Self::OtlpDisabled { endpoint } => write!(
                f,
                "an OTLP endpoint ({endpoint}) is configured, but last9-genai was built without its `otlp` feature"
            ),
            Self::Exporter(message) => write!(f, "cannot build the OTLP exporter: {message}"),
            Self::Setting {
                name,
                value,
                expected,
            } => write!(f, "{name}: {value:?} is not valid: expected {expected}"),
        }
    }
}

impl std::error::Error for InstallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Pricing(err) => Some(err),
            _ => None,
        }
    }
}

/// Sets up tracing from the environment: a tracer provider with
/// [`Last9SpanProcessor`], registered globally, exporting over OTLP when an
/// endpoint is configured (feature `otlp`), else printing each trace to
/// standard error as a tree ([`ConsoleExporter`]).
///
/// Honoured: `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
/// `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`
/// or `grpc`), `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
/// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, `OTEL_TRACES_EXPORTER`
/// (`otlp`, `console` or `none`), `OTEL_SDK_DISABLED`, `OTEL_BSP_MAX_QUEUE_SIZE`,
/// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, `OTEL_BSP_SCHEDULE_DELAY` and
/// `OTEL_BSP_EXPORT_TIMEOUT` (milliseconds), and
/// [`LAST9_GENAI_PRICING_FILE`](PRICING_FILE_ENV). A value that cannot be
/// right (a sampler ratio of `2`, a queue of `0`) is an
/// [`InstallError::Setting`] naming the variable. Use [`Install`] to override.
///
/// With `OTEL_SDK_DISABLED=true`, nothing is set up: observed functions and
/// workflows do no telemetry work. With `OTEL_TRACES_EXPORTER=none`, spans
/// are processed (workflow totals work) but not exported.
///
/// What happens to every span is counted: read
/// [`TelemetryGuard::export_counts`]. While spans are being dropped (the
/// queue is full) or fail to export, a warning says so every ten seconds,
/// through `tracing`, or on stderr when no subscriber is set.
///
/// Keep the guard for the life of the program: dropping it flushes and shuts
/// the pipeline down, within a bounded time, with or without a tokio runtime.
///
/// ```no_run
/// fn main() -> Result<(), last9_genai::InstallError> {
///     let _telemetry = last9_genai::install()?;
///     // ... the application ...
///     Ok(())
/// }
/// ```
pub fn install() -> Result<TelemetryGuard, InstallError> {
    Install::from_env()?.install()
}

/// The configuration [`install`] uses: read from the environment, then
/// overridden.
///
/// ```
/// use last9_genai::{Install, ModelPricing, PricingTable};
///
/// let guard = Install::from_env()?
///     .service_name("support-bot")
///     .pricing(PricingTable::new([("gpt-4o", ModelPricing::new(2.5, 10.0))])?)
///     .console_writer(std::io::sink())
///     .install()?;
/// drop(guard); // flushes and shuts down
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
#[must_use = "call install() to set telemetry up"]
pub struct Install {
    endpoint: Option<String>,
    headers: Vec<(String, String)>,
    protocol: Protocol,
    pricing: Option<PricingTable>,
    bundled_prices: bool,
    service_name: Option<String>,
    resource: Vec<KeyValue>,
    sampler: Option<Sampler>,
    console: Option<Box<dyn Write + Send>>,
    export_timeout: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    batch: Batch,
    exporter: Option<Exporter>,
    metrics_exporter: Option<Exporter>,
    metrics_endpoint: Option<String>,
    metric_interval: Option<Duration>,
    disabled: bool,
    content_layout: Option<ContentLayout>,
    previous_keys: Option<bool>,
    compression: Option<Compression>,
    metrics_compression: Option<Compression>,
}

/// Which exporter `OTEL_TRACES_EXPORTER` or `OTEL_METRICS_EXPORTER` asks
/// for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exporter {
    Otlp,
    Console,
    None,
}

/// The batch processor's settings, the SDK's defaults where not given.
#[derive(Debug, Default, Clone, Copy)]
struct Batch {
    max_queue_size: Option<usize>,
    max_export_batch_size: Option<usize>,
    scheduled_delay: Option<Duration>,
}

/// The export queue's default size, as the SDK's.
const MAX_QUEUE_SIZE: usize = 2048;
/// The default largest batch, as the SDK's.
#[cfg(feature = "otlp")]
const MAX_EXPORT_BATCH_SIZE: usize = 512;
/// The default delay between two exports, as the SDK's.
#[cfg(feature = "otlp")]
const SCHEDULED_DELAY: Duration = Duration::from_secs(5);

impl fmt::Debug for Install {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Install")
            .field("endpoint", &self.endpoint)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("protocol", &self.protocol)
            .field("pricing", &self.pricing.as_ref().map(PricingTable::len))
            .field("bundled_prices", &self.bundled_prices)
            .field("service_name", &self.service_name)
            .field("batch", &self.batch)
            .field("exporter", &self.exporter)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// How long shutting down may take by default.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one export may take by default.
#[cfg(feature = "otlp")]
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

impl Install {
    /// Reads the variables [`install`] honours; errors name the variable and
    /// the value at fault.
    ///
    /// ```
    /// let config = last9_genai::Install::from_env()?;
    /// # Ok::<(), last9_genai::InstallError>(())
    /// ```
    pub fn from_env() -> Result<Self, InstallError> {
        let var = |name: &str| std::env::var(name).ok();
        let protocol = match var("OTEL_EXPORTER_OTLP_PROTOCOL") {
            Some(text) => env::parse_protocol(&text)?,
            None => Protocol::default(),
        };
        let headers = match var("OTEL_EXPORTER_OTLP_HEADERS") {
            Some(text) => env::parse_headers(&text)?,
            None => Vec::new(),
        };
        let pricing = match var(PRICING_FILE_ENV).filter(|p| !p.trim().is_empty()) {
            Some(path) => Some(PricingTable::from_json_file(path).map_err(InstallError::Pricing)?),
            None => None,
        };
        let count = |name| var(name).map(|v| env::parse_count(name, &v)).transpose();
        let millis = |name| var(name).map(|v| env::parse_millis(name, &v)).transpose();
        Ok(Self {
            sampler: var("OTEL_TRACES_SAMPLER")
                .map(|s| env::parse_sampler(&s, var("OTEL_TRACES_SAMPLER_ARG").as_deref()))
                .transpose()?,
            exporter: var("OTEL_TRACES_EXPORTER")
                .map(|e| env::parse_exporter("OTEL_TRACES_EXPORTER", &e))
                .transpose()?,
            metrics_exporter: var("OTEL_METRICS_EXPORTER")
                .map(|e| env::parse_exporter("OTEL_METRICS_EXPORTER", &e))
                .transpose()?,
            metric_interval: var("OTEL_METRIC_EXPORT_INTERVAL")
                .map(|v| env::parse_interval("OTEL_METRIC_EXPORT_INTERVAL", &v))
                .transpose()?,
            metrics_endpoint: env::metrics_endpoint(
                var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
                var("OTEL_EXPORTER_OTLP_ENDPOINT"),
                None,
                protocol,
            ),
            disabled: var("OTEL_SDK_DISABLED").is_some_and(|v| env::parse_disabled(&v)),
            batch: Batch {
                max_queue_size: count("OTEL_BSP_MAX_QUEUE_SIZE")?,
                max_export_batch_size: count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")?,
                scheduled_delay: millis("OTEL_BSP_SCHEDULE_DELAY")?,
            },
            export_timeout: millis("OTEL_BSP_EXPORT_TIMEOUT")?,
            endpoint: env::traces_endpoint(
                var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
                var("OTEL_EXPORTER_OTLP_ENDPOINT"),
                protocol,
            ),
            headers,
            protocol,
            pricing,
            bundled_prices: var(BUNDLED_PRICES_ENV)
                .map(|v| env::parse_bool(BUNDLED_PRICES_ENV, &v))
                .transpose()?
                .unwrap_or(false),
            content_layout: var(CONTENT_LAYOUT_ENV)
                .map(|v| env::parse_layout(&v))
                .transpose()?,
            previous_keys: var(PREVIOUS_KEYS_ENV)
                .map(|v| env::parse_bool(PREVIOUS_KEYS_ENV, &v))
                .transpose()?,
            compression: env::compression(
                "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
                var("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"),
                var("OTEL_EXPORTER_OTLP_COMPRESSION"),
            )?,
            metrics_compression: env::compression(
                "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
                var("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION"),
                var("OTEL_EXPORTER_OTLP_COMPRESSION"),
            )?,
            ..Self::default()
        })
    }

    /// Sends traces to `endpoint`, the full traces URL (for HTTP, including
    /// `/v1/traces`).
    ///
    /// ```
    /// let config = last9_genai::Install::default().endpoint("http://127.0.0.1:4318/v1/traces");
    /// ```
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sends metrics to `endpoint`, the full metrics URL (for HTTP, including
    /// `/v1/metrics`). By default they go beside the traces: the traces
    /// endpoint with `/v1/traces` made `/v1/metrics`.
    ///
    /// ```
    /// let config = last9_genai::Install::default().metrics_endpoint("http://127.0.0.1:4318/v1/metrics");
    /// ```
    pub fn metrics_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.metrics_endpoint = Some(endpoint.into());
        self
    }

    /// Exports metrics every `interval` (default 60 s, over
    /// `OTEL_METRIC_EXPORT_INTERVAL`), and once more at shutdown.
    ///
    /// ```
    /// let config = last9_genai::Install::default().metric_export_interval(std::time::Duration::from_secs(10));
    /// ```
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.metric_interval = Some(interval);
        self
    }

    /// Uses `protocol` for the endpoint.
    ///
    /// ```
    /// use last9_genai::{Install, Protocol};
    /// let config = Install::default().protocol(Protocol::Grpc);
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Adds headers in the format of `OTEL_EXPORTER_OTLP_HEADERS`.
    ///
    /// ```
    /// let config = last9_genai::Install::default().headers("Authorization=Basic%20abc")?;
    /// # Ok::<(), last9_genai::InstallError>(())
    /// ```
    pub fn headers(mut self, headers: &str) -> Result<Self, InstallError> {
        self.headers.extend(env::parse_headers(headers)?);
        Ok(self)
    }

    /// Prices spans with `table`.
    ///
    /// ```
    /// # use last9_genai::{Install, PricingTable};
    /// let config = Install::default().pricing(PricingTable::default());
    /// ```
    pub fn pricing(mut self, table: PricingTable) -> Self {
        self.pricing = Some(table);
        self
    }

    /// Prices the models your table does not know from the bundled table
    /// of list prices dated [`BUNDLED_PRICES_DATE`](crate::BUNDLED_PRICES_DATE),
    /// under your own (your entries win); off unless asked for, here or with
    /// `LAST9_GENAI_BUNDLED_PRICES=true`. Spans priced from it say so in
    /// `gen_ai.l9.cost.prices`.
    ///
    /// ```
    /// let config = last9_genai::Install::default().bundled_prices(true);
    /// ```
    pub fn bundled_prices(mut self, on: bool) -> Self {
        self.bundled_prices = on;
        self
    }

    /// Writes captured content in `layout` (see [`ContentLayout`]), over
    /// `LAST9_GENAI_CONTENT_LAYOUT`; set for the whole process by
    /// [`install`](Self::install).
    ///
    /// ```
    /// use last9_genai::ContentLayout;
    ///
    /// let config = last9_genai::Install::default().content_layout(ContentLayout::Both);
    /// ```
    pub fn content_layout(mut self, layout: ContentLayout) -> Self {
        self.content_layout = Some(layout);
        self
    }

    /// Writes each renamed key under its previous name too (see
    /// [`attributes::previous`](crate::attributes::previous)), over
    /// `LAST9_GENAI_PREVIOUS_KEYS`; set for the whole process by
    /// [`install`](Self::install). For one release.
    ///
    /// ```
    /// let config = last9_genai::Install::default().previous_keys(true);
    /// ```
    pub fn previous_keys(mut self, on: bool) -> Self {
        self.previous_keys = Some(on);
        self
    }

    /// Compresses OTLP export bodies, traces and metrics alike, over
    /// `OTEL_EXPORTER_OTLP_COMPRESSION` and its per-signal variables.
    /// [`Compression::None`] leaves the exporter as the variables say: it
    /// cannot turn off a compression they ask for.
    ///
    /// ```
    /// use last9_genai::Compression;
    ///
    /// let config = last9_genai::Install::default().compression(Compression::Gzip);
    /// ```
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = Some(compression);
        self.metrics_compression = Some(compression);
        self
    }

    /// Sets `service.name`, over `OTEL_SERVICE_NAME`.
    ///
    /// ```
    /// let config = last9_genai::Install::default().service_name("support-bot");
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Adds a resource attribute, over `OTEL_RESOURCE_ATTRIBUTES`.
    ///
    /// ```
    /// use opentelemetry::KeyValue;
    /// let config = last9_genai::Install::default().resource_attribute(KeyValue::new("deployment.environment", "prod"));
    /// ```
    pub fn resource_attribute(mut self, attribute: KeyValue) -> Self {
        self.resource.push(attribute);
        self
    }

    /// Samples with `sampler`, over `OTEL_TRACES_SAMPLER`.
    ///
    /// ```
    /// use opentelemetry_sdk::trace::Sampler;
    /// let config = last9_genai::Install::default().sampler(Sampler::TraceIdRatioBased(0.1));
    /// ```
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// Prints traces to `writer` instead of standard error when no endpoint
    /// is configured.
    ///
    /// ```
    /// let config = last9_genai::Install::default().console_writer(std::io::stdout());
    /// ```
    pub fn console_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.console = Some(Box::new(writer));
        self
    }

    /// Bounds one export (default 5 s).
    ///
    /// ```
    /// let config = last9_genai::Install::default().export_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export_timeout = Some(timeout);
        self
    }

    /// Holds at most `spans` spans waiting for export (default 2048, over
    /// `OTEL_BSP_MAX_QUEUE_SIZE`); past it, spans are dropped and counted.
    ///
    /// ```
    /// let config = last9_genai::Install::default().max_queue_size(8192);
    /// ```
    pub fn max_queue_size(mut self, spans: usize) -> Self {
        self.batch.max_queue_size = Some(spans);
        self
    }

    /// Exports at most `spans` spans at a time (default 512, over
    /// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`; at most the queue size).
    ///
    /// ```
    /// let config = last9_genai::Install::default().max_export_batch_size(1024);
    /// ```
    pub fn max_export_batch_size(mut self, spans: usize) -> Self {
        self.batch.max_export_batch_size = Some(spans);
        self
    }

    /// Exports at least every `delay` (default 5 s, over
    /// `OTEL_BSP_SCHEDULE_DELAY`), and whenever a batch is full.
    ///
    /// ```
    /// let config = last9_genai::Install::default().scheduled_delay(std::time::Duration::from_millis(500));
    /// ```
    pub fn scheduled_delay(mut self, delay: Duration) -> Self {
        self.batch.scheduled_delay = Some(delay);
        self
    }

    /// Bounds shutting down when the guard drops or
    /// [`TelemetryGuard::shutdown`] is called (default 5 s): traces, then
    /// metrics in what is left, each on a thread of its own, so that the
    /// whole returns within it (plus the microseconds it takes to start a
    /// thread per part) whatever the backend does.
    ///
    /// ```
    /// let config = last9_genai::Install::default().shutdown_timeout(std::time::Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// Builds the pipeline, registers it globally and returns its guard.
    ///
    /// ```
    /// let guard = last9_genai::Install::default().console_writer(std::io::sink()).install()?;
    /// # Ok::<(), last9_genai::InstallError>(())
    /// ```
    pub fn install(mut self) -> Result<TelemetryGuard, InstallError> {
        let shutdown_timeout = self.shutdown_timeout.unwrap_or(SHUTDOWN_TIMEOUT);
        let queue = self.queue_size()?;
        let health = ExportHealth::new(queue);
        if self.disabled {
            // Not registered: observed functions and workflows do nothing.
            let provider = SdkTracerProvider::builder().build();
            return Ok(TelemetryGuard::new(
                provider,
                None,
                health,
                shutdown_timeout,
            ));
        }
        if let Some(sampler) = &self.sampler {
            env::check_sampler(sampler)?;
        }
        let resource = self.resource();
        let outputs = Outputs::open(&mut self, queue)?;
        let provider = self.traces(&outputs, &resource, &health)?;
        let meter_provider = self.metrics(&outputs, &resource)?;
        // Once nothing can fail: a refused install changes nothing.
        self.register(&provider, meter_provider.as_ref());
        let guard = TelemetryGuard::new(provider, meter_provider, health, shutdown_timeout);
        #[cfg(feature = "otlp")]
        let guard = guard.keeping(outputs.background);
        Ok(guard)
    }

    /// The batch queue's size, refused at zero.
    fn queue_size(&self) -> Result<usize, InstallError> {
        match self.batch.max_queue_size.unwrap_or(MAX_QUEUE_SIZE) {
            0 => Err(InstallError::Setting {
                name: "Install::max_queue_size",
                value: "0".into(),
                expected: "a whole number above zero",
            }),
            queue => Ok(queue),
        }
    }

    /// The service's resource: its name and the attributes given.
    fn resource(&self) -> Resource {
        let mut resource = Resource::builder();
        if let Some(name) = &self.service_name {
            resource = resource.with_service_name(name.clone());
        }
        resource.with_attributes(self.resource.clone()).build()
    }

    /// The prices: the processor that prices each call with the table
    /// given, the bundled table under it when asked.
    fn prices(&self) -> Last9SpanProcessorBuilder {
        let processor = Last9SpanProcessor::builder().bundled_prices(self.bundled_prices);
        match &self.pricing {
            Some(table) => processor.pricing(table.clone()),
            None => processor,
        }
    }

    /// The traces: the tracer provider, its spans priced and exported where
    /// `outputs` says, counted by `health`.
    fn traces(
        &mut self,
        outputs: &Outputs,
        resource: &Resource,
        health: &ExportHealth,
    ) -> Result<SdkTracerProvider, InstallError> {
        let processor = self.prices();
        let mut builder = SdkTracerProvider::builder().with_resource(resource.clone());
        if let Some(sampler) = self.sampler.take() {
            builder = builder.with_sampler(sampler);
        }
        let builder = match outputs.traces {
            Exporter::Otlp => {
                #[cfg(feature = "otlp")]
                {
                    let batch = otlp::batch_processor(
                        &outputs.export,
                        health,
                        outputs.background.as_ref(),
                    )?;
                    builder.with_span_processor(processor.export_health(health.clone()).wrap(batch))
                }
                #[cfg(not(feature = "otlp"))]
                return Err(self.otlp_disabled());
            }
            Exporter::Console => {
                let console = match &outputs.console {
                    Some(writer) => ConsoleExporter::to_writer(writer.clone()),
                    None => ConsoleExporter::stderr(),
                };
                builder.with_span_processor(
                    processor
                        .export_health(health.clone())
                        .wrap(SimpleSpanProcessor::new(health.exporter(console))),
                )
            }
            // Nothing is exported, so nothing is counted (a queue that
            // never drains would count every span dropped).
            Exporter::None => builder.with_span_processor(processor.wrap(Discard)),
        };
        Ok(builder.build())
    }

    /// The metrics: a meter provider exporting where `outputs` says, or
    /// none.
    fn metrics(
        &mut self,
        outputs: &Outputs,
        resource: &Resource,
    ) -> Result<Option<SdkMeterProvider>, InstallError> {
        let interval = self.metric_interval;
        match outputs.metrics {
            Exporter::None => Ok(None),
            Exporter::Console => {
                let writer: Box<dyn Write + Send> = match &outputs.console {
                    Some(writer) => Box::new(writer.clone()),
                    None => Box::new(std::io::stderr()),
                };
                Ok(Some(periodic(
                    ConsoleSummary::new(writer),
                    interval,
                    resource,
                )))
            }
            Exporter::Otlp => {
                #[cfg(feature = "otlp")]
                {
                    let endpoint = self
                        .metrics_endpoint
                        .take()
                        .or_else(|| {
                            env::metrics_endpoint(
                                None,
                                None,
                                self.endpoint.as_deref(),
                                self.protocol,
                            )
                        })
                        .unwrap_or_else(|| otlp::default_metrics_endpoint(self.protocol));
                    let exporter = otlp::metric_exporter(
                        &outputs.export,
                        &endpoint,
                        outputs.background.as_ref(),
                    )?;
                    Ok(Some(periodic(exporter, interval, resource)))
                }
                #[cfg(not(feature = "otlp"))]
                Err(self.otlp_disabled())
            }
        }
    }

    /// Registers the providers and the settings given, as the process's.
    fn register(&self, provider: &SdkTracerProvider, meter_provider: Option<&SdkMeterProvider>) {
        if let Some(meter_provider) = meter_provider {
            set_meter_provider(meter_provider.clone());
        }
        if let Some(layout) = self.content_layout {
            set_content_layout(layout);
        }
        if let Some(on) = self.previous_keys {
            set_previous_keys(on);
        }
        set_tracer_provider(provider.clone());
    }

    /// OTLP was asked for in a build without the `otlp` feature.
    #[cfg(not(feature = "otlp"))]
    fn otlp_disabled(&self) -> InstallError {
        InstallError::OtlpDisabled {
            endpoint: self.endpoint.clone().unwrap_or_default(),
        }
    }
}

/// Where traces and metrics go, and what their exporters share.
struct Outputs {
    traces: Exporter,
    metrics: Exporter,
    /// The writer given for the console, shared by the trace tree and the
    /// metrics summary.
    console: Option<SharedWriter>,
    /// The runtime gRPC exporters run on.
    #[cfg(feature = "otlp")]
    background: Option<otlp::Background>,
    /// The OTLP exporters' settings.
    #[cfg(feature = "otlp")]
    export: otlp::Export,
}

impl Outputs {
    /// Traces to the exporter asked for (OTLP when an endpoint is set, else
    /// the console); metrics where traces go, unless told.
    fn open(install: &mut Install, queue: usize) -> Result<Self, InstallError> {
        let traces = install.exporter.unwrap_or(if install.endpoint.is_some() {
            Exporter::Otlp
        } else {
            Exporter::Console
        });
        let metrics = install.metrics_exporter.unwrap_or(traces);
        let console = install.console.take().map(SharedWriter::new);
        #[cfg(feature = "otlp")]
        {
            let otlp = traces == Exporter::Otlp || metrics == Exporter::Otlp;
            let background = if otlp {
                otlp::background(install.protocol)?
            } else {
                None
            };
            let export = otlp::Export {
                endpoint: install
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| otlp::default_endpoint(install.protocol)),
                headers: std::mem::take(&mut install.headers),
                protocol: install.protocol,
                timeout: install.export_timeout.unwrap_or(EXPORT_TIMEOUT),
                max_queue_size: queue,
                max_export_batch_size: install
                    .batch
                    .max_export_batch_size
                    .unwrap_or(MAX_EXPORT_BATCH_SIZE)
                    .min(queue),
                scheduled_delay: install.batch.scheduled_delay.unwrap_or(SCHEDULED_DELAY),
                compression: install.compression.unwrap_or_default(),
                metrics_compression: install.metrics_compression.unwrap_or_default(),
            };
            Ok(Self {
                traces,
                metrics,
                console,
                background,
                export,
            })
        }
        #[cfg(not(feature = "otlp"))]
        {
            let _ = (
                queue,
                &install.headers,
                install.export_timeout,
                install.compression,
                install.metrics_compression,
            );
            Ok(Self {
                traces,
                metrics,
                console,
            })
        }
    }
}

/// A meter provider exporting to `exporter` every `interval` (default: the
/// SDK's, 60 s), and once more at shutdown.
fn periodic<E: PushMetricExporter>(
    exporter: E,
    interval: Option<Duration>,
    resource: &Resource,
) -> SdkMeterProvider {
    let reader = PeriodicReader::builder(exporter);
    let reader = match interval {
        Some(interval) => reader.with_interval(interval),
        None => reader,
    };
    SdkMeterProvider::builder()
        .with_resource(resource.clone())
        .with_reader(reader.build())
        .build()
}

/// One writer shared by the console's traces and its metrics summary.
#[derive(Clone)]
struct SharedWriter(Arc<Mutex<Box<dyn Write + Send>>>);

impl SharedWriter {
    fn new(writer: Box<dyn Write + Send>) -> Self {
        Self(Arc::new(Mutex::new(writer)))
    }

    fn with<R>(&self, f: impl FnOnce(&mut dyn Write) -> std::io::Result<R>) -> std::io::Result<R> {
        let mut writer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(writer.as_mut())
    }
}

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.with(|w| w.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.with(|w| w.flush())
    }
}

/// The processor behind `OTEL_TRACES_EXPORTER=none`: spans are processed
/// (priced, counted in workflow totals), then let go.
#[derive(Debug)]
struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &opentelemetry::Context) {}

    fn on_end(&self, _: SpanData) {}

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Keeps the pipeline [`install`] set up; flushes and shuts it down when
/// dropped, within the shutdown timeout, inside a tokio runtime of either
/// flavour or with none.
///
/// ```
/// let guard = last9_genai::Install::default().console_writer(std::io::sink()).install()?;
/// let provider = guard.provider().clone();
/// drop(guard);
/// # Ok::<(), last9_genai::InstallError>(())
/// ```
#[must_use = "telemetry shuts down when the guard is dropped"]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
    meter_provider: Option<SdkMeterProvider>,
    health: ExportHealth,
    shutdown_timeout: Duration,
    /// Shut down already, by [`TelemetryGuard::shutdown`].
    shut: bool,
    /// The runtime the gRPC exporter runs on, when there is one; dropped
    /// after the shutdown returned (a part still running past the deadline
    /// then fails its last export, as the deadline already said).
    #[cfg(feature = "otlp")]
    _background: Option<otlp::Background>,
}

impl fmt::Debug for TelemetryGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelemetryGuard")
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}

impl TelemetryGuard {
    /// The guard of `provider` and `meter_provider`, not shut down yet.
    fn new(
        provider: SdkTracerProvider,
        meter_provider: Option<SdkMeterProvider>,
        health: ExportHealth,
        shutdown_timeout: Duration,
    ) -> Self {
        Self {
            provider,
            meter_provider,
            health,
            shutdown_timeout,
            shut: false,
            #[cfg(feature = "otlp")]
            _background: None,
        }
    }

    /// Keeps the gRPC exporters' runtime as long as the guard.
    #[cfg(feature = "otlp")]
    fn keeping(mut self, background: Option<otlp::Background>) -> Self {
        self._background = background;
        self
    }

    /// The tracer provider set up.
    ///
    /// ```
    /// let guard = last9_genai::Install::default().console_writer(std::io::sink()).install()?;
    /// let _ = guard.provider().force_flush();
    /// # Ok::<(), last9_genai::InstallError>(())
    /// ```
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// The meter provider set up, unless `OTEL_METRICS_EXPORTER=none` (or
    /// traces go nowhere and metrics were not told otherwise).
    ///
    /// ```
    /// let guard = last9_genai::Install::default().console_writer(std::io::sink()).install()?;
    /// assert!(guard.meter_provider().is_some());
    /// # Ok::<(), last9_genai::InstallError>(())
    /// ```
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.meter_provider.as_ref()
    }

    /// What happened so far to the spans handed to export: exported,
    /// dropped because the queue was full, failed to export, still queued.
    ///
    /// ```
    /// let guard = last9_genai::Install::default().console_writer(std::io::sink()).install()?;
    /// assert_eq!(guard.export_counts().lost(), 0);
    /// # Ok::<(), last9_genai::InstallError>(())
    /// ```
    pub fn export_counts(&self) -> ExportCounts {
        self.health.counts()
    }

    /// Flushes and shuts the pipeline down now, within the shutdown
    /// timeout, and returns the final counts: what is still `queued` then
    /// was not sent in time. Dropping the guard does the same, and warns
    /// when spans were lost.
    ///
    /// ```
    /// let guard = last9_genai::Install::default().console_writer(std::io::sink()).install()?;
    /// let counts = guard.shutdown();
    /// assert_eq!((counts.lost(), counts.queued), (0, 0));
    /// # Ok::<(), last9_genai::InstallError>(())
    /// ```
    pub fn shutdown(mut self) -> ExportCounts {
        self.shut_down()
    }

    fn shut_down(&mut self) -> ExportCounts {
        if std::mem::replace(&mut self.shut, true) {
            return self.health.counts();
        }
        // One deadline for every part: traces, then metrics (exported once
        // more, and the console's summary printed) in what is left of it.
        let deadline = Deadline::after(self.shutdown_timeout);
        let provider = self.provider.clone();
        let shutdown = deadline::within(deadline, "traces", move |left| {
            provider.shutdown_with_timeout(left)
        });
        if let Some(meter_provider) = self.meter_provider.clone()
            && let Err(err) = deadline::within(deadline, "metrics", move |left| {
                meter_provider.shutdown_with_timeout(left)
            })
        {
            warn::warn(&format!(
                "{err}; the last metrics may not have been exported"
            ));
        }
        let counts = self.health.counts();
        if let Err(err) = shutdown {
            warn::warn(&format!("telemetry shutdown: {err}; {counts}"));
        } else if counts.lost() > 0 || counts.queued > 0 {
            warn::warn(&format!("telemetry shut down with spans lost: {counts}"));
        }
        counts
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        // The batch processor exports on a thread of its own, and the gRPC
        // exporter on a runtime of its own: neither waits on the caller's
        // runtime, so this cannot deadlock inside one.
        self.shut_down();
    }
}
