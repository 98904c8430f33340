//! Secret values: the formats of keys and credentials, found inside any
//! text by one regular expression, run only when the text shows one of
//! the literals every match holds.

use std::borrow::Cow;

use regex::{Captures, Regex};

use super::REDACTED;

/// The value patterns: each alternative a secret format. A group named
/// `keep` is text kept before the secret, `tail` text kept after it; a
/// group named `check` must look like a credential (a digit or a symbol),
/// so that `Basic information` is left alone.
const PATTERNS: &[&str] = &[
    // PEM private keys, whole blocks.
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[^\x22]*?-----END [A-Z ]*PRIVATE KEY-----",
    // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-…).
    r"\bsk-[A-Za-z0-9_\-]{16,}",
    // Stripe secret and restricted keys.
    r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
    // Google API keys.
    r"\bAIza[0-9A-Za-z_\-]{35}",
    // AWS access key ids.
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    // GitHub tokens.
    r"\bgh[pousr]_[A-Za-z0-9]{36,}",
    r"\bgithub_pat_[A-Za-z0-9_]{22,}",
    // Slack tokens.
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
    // JSON Web Tokens.
    r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}",
    // Authorization header values.
    r"(?P<keep>\b(?i:bearer|basic)\s+)(?P<check>[A-Za-z0-9._~+/\-]{8,}=*)",
    // Passwords in URLs: scheme://user:password@host.
    r"(?P<keep>://[^/\s:@\x22]+:)[^@/\s\x22]+(?P<tail>@)",
];

/// Whether the mark at `at` starts to show one of the literals every match
/// of the default value patterns holds: `sk-`, `k_live_`, `k_test_`,
/// `AIza`, `AKIA`, `ASIA`, `gh?_`, `github_pat_`, `xox?-`, `eyJ`,
/// `-----BEGIN`, `://`, `Bearer`, `Basic `. Each holds one of the marks
/// `-`, `_`, `:`, `A`, `J` or `B` (see [`super::marks`]), and is checked
/// around it. Text where no mark shows a literal holds no secret value.
/// (`bearer` and `basic` are looked for capitalized, as HTTP writes them.)
pub(super) fn shows_a_literal(bytes: &[u8], at: usize) -> bool {
    let before = |literal: &[u8]| at >= literal.len() && &bytes[at - literal.len()..at] == literal;
    let from = |literal: &[u8]| bytes[at..].starts_with(literal);
    match bytes[at] {
        b'-' => {
            before(b"sk") || (at >= 4 && &bytes[at - 4..at - 1] == b"xox") || from(b"-----BEGIN")
        }
        b'_' => {
            (before(b"k") && (from(b"_live_") || from(b"_test_")))
                || (at >= 3 && &bytes[at - 3..at - 1] == b"gh")
                || (before(b"github") && from(b"_pat_"))
        }
        b':' => from(b"://"),
        b'A' => from(b"AIza") || from(b"AKIA") || from(b"ASIA"),
        b'J' => before(b"ey"),
        b'B' => from(b"Bearer") || from(b"Basic "),
        _ => false,
    }
}

/// The value patterns compiled: the defaults and the user's own, as one
/// alternation.
#[derive(Debug)]
pub(super) struct Values {
    regex: Regex,
}

impl Values {
    /// The default patterns and `own`, each already checked to compile.
    pub(super) fn new(own: &[String]) -> Self {
        let alternation = PATTERNS
            .iter()
            .copied()
            .chain(own.iter().map(String::as_str))
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        // The named groups repeat across alternatives: rename them apart.
        let regex = Regex::new(&rename_groups(&alternation))
            .unwrap_or_else(|_| Regex::new(r"[^\s\S]").expect("a regex that matches nothing"));
        Self { regex }
    }

    /// `text` with every secret value in a known format replaced.
    pub(super) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.regex.replace_all(text, |caps: &Captures<'_>| {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            let group =
                |name: &str| (1..=KEEP_GROUPS).find_map(|i| caps.name(&format!("{name}{i}")));
            if let Some(check) = group("check")
                && !looks_like_a_credential(check.as_str())
            {
                return whole.to_owned();
            }
            let keep = group("keep").map_or("", |m| m.as_str());
            let tail = group("tail").map_or("", |m| m.as_str());
            format!("{keep}{REDACTED}{tail}")
        })
    }
}

/// How many patterns may have each of the [`GROUPS`], renamed `keep1`…
const KEEP_GROUPS: usize = 8;

/// The named groups a pattern may have, renamed `keep1`, `keep2`, … in the
/// alternation so that they may repeat.
const GROUPS: [&str; 3] = ["keep", "check", "tail"];

/// Renames the named groups of an alternation apart.
fn rename_groups(alternation: &str) -> String {
    let mut out = String::with_capacity(alternation.len() + 16);
    let mut seen = [0usize; GROUPS.len()];
    let mut rest = alternation;
    while let Some(at) = rest.find("(?P<") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        for (group, count) in GROUPS.iter().zip(&mut seen) {
            if let Some(after) = rest.strip_prefix(group).and_then(|r| r.strip_prefix('>')) {
                *count += 1;
                out.push_str(&format!("{group}{count}>"));
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A credential has a digit or a symbol; a word (`Bearer authentication`)
/// does not.
fn looks_like_a_credential(text: &str) -> bool {
    text.bytes()
        .any(|b| b.is_ascii_digit() || b"._~+/=-".contains(&b))
}
