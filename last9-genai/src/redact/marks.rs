//! The marks: the bytes at which a secret may show, found in one pass.
//!
//! Every secret the default rules find shows one of seven bytes: the `=`
//! and `:` of `name=value` and `name: value` pairs, and one byte of each
//! literal every match of the value patterns holds (`-`, `_`, `:`, `A`,
//! `J`, `B`: see [`super::values::shows_a_literal`]). Prose seldom holds
//! them, so most text is known clean after one read, and each mark found is
//! checked where it stands. The read is a SIMD search for the seven bytes
//! at once (aho-corasick's Teddy, which the `regex` crate already brings)
//! where the CPU has one, and a byte-by-byte loop elsewhere.

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
    /// The SIMD search costs about as much per mark found as the loop does
    /// per [`DENSE`] bytes: once marks come that close (JSON, with a `:`
    /// after every key), the rest is read byte by byte.
    pub(super) fn each(&self, bytes: &[u8], mut f: impl FnMut(usize)) {
        let from = match &self.simd {
            Some(searcher) => match until_dense(searcher, bytes, &mut f) {
                Some(from) => from,
                None => return,
            },
            None => 0,
        };
        bytes[from..]
            .iter()
            .enumerate()
            .filter(|(_, b)| IS_MARK[usize::from(**b)])
            .for_each(|(at, _)| f(from + at));
    }
}

/// Runs the SIMD search over `bytes`, calling `f` at each mark, until the
/// marks come denser than one in [`DENSE`] bytes: returns where to go on
/// byte by byte, or nothing when it read the whole text.
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

/// Marks closer than this many bytes apart, on average, are read byte by
/// byte.
const DENSE: usize = 48;

/// How many marks the SIMD search finds before the text may be called
/// dense.
const DENSE_AFTER: usize = 16;

/// Whether a byte is one of the [`MARKS`].
const IS_MARK: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < MARKS.len() {
        table[MARKS[i] as usize] = true;
        i += 1;
    }
    table
};

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
        // Sparse, then dense enough to go on byte by byte, then sparse.
        let mixed = format!("{prose}{}{prose}é:", "a:b=c-d_e".repeat(40));
        let expected: Vec<usize> = (0..mixed.len())
            .filter(|i| MARKS.contains(&mixed.as_bytes()[*i]))
            .collect();
        assert_eq!(expected.len(), 161);
        assert_eq!(found(&simd, mixed.as_bytes()), expected);
    }
}
