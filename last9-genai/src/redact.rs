//! Redaction: secrets never leave the process in what is captured.
//!
//! Two rules, both on by default, in one table ([`Redaction`]):
//!
//! * **By name.** A parameter, field or map key whose name says it holds a
//!   secret has its whole value replaced. Names are split into words
//!   (`apiKey`, `api_key`, `x-api-key` are all `api`, `key`) and match when
//!   any word is one of [`ANY_WORD`], or the last word one of [`LAST_WORD`]:
//!   `openai_api_key`, `accessToken`, `db_password`, `Authorization`,
//!   `session_id` match; `max_tokens`, `promptTokenCount`, `keyword`,
//!   `author` do not.
//! * **By value.** Inside any string, provider key formats, `Bearer` and
//!   `Basic` credentials, JWTs, PEM private key blocks and passwords in URLs
//!   are found by one regular expression, run only when a few SIMD byte
//!   searches found a candidate; `password=` and `"token": "…"` pairs are
//!   found by their separators and names. Only the secret is replaced by
//!   [`REDACTED`]; the text around it stays, and JSON stays JSON.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

use regex::{Captures, Regex};

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// The variable that switches redaction off (`false`, `0`, `off`).
pub const REDACT_ENV: &str = "LAST9_GENAI_REDACT";

/// Words that make a name secret wherever they stand in it.
pub const ANY_WORD: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "secrets",
    "credential",
    "credentials",
    "creds",
    "authorization",
    "auth",
    "apikey",
    "privatekey",
    "accesskey",
    "secretkey",
    "bearer",
    "jwt",
    "cookie",
    "cookies",
    "session",
    "csrf",
    "xsrf",
];

/// Words that make a name secret when they end it (`api_key`,
/// `access_token`), but not inside it (`key_id`, `token_count`).
pub const LAST_WORD: &[&str] = &["key", "token"];

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

/// The redaction rules in force: the defaults, the user's additions, and
/// whether they apply at all.
///
/// ```
/// use last9_genai::{Redaction, set_redaction};
///
/// set_redaction(Redaction::default().name("account_number").pattern(r"ACME-[0-9]{8}")?);
/// # set_redaction(Redaction::default());
/// # Ok::<(), regex::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Redaction {
    enabled: bool,
    names: Vec<String>,
    patterns: Vec<String>,
}

impl Default for Redaction {
    /// On, with the default names and patterns.
    fn default() -> Self {
        Self {
            enabled: true,
            names: Vec::new(),
            patterns: Vec::new(),
        }
    }
}

impl Redaction {
    /// No redaction at all.
    ///
    /// ```
    /// last9_genai::set_redaction(last9_genai::Redaction::off());
    /// # last9_genai::set_redaction(last9_genai::Redaction::default());
    /// ```
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Also redacts values named `name`: a whole name or one word of it,
    /// compared without case or separators (`"account number"` matches
    /// `accountNumber` and `account_number`).
    ///
    /// ```
    /// let rules = last9_genai::Redaction::default().name("iban");
    /// ```
    pub fn name(mut self, name: impl AsRef<str>) -> Self {
        self.names.push(squash(name.as_ref()));
        self
    }

    /// Also redacts text matching `pattern` (regex syntax) inside any
    /// captured string; an invalid pattern is an error.
    ///
    /// ```
    /// let rules = last9_genai::Redaction::default().pattern(r"ACME-[0-9]{8}")?;
    /// assert!(last9_genai::Redaction::default().pattern("(").is_err());
    /// # Ok::<(), regex::Error>(())
    /// ```
    pub fn pattern(mut self, pattern: impl Into<String>) -> Result<Self, regex::Error> {
        let pattern = pattern.into();
        Regex::new(&pattern)?;
        self.patterns.push(pattern);
        Ok(self)
    }
}

/// Moves on each time the rules change, so that threads look them up again.
static EPOCH: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's copy of the rules in force, and their epoch: reading
    /// them costs no lock and no shared write.
    static LOCAL: RefCell<Option<(u64, Arc<Rules>)>> = const { RefCell::new(None) };
}

/// Puts `rules` in force for every capture from now on.
///
/// ```
/// last9_genai::set_redaction(last9_genai::Redaction::default().name("ssn"));
/// # last9_genai::set_redaction(last9_genai::Redaction::default());
/// ```
pub fn set_redaction(rules: Redaction) {
    let compiled = Arc::new(Rules::compile(&rules));
    *RULES
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = compiled;
    EPOCH.fetch_add(1, Ordering::Release);
}

/// Whether `text` holds one of the literals every match of the default
/// value patterns holds: `sk-`, `k_live_`, `k_test_`, `AIza`, `AKIA`,
/// `ASIA`, `gh?_`, `github_pat_`, `xox?-`, `eyJ`, `-----BEGIN`, `://`,
/// `Bearer`, `Basic `. Text without them holds no secret value, and is known
/// to be clean in two SIMD byte searches: every literal holds one of `-`,
/// `_`, `:` or one of `A`, `J`, `B`, bytes that prose seldom holds, and
/// each hit is checked where it stands. (`bearer` and `basic` are looked
/// for capitalized, as HTTP writes them.) `name=value` and `"name": "value"`
/// pairs are found by their separators instead (see `scrub_named_values`).
fn holds_a_value_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let before = |at: usize, literal: &[u8]| {
        at >= literal.len() && &bytes[at - literal.len()..at] == literal
    };
    let from = |at: usize, literal: &[u8]| bytes[at..].starts_with(literal);
    memchr::memchr3_iter(b'-', b'_', b':', bytes).any(|at| match bytes[at] {
        b'-' => {
            before(at, b"sk")
                || (at >= 4 && &bytes[at - 4..at - 1] == b"xox")
                || from(at, b"-----BEGIN")
        }
        b'_' => {
            from(at, b"_live_") && before(at, b"k")
                || from(at, b"_test_") && before(at, b"k")
                || (at >= 3 && &bytes[at - 3..at - 1] == b"gh")
                || (before(at, b"github") && from(at, b"_pat_"))
        }
        _ => from(at, b"://"),
    }) || memchr::memchr3_iter(b'A', b'J', b'B', bytes).any(|at| match bytes[at] {
        b'A' => from(at, b"AIza") || from(at, b"AKIA") || from(at, b"ASIA"),
        b'J' => before(at, b"ey"),
        _ => from(at, b"Bearer") || from(at, b"Basic "),
    })
}

/// The words of which every default secret name holds one (compared
/// without case): a name with none of them is no secret.
const NAME_LITERALS: &[&str] = &[
    "pass", "pwd", "secret", "cred", "auth", "key", "token", "bearer", "jwt", "cookie", "session",
    "csrf", "xsrf",
];

/// Whether `name` holds one of the [`NAME_LITERALS`], without case.
fn holds_a_name_literal(name: &str) -> bool {
    let mut lower = [0u8; 64];
    let Some(lower) = lower.get_mut(..name.len()) else {
        return true;
    };
    for (to, from) in lower.iter_mut().zip(name.bytes()) {
        *to = from.to_ascii_lowercase();
    }
    NAME_LITERALS.iter().any(|literal| {
        lower
            .windows(literal.len())
            .any(|w| w == literal.as_bytes())
    })
}

/// Compiled rules.
#[derive(Debug)]
pub(crate) struct Rules {
    enabled: bool,
    names: Vec<String>,
    values: Regex,
    /// The user added patterns: every text is a candidate.
    own_patterns: bool,
    /// The user added names: every name is a candidate.
    own_names: bool,
}

static RULES: LazyLock<RwLock<Arc<Rules>>> = LazyLock::new(|| {
    let off = std::env::var(REDACT_ENV).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "false" | "0" | "off" | "no"
        )
    });
    let rules = if off {
        Redaction::off()
    } else {
        Redaction::default()
    };
    RwLock::new(Arc::new(Rules::compile(&rules)))
});

/// The rules in force, shared: for paths that run rarely (the hot path
/// uses [`with_rules`]).
pub(crate) fn rules() -> Arc<Rules> {
    RULES
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The current epoch of the rules: it moves on each time they change.
pub(crate) fn epoch() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

/// Runs `f` with the rules in force: this thread's copy, refreshed when
/// they changed.
pub(crate) fn with_rules<R>(f: impl FnOnce(&Rules) -> R) -> R {
    let epoch = EPOCH.load(Ordering::Acquire);
    let mut f = Some(f);
    let done = LOCAL.try_with(|local| {
        let fresh = matches!(&*local.borrow(), Some((seen, _)) if *seen == epoch);
        if !fresh {
            *local.borrow_mut() = Some((epoch, rules()));
        }
        let local = local.borrow();
        match (&*local, f.take()) {
            (Some((_, rules)), Some(f)) => Some(f(rules)),
            _ => None,
        }
    });
    match (done, f) {
        (Ok(Some(result)), _) => result,
        // The thread is going away: read them directly.
        (_, Some(f)) => f(&rules()),
        (_, None) => unreachable!("f runs once, in one branch"),
    }
}

/// `text` lower-cased with everything but letters and digits dropped.
fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The words of a name: split at anything not a letter or digit, and where
/// a lower-case letter or digit meets an upper-case one.
fn words(name: &str) -> impl Iterator<Item = String> + '_ {
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

/// `text` as `scrub` leaves it: its own cleaned copy, or itself.
fn owned(text: String, scrub: impl for<'t> FnOnce(&'t str) -> Cow<'t, str>) -> String {
    match scrub(&text) {
        Cow::Owned(clean) => clean,
        Cow::Borrowed(_) => text,
    }
}

impl Rules {
    fn compile(rules: &Redaction) -> Self {
        let mut patterns: Vec<&str> = PATTERNS.to_vec();
        patterns.extend(rules.patterns.iter().map(String::as_str));
        let alternation = patterns
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        // The named groups repeat across alternatives: rename them apart.
        let values = Regex::new(&rename_groups(&alternation))
            .unwrap_or_else(|_| Regex::new(r"[^\s\S]").expect("a regex that matches nothing"));
        Self {
            enabled: rules.enabled,
            names: rules.names.clone(),
            values,
            own_patterns: !rules.patterns.is_empty(),
            own_names: !rules.names.is_empty(),
        }
    }

    /// Whether `text` may hold a secret value: false only when it surely
    /// holds none (in lower, capitalized or upper case).
    fn may_hold_a_value(&self, text: &str) -> bool {
        text.len() >= 3 && (self.own_patterns || holds_a_value_literal(text))
    }

    /// Whether `text` may hold a secret name: false only when it surely
    /// holds none.
    fn may_hold_a_name(&self, text: &str) -> bool {
        text.len() >= 3 && (self.own_names || holds_a_name_literal(text))
    }

    /// Whether redaction applies at all.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether a value named `name` is secret (always false when off).
    pub(crate) fn secret_name(&self, name: &str) -> bool {
        if !self.enabled || !self.may_hold_a_name(name) {
            return false;
        }
        let words: Vec<String> = words(name).collect();
        let squashed: String = words.concat();
        words.iter().any(|w| ANY_WORD.contains(&w.as_str()))
            || words
                .last()
                .is_some_and(|w| LAST_WORD.contains(&w.as_str()))
            || ANY_WORD
                .iter()
                .filter(|w| w.len() > 6)
                .any(|w| squashed.contains(w))
            || self
                .names
                .iter()
                .any(|n| *n == squashed || words.iter().any(|w| w == n))
    }

    /// Plain text (a string argument, a prompt) with every secret in it
    /// replaced: values in a known format, `name=value` pairs and quoted
    /// `"name": "value"` pairs whose name is secret.
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.clean(text, Shape::Plain)
    }

    /// Captured text shaped like `Debug` or JSON output (or an error
    /// message), where `name: value` pairs have values of any shape: as
    /// [`scrub`](Self::scrub), and the value after every secret name and
    /// colon, to the comma or bracket that ends it.
    pub(crate) fn scrub_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.clean(text, Shape::Structured)
    }

    /// [`scrub`](Self::scrub) of an owned string: the string itself when
    /// there is nothing to cut, never a copy.
    pub(crate) fn scrub_owned(&self, text: String) -> String {
        owned(text, |t| self.scrub(t))
    }

    /// [`scrub_text`](Self::scrub_text) of an owned string: the string
    /// itself when there is nothing to cut, never a copy.
    pub(crate) fn scrub_text_owned(&self, text: String) -> String {
        owned(text, |t| self.scrub_text(t))
    }

    fn clean<'t>(&self, text: &'t str, shape: Shape) -> Cow<'t, str> {
        if !self.enabled || text.len() < 3 {
            return Cow::Borrowed(text);
        }
        let named = scrub_named_values(text, shape, |name| self.secret_name(name));
        let valued = match &named {
            Cow::Borrowed(text) => self.scrub_values(text),
            Cow::Owned(text) => Cow::Owned(self.scrub_values(text).into_owned()),
        };
        match (named, valued) {
            (_, Cow::Owned(clean)) | (Cow::Owned(clean), Cow::Borrowed(_)) => Cow::Owned(clean),
            (Cow::Borrowed(_), Cow::Borrowed(_)) => Cow::Borrowed(text),
        }
    }

    /// `text` with every secret value in a known format replaced.
    fn scrub_values<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !self.may_hold_a_value(text) {
            return Cow::Borrowed(text);
        }
        self.values.replace_all(text, |caps: &Captures<'_>| {
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

/// How a value after a secret name is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Plain text: after `=`, a token (to a space, `&`, quote, comma…);
    /// after `:`, only a quoted string.
    Plain,
    /// `Debug` or JSON: after `:`, any value, to the comma or bracket that
    /// ends it at its own depth.
    Structured,
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

/// Replaces the value after each name for which `secret` holds: `name=`
/// pairs, and `name:` / `"name":` pairs as `shape` says. Only the `=` and
/// `:` are visited (a SIMD search), and the name before each read
/// backwards.
fn scrub_named_values(text: &str, shape: Shape, secret: impl Fn(&str) -> bool) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    for at in memchr::memchr2_iter(b'=', b':', bytes) {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 1).copied();
        // `::`, `==`, `=>`, `!=`, `<=`, `>=` are not pairs.
        if at < copied
            || after == Some(bytes[at])
            || before == Some(bytes[at])
            || (bytes[at] == b'='
                && (after == Some(b'>') || matches!(before, Some(b'!' | b'<' | b'>'))))
        {
            continue;
        }
        let Some(name) = name_before(text, at) else {
            continue;
        };
        if !secret(name) {
            continue;
        }
        let start = at + 1 + bytes[at + 1..].iter().take_while(|b| **b == b' ').count();
        let quoted = bytes.get(start) == Some(&b'"');
        let end = match (bytes[at], shape) {
            (b'=', _) => token_end(bytes, start),
            (_, Shape::Structured) => value_end(text, start),
            (_, Shape::Plain) if quoted => value_end(text, start),
            (_, Shape::Plain) => continue,
        };
        if end == start {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(if quoted { "\"[REDACTED]\"" } else { REDACTED });
        copied = end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Where a token value after `=` ends: at a space, `&`, quote, backslash,
/// comma, semicolon or closing bracket.
fn token_end(bytes: &[u8], start: usize) -> usize {
    if bytes.get(start) == Some(&b'"') {
        return start;
    }
    start
        + bytes[start..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && !b"&\"'\\,;)]}".contains(b))
            .count()
}

/// The name just before the colon at `colon`: `"a quoted key"` (at most 64
/// bytes, no escapes) or an identifier (at most 64 bytes), with spaces
/// between allowed.
fn name_before(text: &str, colon: usize) -> Option<&str> {
    let bytes = text.as_bytes();
    let end = colon
        - bytes[..colon]
            .iter()
            .rev()
            .take_while(|b| **b == b' ')
            .count();
    if end > 0 && bytes[end - 1] == b'"' {
        let inner = &bytes[end.saturating_sub(66)..end - 1];
        let open = inner.iter().rposition(|b| *b == b'"')?;
        let name = &text[end - 1 - (inner.len() - open - 1)..end - 1];
        return (!name.contains('\\')).then_some(name);
    }
    let length = bytes[..end]
        .iter()
        .rev()
        .take(64)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let name = &text[end - length..end];
    name.as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        .then_some(name)
}

/// Where the value starting at `start` ends.
fn value_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    if bytes.get(start) == Some(&b'"') {
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        return bytes.len();
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => return i,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => return i,
            b'"' => i = value_end(text, i).saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> Rules {
        Rules::compile(&Redaction::default())
    }

    /// The prefilters may only skip text that holds no secret: every
    /// secret word holds one of the name literals, and every example of
    /// every value pattern one of the value literals.
    #[test]
    fn every_secret_holds_a_literal_of_the_prefilters() {
        let rules = on();
        for word in ANY_WORD.iter().chain(LAST_WORD) {
            let capitalized = format!("{}{}", word[..1].to_ascii_uppercase(), &word[1..]);
            for form in [word.to_string(), capitalized, word.to_ascii_uppercase()] {
                assert!(rules.may_hold_a_name(&form), "{form}");
                assert!(rules.secret_name(&form), "{form}");
            }
        }
        for example in SECRET_EXAMPLES {
            assert!(rules.may_hold_a_value(example), "{example}");
            assert!(rules.scrub(example).contains(REDACTED), "{example}");
        }
        for pair in NAMED_EXAMPLES {
            assert!(rules.scrub(pair).contains(REDACTED), "{pair}");
        }
        for prose in [
            "The assistant counts the tokens and lists the key findings in Asia.",
            "A session of basic questions about authentication and keys.",
        ] {
            // Prose may stop the prefilter now and then, but never changes.
            assert_eq!(rules.scrub(prose), prose);
        }
        assert!(
            !rules.may_hold_a_value("The assistant counts the tokens and lists the key findings.")
        );
    }

    #[test]
    fn secret_names_by_word() {
        let rules = on();
        for name in [
            "password",
            "api_key",
            "apiKey",
            "x-api-key",
            "openai_api_key",
            "key",
            "token",
            "accessToken",
            "auth_token",
            "Authorization",
            "client_secret",
            "private_key",
            "AWS_SECRET_ACCESS_KEY",
            "creds_credential",
            "session_id",
            "Cookie",
            "passwd",
            "apikey",
            "my.jwt",
        ] {
            assert!(rules.secret_name(name), "{name}");
        }
        for name in [
            "max_tokens",
            "tokens",
            "promptTokenCount",
            "prompt",
            "author",
            "keyword",
            "key_id",
            "token_count",
            "model",
            "input_tokens",
            "monkey",
        ] {
            assert!(!rules.secret_name(name), "{name}");
        }
        let custom = Rules::compile(&Redaction::default().name("account number"));
        assert!(custom.secret_name("accountNumber"));
        assert!(custom.secret_name("account_number"));
        assert!(!custom.secret_name("account"));
        assert!(!Rules::compile(&Redaction::off()).secret_name("password"));
    }

    /// One example of each default value pattern.
    const SECRET_EXAMPLES: &[&str] = &[
        "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----",
        "sk-proj-abcdefghijklmnopqrstuvwx",
        "rk_live_abcdefghijklmnop1234",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "ASIAIOSFODNN7EXAMPLE",
        "gho_abcdefghijklmnopqrstuvwxyz0123456789",
        "github_pat_abcdefghijklmnopqrstuvwxyz",
        "xoxp-1234567890-abcdef",
        "eyJhbGciOi.eyJzdWIiOi.SflKxwRJSM",
        "Bearer abc.def-123_XYZ",
        "Basic dXNlcjpwYXNzd29yZA==",
        "https://u:p4ss@h",
    ];

    /// Pairs found by their separator and secret name.
    const NAMED_EXAMPLES: &[&str] = &[
        "?Credential=abc",
        "Auth=abc",
        "PASSWORD=abc",
        r#""client_secret" : "abc""#,
        r#"{"apiKey":"abc"}"#,
    ];

    #[test]
    fn secret_values_are_replaced_and_the_text_around_stays() {
        let rules = on();
        for (text, expected) in [
            (
                "key sk-proj-abcdefghijklmnopqrstuvwx end",
                "key [REDACTED] end",
            ),
            ("sk-ant-api03-abcdefghijklmnop_QRST", "[REDACTED]"),
            ("g AIzaSyA1234567890abcdefghijklmnopqrstuv", "g [REDACTED]"),
            ("aws AKIAIOSFODNN7EXAMPLE.", "aws [REDACTED]."),
            (
                "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "gh [REDACTED]",
            ),
            ("xoxb-1234567890-abcdef", "[REDACTED]"),
            ("stripe sk_live_abcdefghijklmnop1234", "stripe [REDACTED]"),
            (
                "Authorization: Bearer abc.def-123_XYZ",
                "Authorization: Bearer [REDACTED]",
            ),
            ("Basic dXNlcjpwYXNzd29yZA==", "Basic [REDACTED]"),
            ("Basic information about it", "Basic information about it"),
            ("jwt eyJhbGciOi.eyJzdWIiOi.SflKxwRJSM", "jwt [REDACTED]"),
            (
                "https://h/x?user=a&password=hunter2&x=1",
                "https://h/x?user=a&password=[REDACTED]&x=1",
            ),
            ("db_password=hunter2 ok", "db_password=[REDACTED] ok"),
            (
                "https://ada:s3cret@db.local/x",
                "https://ada:[REDACTED]@db.local/x",
            ),
            ("https://db.local:5432/x", "https://db.local:5432/x"),
            (
                r#"{"api_key": "abc123", "model": "m"}"#,
                r#"{"api_key": "[REDACTED]", "model": "m"}"#,
            ),
            ("max_tokens=100", "max_tokens=100"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- after",
                "[REDACTED] after",
            ),
        ] {
            assert_eq!(rules.scrub(text), expected, "{text}");
        }
        let json =
            serde_json::json!({"note": "use sk-proj-abcdefghijklmnopqrstuvwx \"now\""}).to_string();
        let scrubbed = rules.scrub(&json);
        assert!(
            serde_json::from_str::<serde_json::Value>(&scrubbed).is_ok(),
            "{scrubbed}"
        );
        assert!(matches!(rules.scrub("nothing here"), Cow::Borrowed(_)));
        let custom = Rules::compile(&Redaction::default().pattern(r"ACME-[0-9]{4}").unwrap());
        assert_eq!(custom.scrub("id ACME-1234 ok"), "id [REDACTED] ok");
    }

    #[test]
    fn captured_text_is_scrubbed_by_name() {
        let rules = on();
        assert_eq!(
            rules.scrub_text(r#"Config { host: "h", api_key: "k1, k2", retries: 3 }"#),
            r#"Config { host: "h", api_key: "[REDACTED]", retries: 3 }"#
        );
        assert_eq!(
            rules.scrub_text(r#"Creds { token: Some(Token("abc")), user: "u" }"#),
            r#"Creds { token: [REDACTED], user: "u" }"#
        );
        assert_eq!(
            rules.scrub_text(r#"{"password": "p", "n": 1}"#),
            r#"{"password": "[REDACTED]", "n": 1}"#
        );
        assert_eq!(
            rules.scrub_text("Point { x: 1, y: 2 }"),
            "Point { x: 1, y: 2 }"
        );
    }
}
