//! The console's metrics: a per-model summary of the process's model calls
//! (calls, input and output tokens, cost, median and 95th percentile
//! duration), printed once when the meter provider shuts down.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::{
    AggregatedMetrics, HistogramDataPoint, MetricData, ResourceMetrics,
};
use opentelemetry_sdk::metrics::{Temporality, exporter::PushMetricExporter};

use crate::attributes::{self as attr, metric, token_type};
use crate::text::printable;

/// A metric exporter that keeps the totals it is given and prints them as a
/// table, one line per model, when it shuts down.
pub(crate) struct ConsoleSummary {
    state: Mutex<Summary>,
}

struct Summary {
    writer: Box<dyn Write + Send>,
    /// The totals of the last export, by model.
    models: BTreeMap<String, ModelTotals>,
    printed: bool,
}

/// The totals of one model.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ModelTotals {
    pub(crate) calls: u64,
    pub(crate) input_tokens: u64,
    pub(crate) output_tokens: u64,
    pub(crate) cost_usd: f64,
    /// The duration histogram's bucket bounds and counts, merged.
    bounds: Vec<f64>,
    counts: Vec<u64>,
}

impl ModelTotals {
    /// The `q` quantile of the call durations, in seconds: linear inside
    /// the bucket it falls in; the last bound for the overflow bucket.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let total: u64 = self.counts.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = q * total as f64;
        let mut seen = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            if count > 0 && (seen + count) as f64 >= rank {
                let lower = if i == 0 { 0.0 } else { self.bounds[i - 1] };
                let Some(&upper) = self.bounds.get(i) else {
                    return self.bounds.last().copied();
                };
                let within = (rank - seen as f64) / count as f64;
                return Some(lower + (upper - lower) * within.clamp(0.0, 1.0));
            }
            seen += count;
        }
        self.bounds.last().copied()
    }

    fn add_durations(&mut self, point: &HistogramDataPoint<f64>) {
        self.calls += point.count();
        let bounds: Vec<f64> = point.bounds().collect();
        if self.bounds.is_empty() {
            self.bounds = bounds.clone();
            self.counts = vec![0; self.bounds.len() + 1];
        }
        if bounds == self.bounds {
            for (total, count) in self.counts.iter_mut().zip(point.bucket_counts()) {
                *total += count;
            }
        }
    }
}

impl ConsoleSummary {
    /// Prints to `writer` when shut down.
    pub(crate) fn new(writer: Box<dyn Write + Send>) -> Self {
        Self {
            state: Mutex::new(Summary {
                writer,
                models: BTreeMap::new(),
                printed: false,
            }),
        }
    }
}

impl std::fmt::Debug for ConsoleSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSummary").finish_non_exhaustive()
    }
}

/// The model a data point is about: the response's, else the request's.
fn model_of<'a>(
    attributes: impl Iterator<Item = &'a KeyValue>,
) -> (Option<String>, Option<&'a str>) {
    let (mut request, mut response, mut token_type) = (None, None, None);
    for kv in attributes {
        match (kv.key.as_str(), &kv.value) {
            (attr::REQUEST_MODEL, value) => request = Some(value.as_str().into_owned()),
            (attr::RESPONSE_MODEL, value) => response = Some(value.as_str().into_owned()),
            (metric::TOKEN_TYPE, Value::String(kind)) => token_type = Some(kind.as_str()),
            _ => {}
        }
    }
    (response.or(request), token_type)
}

/// The totals by model in `metrics`, which hold every total since the
/// start (cumulative).
pub(crate) fn totals(metrics: &ResourceMetrics) -> BTreeMap<String, ModelTotals> {
    let mut models: BTreeMap<String, ModelTotals> = BTreeMap::new();
    let scopes = metrics.scope_metrics();
    for metric in scopes.flat_map(|scope| scope.metrics()) {
        match (metric.name(), metric.data()) {
            (
                metric::OPERATION_DURATION | metric::OTHER_OPERATION_DURATION,
                AggregatedMetrics::F64(MetricData::Histogram(h)),
            ) => {
                for point in h.data_points() {
                    if let (Some(model), _) = model_of(point.attributes()) {
                        models.entry(model).or_default().add_durations(point);
                    }
                }
            }
            (metric::TOKEN_USAGE, AggregatedMetrics::U64(MetricData::Histogram(h))) => {
                for point in h.data_points() {
                    let (Some(model), kind) = model_of(point.attributes()) else {
                        continue;
                    };
                    let totals = models.entry(model).or_default();
                    match kind {
                        Some(token_type::INPUT) => totals.input_tokens += point.sum(),
                        Some(token_type::OUTPUT) => totals.output_tokens += point.sum(),
                        _ => {}
                    }
                }
            }
            (metric::COST, AggregatedMetrics::F64(MetricData::Sum(sum))) => {
                for point in sum.data_points() {
                    if let (Some(model), _) = model_of(point.attributes()) {
                        models.entry(model).or_default().cost_usd += point.value();
                    }
                }
            }
            _ => {}
        }
    }
    models
}

/// The table: a header and one line per model, or nothing without calls.
pub(crate) fn table(models: &BTreeMap<String, ModelTotals>) -> String {
    let mut out = String::new();
    if models.values().all(|m| m.calls == 0) {
        return out;
    }
    // Model names come from responses: none may drive the terminal.
    let names: Vec<String> = models.keys().map(|m| printable(m).into_owned()).collect();
    let width = names
        .iter()
        .map(|m| m.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let seconds = |s: Option<f64>| s.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}s"));
    let _ = writeln!(
        out,
        "GenAI calls by model\n  {:<width$}  {:>6}  {:>10}  {:>10}  {:>12}  {:>8}  {:>8}",
        "model", "calls", "input", "output", "cost (USD)", "p50", "p95"
    );
    for (model, totals) in names.iter().zip(models.values()) {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>6}  {:>10}  {:>10}  {:>12.6}  {:>8}  {:>8}",
            model,
            totals.calls,
            totals.input_tokens,
            totals.output_tokens,
            totals.cost_usd,
            seconds(totals.quantile(0.5)),
            seconds(totals.quantile(0.95)),
        );
    }
    out
}

impl PushMetricExporter for ConsoleSummary {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let models = totals(metrics);
        let mut state = self
            .state
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("console summary lock poisoned".into()))?;
        state.models = models;
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let mut state = self
            .state
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("console summary lock poisoned".into()))?;
        if std::mem::replace(&mut state.printed, true) {
            return Ok(());
        }
        let table = table(&state.models);
        if !table.is_empty() {
            let _ = state.writer.write_all(table.as_bytes());
            let _ = state.writer.flush();
        }
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn durations(bounds: &[f64], counts: &[u64]) -> ModelTotals {
        ModelTotals {
            calls: counts.iter().sum(),
            bounds: bounds.to_vec(),
            counts: counts.to_vec(),
            ..ModelTotals::default()
        }
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket_they_fall_in() {
        // Ten calls between 0.01 s and 0.02 s, ten between 0.02 s and 0.04 s.
        let totals = durations(&[0.01, 0.02, 0.04], &[0, 10, 10, 0]);
        assert_eq!(totals.quantile(0.5), Some(0.02));
        assert!((totals.quantile(0.25).unwrap() - 0.015).abs() < 1e-12);
        assert!((totals.quantile(0.95).unwrap() - 0.038).abs() < 1e-12);
        // An empty bucket is never the one a quantile falls in.
        assert_eq!(totals.quantile(0.0), Some(0.01));
    }

    #[test]
    fn a_quantile_past_the_last_bound_is_the_last_bound() {
        let totals = durations(&[0.01, 0.02], &[0, 0, 4]);
        assert_eq!(totals.quantile(0.5), Some(0.02));
    }

    #[test]
    fn no_calls_no_quantile_and_no_table() {
        let totals = durations(&[0.01], &[0, 0]);
        assert_eq!(totals.quantile(0.5), None);
        let models = BTreeMap::from([("m".to_owned(), totals)]);
        assert_eq!(table(&models), "");
    }

    /// Totals read back from what an SDK meter provider exports: calls and
    /// durations by the response's model (else the request's), tokens by
    /// type, cost; other metrics and points with no model left out.
    #[test]
    fn totals_by_model_from_exported_metrics() {
        use opentelemetry::metrics::MeterProvider as _;
        use opentelemetry_sdk::metrics::{
            InMemoryMetricExporter, PeriodicReader, SdkMeterProvider,
        };

        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        let meter = provider.meter("t");
        let bounds = vec![0.01, 0.02, 0.04];
        let duration = meter
            .f64_histogram(metric::OPERATION_DURATION)
            .with_boundaries(bounds.clone())
            .build();
        let tokens = meter.u64_histogram(metric::TOKEN_USAGE).build();
        let cost = meter.f64_counter(metric::COST).build();
        let other = meter.f64_counter("something.else").build();
        let asked = KeyValue::new(attr::REQUEST_MODEL, "gpt-4o");
        let answered = KeyValue::new(attr::RESPONSE_MODEL, "gpt-4o-2024-08-06");
        let typed = |kind| KeyValue::new(metric::TOKEN_TYPE, kind);
        duration.record(0.015, &[asked.clone(), answered.clone()]);
        duration.record(0.03, &[asked.clone(), answered.clone()]);
        duration.record(0.005, &[KeyValue::new(attr::REQUEST_MODEL, "claude")]);
        duration.record(
            0.005,
            &[KeyValue::new(attr::OPERATION_NAME, "execute_tool")],
        );
        tokens.record(100, &[answered.clone(), typed(token_type::INPUT)]);
        tokens.record(50, &[answered.clone(), typed(token_type::INPUT)]);
        tokens.record(7, &[answered.clone(), typed(token_type::OUTPUT)]);
        tokens.record(40, &[answered.clone(), typed(token_type::CACHE_READ)]);
        cost.add(0.25, std::slice::from_ref(&answered));
        other.add(9.0, std::slice::from_ref(&answered));
        provider.force_flush().unwrap();
        let exported = exporter.get_finished_metrics().unwrap();
        let models = totals(exported.last().unwrap());

        assert_eq!(
            models.keys().collect::<Vec<_>>(),
            ["claude", "gpt-4o-2024-08-06"]
        );
        let gpt = &models["gpt-4o-2024-08-06"];
        assert_eq!(
            (gpt.calls, gpt.input_tokens, gpt.output_tokens, gpt.cost_usd),
            (2, 150, 7, 0.25)
        );
        assert_eq!(gpt.bounds, bounds);
        assert_eq!(gpt.counts, [0, 1, 1, 0]);
        assert_eq!(gpt.quantile(0.5), Some(0.02));
        let claude = &models["claude"];
        assert_eq!(
            (claude.calls, claude.counts.as_slice()),
            (1, &[1, 0, 0, 0][..])
        );
    }

    #[test]
    fn a_model_name_cannot_drive_the_terminal() {
        let models = BTreeMap::from([(
            "gpt\u{1b}]0;pwned\u{7}".to_owned(),
            durations(&[0.01], &[1, 0]),
        )]);
        let table = table(&models);
        assert!(
            !table.contains('\u{1b}') && !table.contains('\u{7}'),
            "{table}"
        );
        assert!(table.contains("gpt\u{FFFD}]0;pwned\u{FFFD}"), "{table}");
    }

    #[test]
    fn the_table_has_one_line_per_model() {
        let mut totals = durations(&[0.01, 0.02], &[2, 0, 0]);
        totals.input_tokens = 120;
        totals.output_tokens = 45;
        totals.cost_usd = 0.00125;
        let models = BTreeMap::from([("gpt-4o-mini".to_owned(), totals)]);
        let table = table(&models);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        let cells: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "gpt-4o-mini",
                "2",
                "120",
                "45",
                "0.001250",
                "0.01s",
                "0.01s"
            ]
        );
    }
}
