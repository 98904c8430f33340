//! Handles bound to one attribute set, kept per thread: a call whose
//! attributes were seen before records without the SDK hashing and sorting
//! them again (four records per call, each hashing seven attributes, were
//! most of the metrics' cost).

use std::cell::OnceCell;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{BoundCounter, BoundHistogram};

use super::{CallAttributes, Instruments, token_type};
use crate::attributes::metric;

/// The most attribute sets one thread keeps handles for; past it, the
/// handles are let go and bound again as calls come.
pub(super) const MAX_BOUND: usize = 128;

/// The handles of one attribute set: what a successful call records. Each
/// is bound the first time it records, so that no series is made that holds
/// nothing (a tool call has no tokens, an unpriced model no cost).
pub(super) struct Bound {
    hash: u64,
    key: [Option<Box<str>>; 8],
    attributes: Vec<KeyValue>,
    /// The conventions' instruments can hold the set (`CallAttributes::conventional`).
    conventional: bool,
    duration: OnceCell<BoundHistogram<f64>>,
    tokens: [OnceCell<BoundHistogram<u64>>; 2],
    cost: OnceCell<BoundCounter<f64>>,
}

impl Bound {
    pub(super) fn duration(&self, instruments: &Instruments) -> &BoundHistogram<f64> {
        self.duration.get_or_init(|| {
            instruments
                .duration_of(self.conventional)
                .bind(&self.attributes)
        })
    }

    /// The input and output token handles.
    pub(super) fn tokens(&self, instruments: &Instruments) -> [&BoundHistogram<u64>; 2] {
        let typed = |i: usize, kind: &'static str| {
            self.tokens[i].get_or_init(|| {
                let mut attributes = self.attributes.clone();
                attributes.push(KeyValue::new(metric::TOKEN_TYPE, kind));
                instruments.token_usage.bind(&attributes)
            })
        };
        [typed(0, token_type::INPUT), typed(1, token_type::OUTPUT)]
    }

    pub(super) fn cost(&self, instruments: &Instruments) -> &BoundCounter<f64> {
        self.cost
            .get_or_init(|| instruments.cost.bind(&self.attributes))
    }
}

/// The fields of a call that make its attribute set, in a fixed order.
fn fields<'c>(call: &'c CallAttributes<'_>) -> [Option<&'c str>; 8] {
    let [conversation, user] = &call.ids;
    [
        call.kind,
        call.operation.as_ref().map(|s| s.as_str()),
        call.provider.as_ref().map(|s| s.as_str()),
        call.request_model.as_ref().map(|s| s.as_str()),
        call.response_model,
        call.workflow.as_ref().map(|s| s.as_str()),
        conversation.as_ref().map(|s| s.as_str()),
        user.as_ref().map(|s| s.as_str()),
    ]
}

/// FNV-1a over the fields, each closed by a byte no text holds alone, so
/// that `("ab", "c")` and `("a", "bc")` differ. Cheap: no attribute is
/// built to find a set already bound.
fn hash(fields: &[Option<&str>; 8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut eat = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    for field in fields {
        match field {
            Some(text) => text.bytes().for_each(&mut eat),
            None => eat(0xfe),
        }
        eat(0xff);
    }
    hash
}

/// The handles for `call`'s attribute set, bound now if this thread has
/// none yet. A failed call (`error.type`) is not bound: failures are rare.
pub(super) fn find<'b>(bound: &'b mut Vec<Bound>, call: &CallAttributes<'_>) -> &'b Bound {
    let fields = fields(call);
    let hash = hash(&fields);
    let found = bound.iter().position(|b| {
        b.hash == hash
            && b.key
                .iter()
                .zip(&fields)
                .all(|(kept, field)| kept.as_deref() == *field)
    });
    let index = match found {
        Some(index) => index,
        None => {
            if bound.len() >= MAX_BOUND {
                bound.clear();
            }
            bound.push(Bound {
                hash,
                key: fields.map(|field| field.map(Box::from)),
                attributes: call.attributes(),
                conventional: call.conventional(),
                duration: OnceCell::new(),
                tokens: [OnceCell::new(), OnceCell::new()],
                cost: OnceCell::new(),
            });
            bound.len() - 1
        }
    };
    &bound[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_that_move_a_boundary_hash_apart() {
        let a = [Some("ab"), Some("c"), None, None, None, None, None, None];
        let b = [Some("a"), Some("bc"), None, None, None, None, None, None];
        let c = [Some("abc"), None, None, None, None, None, None, None];
        assert_ne!(hash(&a), hash(&b));
        assert_ne!(hash(&a), hash(&c));
        assert_eq!(hash(&a), hash(&a.clone()));
    }
}
