//! The marks: the bytes at which a secret may show, found in one pass.
//!
//! Every secret the default rules find shows one of seven bytes: the `=`
//! and `:` of `name=value` and `name: value` pairs, and one byte of each
//! literal every match of the value patterns holds (`-`, `_`, `:`, `A`,
//! `J`, `B`: see [`super::values::shows_a_literal`]). Prose seldom holds
//! them, so most text is known clean after one read, and each mark found is
//! checked where it stands. The read is a SIMD search for the seven bytes
//! at once (aho-corasick's Teddy, which the `regex` crate already brings)
//! where the CPU has one; where it has none, and where the marks come
//! dense, 16 bytes at a time with compares the compiler vectorizes.

use aho_corasick::packed::{Config, Searcher};

/// The bytes at which a secret may show.
pub(super) const MARKS: [u8; 7] = *b"=:-_AJB";

/// Finds the [`MARKS`] in a text.
#[derive(Debug)]
pub(super) struct Marks {
    /// The SIMD search, where this CPU has one.
    simd: Option<Searcher>,
}

impl Marks {
    /// The fastest search this CPU runs.
    pub(super) fn new() -> Self {
        let simd = Config::new()
            .builder()
            .extend(MARKS.iter().map(std::slice::from_ref))
            .build();
        Self { simd }
    }

    /// Calls `f` with the position of every mark in `bytes`, in order.
    ///
    /// The SIMD search costs about as much per mark found as reading
    /// [`DENSE`] bytes 16 at a time does: once marks come that close (JSON,
    /// with a `:` after every key), the rest is read that way.
    pub(super) fn each(&self, bytes: &[u8], mut f: impl FnMut(usize)) {
        let from = match &self.simd {
            Some(searcher) => match until_dense(searcher, bytes, &mut f) {
                Some(from) => from,
                None => return,
            },
            None => 0,
        };
        in_blocks(bytes, from, &mut f);
    }
}

/// Runs the SIMD search over `bytes`, calling `f` at each mark, until the
/// marks come denser than one in [`DENSE`] bytes: returns where to go on
/// block by block, or nothing when it read the whole text.
fn until_dense(searcher: &Searcher, bytes: &[u8], f: &mut impl FnMut(usize)) -> Option<usize> {
    let mut found = 0;
    for mark in searcher.find_iter(bytes) {
        f(mark.start());
        found += 1;
        if found >= DENSE_AFTER && mark.end() < found * DENSE {
            return Some(mark.end());
        }
    }
    None
}

/// Marks closer than this many bytes apart, on average, are read block by
/// block.
const DENSE: usize = 128;

/// How many marks the SIMD search finds before the text may be called
/// dense.
const DENSE_AFTER: usize = 16;

/// Whether `byte` is one of the [`MARKS`]: compares with no branch, not a
/// table, so that a block of bytes is tested with vector compares.
const fn is_mark(byte: u8) -> bool {
    (byte == b'=')
        | (byte == b':')
        | (byte == b'-')
        | (byte == b'_')
        | (byte == b'A')
        | (byte == b'J')
        | (byte == b'B')
}

/// Calls `f` at every mark of `bytes` from `from` on, 16 bytes at a time:
/// each block's marks found at once (about a byte of instructions a byte),
/// then visited one by one.
fn in_blocks(bytes: &[u8], from: usize, f: &mut impl FnMut(usize)) {
    let mut blocks = bytes[from..].chunks_exact(16);
    let mut at = from;
    for block in &mut blocks {
        let block: [u8; 16] = block.try_into().unwrap_or([0; 16]);
        // One byte per position, 1 at a mark: the lowest set bit is the
        // first mark's byte.
        let mut marks = u128::from_le_bytes(block.map(|byte| u8::from(is_mark(byte))));
        while marks != 0 {
            f(at + marks.trailing_zeros() as usize / 8);
            marks &= marks - 1;
        }
        at += 16;
    }
    for (i, byte) in blocks.remainder().iter().enumerate() {
        if is_mark(*byte) {
            f(at + i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(marks: &Marks, bytes: &[u8]) -> Vec<usize> {
        let mut at = Vec::new();
        marks.each(bytes, |i| at.push(i));
        at
    }

    /// Both searches find every mark and nothing else, in texts of every
    /// length around the SIMD block sizes, marks side by side, at both
    /// ends, and among multi-byte characters.
    #[test]
    fn both_searches_find_exactly_the_marks() {
        assert!((0..=255).all(|b| is_mark(b) == MARKS.contains(&b)));
        let simd = Marks::new();
        let scalar = Marks { simd: None };
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        assert!(simd.simd.is_some(), "a SIMD search on this CPU");
        let alphabet: Vec<u8> = "ab =:-_AJB é€\"\n".bytes().collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for length in 0..300 {
            let mut bytes: Vec<u8> = (0..length)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            if length > 2 {
                bytes[0] = b'=';
                bytes[length - 1] = b'B';
            }
            let expected: Vec<usize> = (0..length).filter(|i| MARKS.contains(&bytes[*i])).collect();
            assert_eq!(found(&simd, &bytes), expected, "{length}");
            assert_eq!(found(&scalar, &bytes), expected, "{length}");
        }
        let prose = "The assistant counts the tokens and lists the key findings. ".repeat(80);
        assert_eq!(found(&simd, prose.as_bytes()), Vec::<usize>::new());
        assert_eq!(found(&simd, b"==::"), [0, 1, 2, 3]);
        // Sparse, then dense enough to go on block by block, then sparse.
        let mixed = format!("{prose}{}{prose}é:", "a:b=c-d_e".repeat(40));
        let expected: Vec<usize> = (0..mixed.len())
            .filter(|i| MARKS.contains(&mixed.as_bytes()[*i]))
            .collect();
        assert_eq!(expected.len(), 161);
        assert_eq!(found(&simd, mixed.as_bytes()), expected);
    }
}
