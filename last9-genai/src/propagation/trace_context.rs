//! W3C Trace Context (`traceparent`, `tracestate`) written and read by
//! hand: without the formatting machinery the SDK's propagator goes
//! through, and strict where the recommendation is (exact lengths,
//! lowercase hex, no all-zero ids), since the value comes from outside.

use std::str::FromStr;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

pub(crate) const TRACEPARENT: &str = "traceparent";
pub(crate) const TRACESTATE: &str = "tracestate";

/// The version this writes, and the one whose length is exact.
const VERSION: &str = "00";
/// `00-` + 32 + `-` + 16 + `-` + 2.
const LEN: usize = 55;

/// Writes `span`'s context, when it is valid: `traceparent` (sampled flag
/// only), and `tracestate` when it holds anything.
pub(crate) fn inject(span: &SpanContext, injector: &mut dyn Injector) {
    if !span.is_valid() {
        return;
    }
    let mut value = String::with_capacity(LEN);
    value.push_str(VERSION);
    value.push('-');
    hex(&mut value, &span.trace_id().to_bytes());
    value.push('-');
    hex(&mut value, &span.span_id().to_bytes());
    value.push('-');
    hex(
        &mut value,
        &[(span.trace_flags() & TraceFlags::SAMPLED).to_u8()],
    );
    injector.set(TRACEPARENT, value);
    let state = span.trace_state().header();
    if !state.is_empty() {
        injector.set(TRACESTATE, state);
    }
}

/// The remote span context `extractor` carries, or `None` when its
/// `traceparent` is missing or malformed. A `tracestate` that does not
/// parse is left out; the parent is kept.
pub(crate) fn extract(extractor: &dyn Extractor) -> Option<SpanContext> {
    let (trace_id, span_id, flags) = parse(extractor.get(TRACEPARENT)?.trim())?;
    let state = extractor
        .get(TRACESTATE)
        .filter(|state| !state.is_empty())
        .and_then(|state| TraceState::from_str(state).ok())
        .unwrap_or_default();
    Some(SpanContext::new(trace_id, span_id, flags, true, state))
}

/// The span id a `traceparent` names, when it is well formed.
#[cfg(feature = "mcp")]
pub(crate) fn span_id(traceparent: &str) -> Option<SpanId> {
    parse(traceparent.trim()).map(|(_, span_id, _)| span_id)
}

/// `version-traceid-spanid-flags`: version 00 exactly 55 bytes; a later
/// version (not `ff`) at least that, with a `-` after its flags.
fn parse(value: &str) -> Option<(TraceId, SpanId, TraceFlags)> {
    let bytes = value.as_bytes();
    if bytes.len() < LEN || [2, 35, 52].iter().any(|&at| bytes[at] != b'-') {
        return None;
    }
    let version = lower_hex(&bytes[..2])?;
    let exact = match version {
        0 => bytes.len() == LEN,
        0xff => false,
        _ => bytes.len() == LEN || bytes[LEN] == b'-',
    };
    if !exact {
        return None;
    }
    let trace_id = lower_hex(&bytes[3..35]).filter(|&id| id != 0)?;
    let span_id = lower_hex(&bytes[36..52]).filter(|&id| id != 0)?;
    let flags = lower_hex(&bytes[53..55])?;
    Some((
        TraceId::from(trace_id),
        SpanId::from(u64::try_from(span_id).ok()?),
        TraceFlags::new(u8::try_from(flags).ok()?) & TraceFlags::SAMPLED,
    ))
}

/// Lowercase hex digits as a number (at most 32 of them): one table
/// look-up per digit, one test at the end.
fn lower_hex(digits: &[u8]) -> Option<u128> {
    const INVALID: u8 = 0x10;
    const VALUES: [u8; 256] = {
        let mut table = [INVALID; 256];
        let mut i = 0;
        while i < 10 {
            table[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            table[b'a' as usize + i] = 10 + i as u8;
            i += 1;
        }
        table
    };
    let mut n = 0_u128;
    let mut seen = 0_u8;
    for &digit in digits {
        let value = VALUES[usize::from(digit)];
        seen |= value;
        n = n << 4 | u128::from(value & 0xf);
    }
    (seen & INVALID == 0).then_some(n)
}

fn hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use opentelemetry::propagation::TextMapPropagator;
    use opentelemetry::trace::TraceContextExt as _;
    use opentelemetry_sdk::propagation::TraceContextPropagator;

    use super::*;

    fn carrier(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn span(flags: u8, state: &str) -> SpanContext {
        SpanContext::new(
            TraceId::from(0x0af7651916cd43dd8448eb211c80319c),
            SpanId::from(0xb7ad6b7169203331),
            TraceFlags::new(flags),
            false,
            TraceState::from_str(state).unwrap(),
        )
    }

    #[test]
    fn writes_what_the_sdk_writes() {
        for (flags, state) in [(1, "congo=t61rcWkgMzE"), (0, ""), (0xff, "a=1,b=2")] {
            let span = span(flags, state);
            let mut ours = HashMap::new();
            inject(&span, &mut ours);
            let mut sdk = HashMap::new();
            let cx = opentelemetry::Context::new().with_remote_span_context(span);
            TraceContextPropagator::new().inject_context(&cx, &mut sdk);
            assert_eq!(ours[TRACEPARENT], sdk[TRACEPARENT]);
            // The SDK writes an empty `tracestate`; an empty one is left out.
            assert_eq!(
                ours.get(TRACESTATE),
                sdk.get(TRACESTATE).filter(|s| !s.is_empty())
            );
        }
        let mut out = HashMap::new();
        inject(&SpanContext::empty_context(), &mut out);
        assert!(out.is_empty(), "an invalid context writes nothing");
    }

    #[test]
    fn reads_back_what_it_writes() {
        let span = span(1, "congo=t61rcWkgMzE");
        let mut out = HashMap::new();
        inject(&span, &mut out);
        let read = extract(&out).unwrap();
        assert_eq!(read.trace_id(), span.trace_id());
        assert_eq!(read.span_id(), span.span_id());
        assert!(read.is_sampled() && read.is_remote());
        assert_eq!(read.trace_state().get("congo"), Some("t61rcWkgMzE"));
    }

    #[test]
    fn reads_a_later_version_with_more_fields() {
        let value = "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-follows";
        let read = extract(&carrier(&[(TRACEPARENT, value)])).unwrap();
        assert_eq!(read.span_id(), SpanId::from(0xb7ad6b7169203331));
    }

    #[test]
    fn refuses_malformed_values() {
        let good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assert!(extract(&carrier(&[(TRACEPARENT, good)])).is_some());
        for bad in [
            "",
            "00-1-2-01",
            "00-+af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
            "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-é1",
        ] {
            assert!(
                extract(&carrier(&[(TRACEPARENT, bad)])).is_none(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_bad_tracestate_keeps_the_parent() {
        let good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
        let read = extract(&carrier(&[(TRACEPARENT, good), (TRACESTATE, "no equals")])).unwrap();
        assert!(!read.is_sampled());
        assert_eq!(read.trace_state().header(), "");
    }
}
