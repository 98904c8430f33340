//! Secret names: which parameter, field and key names say that their value
//! is a secret, read word by word.

/// The words of which every default secret name holds one (compared
/// without case): a name with none of them is no secret. In byte order.
const NAME_LITERALS: &[&str] = &[
    "auth", "bearer", "cookie", "cred", "csrf", "jwt", "key", "pass", "pwd", "secret", "session",
    "token", "xsrf",
];

/// For each byte, the range of [`NAME_LITERALS`] that start with it.
const STARTING_WITH: [(u8, u8); 256] = {
    let mut table = [(0, 0); 256];
    let mut i = 0;
    while i < NAME_LITERALS.len() {
        let first = NAME_LITERALS[i].as_bytes()[0] as usize;
        if table[first].1 == 0 {
            table[first].0 = i as u8;
        }
        table[first].1 = i as u8 + 1;
        i += 1;
    }
    table
};

/// For each lower-case letter, the letters that follow it at the start of
/// a literal of [`NAME_LITERALS`], a bit each (`a` is bit 0).
const FOLLOWED_BY: [u32; 26] = {
    let mut table = [0u32; 26];
    let mut i = 0;
    while i < NAME_LITERALS.len() {
        let literal = NAME_LITERALS[i].as_bytes();
        table[(literal[0] - b'a') as usize] |= 1 << (literal[1] - b'a');
        i += 1;
    }
    table
};

/// Whether `name` holds one of the [`NAME_LITERALS`], without case: where
/// two letters start a literal, the literals starting with the first are
/// compared. A name longer than any the readers pass (64 bytes) is taken
/// to hold one.
pub(super) fn holds_a_name_literal(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.len() > 64 {
        return true;
    }
    // The shortest literal has three bytes.
    (0..bytes.len().saturating_sub(2)).any(|at| {
        let first = bytes[at].to_ascii_lowercase().wrapping_sub(b'a');
        let second = bytes[at + 1].to_ascii_lowercase().wrapping_sub(b'a');
        first < 26
            && second < 26
            && FOLLOWED_BY[usize::from(first)] >> second & 1 == 1
            && starts_a_literal(&bytes[at..])
    })
}

/// Whether `rest` starts with a literal of [`NAME_LITERALS`], without case.
fn starts_a_literal(rest: &[u8]) -> bool {
    let (from, to) = STARTING_WITH[usize::from(rest[0].to_ascii_lowercase())];
    NAME_LITERALS[usize::from(from)..usize::from(to)]
        .iter()
        .any(|literal| {
            rest.get(..literal.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(literal.as_bytes()))
        })
}

/// `text` lower-cased with everything but letters and digits dropped.
pub(super) fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The words of a name: split at anything not a letter or digit, and where
/// a lower-case letter or digit meets an upper-case one.
pub(super) fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut word));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    words.push(word);
    words.into_iter().filter(|w| !w.is_empty())
}

/// Names judged in one capture, and the answers: the keys of a list of
/// records repeat, and each is judged once while its slot holds it. A name
/// is kept in one of [`SLOTS`] slots chosen by its length and its first and
/// last bytes, zero-padded to [`KEPT`] bytes so that it is compared in two
/// vector compares; a longer name is judged each time.
#[derive(Debug)]
pub(crate) struct Judged {
    /// Per slot: the name, padded; its length (0 for none); the answer.
    slots: [([u8; KEPT], u8, bool); SLOTS],
}

/// How many names [`Judged`] holds.
const SLOTS: usize = 16;

/// The longest name [`Judged`] holds.
const KEPT: usize = 32;

impl Default for Judged {
    fn default() -> Self {
        Self {
            slots: [([0; KEPT], 0, false); SLOTS],
        }
    }
}

impl Judged {
    /// Whether `name` is secret, as `judge` says: asked once while the
    /// name stays in its slot.
    pub(crate) fn secret(&mut self, name: &str, judge: impl FnOnce(&str) -> bool) -> bool {
        let bytes = name.as_bytes();
        let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
            return judge(name);
        };
        if bytes.len() > KEPT {
            return judge(name);
        }
        let slot = (bytes.len() + usize::from(*first) * 3 + usize::from(*last) * 5) % SLOTS;
        let mut padded = [0; KEPT];
        padded[..bytes.len()].copy_from_slice(bytes);
        let (kept, length, answer) = &mut self.slots[slot];
        if usize::from(*length) == bytes.len() && *kept == padded {
            return *answer;
        }
        let secret = judge(name);
        (*kept, *length, *answer) = (padded, bytes.len() as u8, secret);
        secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of first bytes needs the literals sharing a first byte
    /// side by side; each is then found in any case, anywhere in a name.
    #[test]
    fn every_name_literal_is_found_in_any_case_and_place() {
        assert!(NAME_LITERALS.is_sorted(), "{NAME_LITERALS:?}");
        for literal in NAME_LITERALS {
            for name in [
                literal.to_string(),
                literal.to_ascii_uppercase(),
                format!("my_{literal}_id"),
                format!("x{}", literal.to_ascii_uppercase()),
            ] {
                assert!(holds_a_name_literal(&name), "{name}");
            }
            let cut = format!("{}#", &literal[..literal.len() - 1]);
            assert!(!holds_a_name_literal(&cut), "{cut}");
        }
        // Bytes past `z` (`{` is `z` + 1) start no literal.
        for name in [
            "summary",
            "title",
            "word_count",
            "model",
            "max_tokes",
            "{ab}",
            "a{{",
        ] {
            assert!(!holds_a_name_literal(name), "{name}");
        }
        assert!(holds_a_name_literal(&"x".repeat(65)));
    }

    /// A name is judged once while its slot holds it; names sharing a
    /// slot take it from each other, a name too long to keep is judged each
    /// time, and every answer is the judge's.
    #[test]
    fn names_are_judged_once_while_kept() {
        let mut judged = Judged::default();
        let mut asked = Vec::new();
        let long = "a_very_long_parameter_name_of_an_api_key";
        let mut ask = |judged: &mut Judged, name: &str| {
            judged.secret(name, |n| {
                asked.push(n.to_owned());
                n.ends_with("api_key")
            })
        };
        for _ in 0..3 {
            for name in ["api_key", "title", "summary", "id", long, ""] {
                assert_eq!(ask(&mut judged, name), name.ends_with("api_key"), "{name}");
            }
        }
        // "az" and "aj" share a slot: (2 + 97·3 + 122·5) % 16 = 7 =
        // (2 + 97·3 + 106·5) % 16.
        for name in ["az", "aj", "az"] {
            assert!(!ask(&mut judged, name));
        }
        assert_eq!(
            asked,
            [
                "api_key", "title", "summary", "id", long, "", long, "", long, "", "az", "aj", "az"
            ]
        );
    }
}
