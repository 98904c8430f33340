//! Which open workflow or conversation each live span started in.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use opentelemetry::trace::SpanId;

use crate::context::ScopeTotals;

/// Which open workflow or conversation each live span started in, so that the processor can
/// count it when it ends. Sharded by span id so that threads rarely meet on a
/// lock, and with no counter shared between threads; entries are removed when
/// their span ends.
#[derive(Debug)]
pub(crate) struct OpenSpans {
    shards: Box<[Shard]>,
}

/// One shard, alone on its cache lines so that threads working on
/// neighbouring shards do not slow each other down.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard(Mutex<ShardMap>);

type ShardMap = HashMap<SpanId, Arc<ScopeTotals>, BuildHasherDefault<SpanIdHasher>>;

const SHARDS: usize = 64;

impl Default for OpenSpans {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }
}

impl OpenSpans {
    fn shard(&self, span: SpanId) -> &Mutex<ShardMap> {
        // Span ids are random: their low bits spread evenly.
        &self.shards[(u64::from_be_bytes(span.to_bytes()) as usize) % SHARDS].0
    }

    pub(crate) fn insert(&self, span: SpanId, totals: Arc<ScopeTotals>) {
        if let Ok(mut shard) = self.shard(span).lock() {
            shard.insert(span, totals);
        }
    }

    pub(crate) fn remove(&self, span: SpanId) -> Option<Arc<ScopeTotals>> {
        self.shard(span).lock().ok()?.remove(&span)
    }

    /// Entries in all shards; for diagnostics, not the hot path.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.0.lock().map_or(0, |s| s.len()))
            .sum()
    }
}

/// Span ids are already random; hashing them again is wasted work.
#[derive(Default)]
struct SpanIdHasher(u64);

impl Hasher for SpanIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    /// A span id is its own hash, not hashed again: every byte of the id
    /// reaches the hash, so ids that differ in any one byte never collide
    /// in the map.
    #[test]
    fn every_byte_of_a_span_id_reaches_its_hash() {
        let hasher = BuildHasherDefault::<SpanIdHasher>::default();
        let ids = (0..8).map(|byte| 0xa5_u64 << (8 * byte));
        let hashes: std::collections::HashSet<u64> = ids
            .chain([0])
            .map(|id| hasher.hash_one(SpanId::from_bytes(id.to_be_bytes())))
            .collect();
        assert_eq!(hashes.len(), 9, "{hashes:x?}");
    }
}
