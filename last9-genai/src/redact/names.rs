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

/// Whether `name` holds one of the [`NAME_LITERALS`], without case: the
/// literals starting with each byte are checked where it stands. A name
/// longer than any the readers pass (64 bytes) is taken to hold one.
pub(super) fn holds_a_name_literal(name: &str) -> bool {
    let mut lower = [0u8; 64];
    let Some(lower) = lower.get_mut(..name.len()) else {
        return true;
    };
    for (to, from) in lower.iter_mut().zip(name.bytes()) {
        *to = from.to_ascii_lowercase();
    }
    let lower = &*lower;
    (0..lower.len()).any(|at| {
        let (from, to) = STARTING_WITH[usize::from(lower[at])];
        NAME_LITERALS[usize::from(from)..usize::from(to)]
            .iter()
            .any(|literal| lower[at..].starts_with(literal.as_bytes()))
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

/// The last names asked about in one text, and the answers: the keys of a
/// list of records repeat, and each is judged once.
#[derive(Debug, Default)]
pub(super) struct Recent<'t> {
    answers: [(&'t str, bool); 8],
    next: usize,
}

impl<'t> Recent<'t> {
    /// Whether `name` is secret, as `judge` says: asked once per name
    /// among the last eight.
    pub(super) fn secret(&mut self, name: &'t str, judge: impl FnOnce(&str) -> bool) -> bool {
        if let Some((_, secret)) = self.answers.iter().find(|(seen, _)| *seen == name) {
            return *secret;
        }
        let secret = judge(name);
        self.answers[self.next % self.answers.len()] = (name, secret);
        self.next += 1;
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
        for name in ["summary", "title", "word_count", "model", "max_tokes"] {
            assert!(!holds_a_name_literal(name), "{name}");
        }
        assert!(holds_a_name_literal(&"x".repeat(65)));
    }

    /// A name is judged once while it stays among the last eight, and
    /// judged again after eight others.
    #[test]
    fn recent_names_are_judged_once() {
        let mut recent = Recent::default();
        let mut judged = Vec::new();
        let mut ask = |recent: &mut Recent<'static>, name: &'static str| {
            recent.secret(name, |n| {
                judged.push(n.to_owned());
                n == "api_key"
            })
        };
        assert!(ask(&mut recent, "api_key"));
        assert!(!ask(&mut recent, "title"));
        assert!(ask(&mut recent, "api_key"));
        assert!(!ask(&mut recent, "title"));
        for name in ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"] {
            assert!(!ask(&mut recent, name));
        }
        assert!(ask(&mut recent, "api_key"));
        assert_eq!(
            judged,
            [
                "api_key", "title", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "api_key"
            ]
        );
    }
}
