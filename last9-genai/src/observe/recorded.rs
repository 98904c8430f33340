//! Usage recorded from inside the body of an observed function that prices
//! its own calls (`pricing = …`), kept by span id until the call ends.
//!
//! Only such calls open an entry, so the table costs nothing to the others;
//! every entry opened is closed when its call ends, however it ends.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use opentelemetry::trace::SpanId;

use crate::cost::TokenUsage;

/// Model and usage recorded by the body.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) model: String,
    pub(crate) usage: TokenUsage,
}

static OPEN: LazyLock<Mutex<HashMap<SpanId, Option<Recorded>>>> = LazyLock::new(Mutex::default);

/// Opens the entry of the observed call whose span is `span`.
pub(crate) fn open(span: SpanId) {
    if let Ok(mut open) = OPEN.lock() {
        open.insert(span, None);
    }
}

/// Records usage for `span`; false when `span` has no open entry (the
/// caller then writes the usage on the span itself).
pub(crate) fn record(span: SpanId, model: &str, usage: TokenUsage) -> bool {
    let Ok(mut open) = OPEN.lock() else {
        return false;
    };
    match open.get_mut(&span) {
        Some(slot) => {
            *slot = Some(Recorded {
                model: model.to_owned(),
                usage,
            });
            true
        }
        None => false,
    }
}

/// Closes the entry of `span`, returning what was recorded.
pub(crate) fn close(span: SpanId) -> Option<Recorded> {
    OPEN.lock().ok()?.remove(&span).flatten()
}
