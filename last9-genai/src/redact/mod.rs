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
//!   are found by one regular expression, run only when the text shows a
//!   literal every match holds; `password=` and `"token": "…"` pairs are
//!   found by their separators and names. Only the secret is replaced by
//!   [`REDACTED`]; the text around it stays, and JSON stays JSON.
//!
//! A text is read once (see [`marks`]): one SIMD search visits the bytes at
//! which a secret may show, the separators of pairs and a byte of each
//! literal; the regular expression runs only after one was found.

mod marks;
mod names;
mod pairs;
mod values;

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::current::{Current, ThreadCopy};
use marks::Marks;
pub(crate) use names::Judged;
use names::{holds_a_name_literal, squash, words};
use pairs::{Pairs, Shape};
use values::{Values, shows_a_literal};

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

/// Words that make a name secret when they end it (`api_key`, `api_keys`,
/// `access_token`), but not inside it (`key_id`, `token_count`). Not
/// `tokens`: `max_tokens` and `input_tokens` are counts.
pub const LAST_WORD: &[&str] = &["key", "keys", "token"];

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

thread_local! {
    /// This thread's copy of the rules in force: reading them costs no
    /// lock and no shared write.
    static LOCAL: RefCell<ThreadCopy<Rules>> = const { RefCell::new(ThreadCopy::new(())) };
}

/// Puts `rules` in force for every capture from now on.
///
/// ```
/// last9_genai::set_redaction(last9_genai::Redaction::default().name("ssn"));
/// # last9_genai::set_redaction(last9_genai::Redaction::default());
/// ```
pub fn set_redaction(rules: Redaction) {
    RULES.replace(Some(Rules::compile(&rules)));
}

/// Compiled rules.
#[derive(Debug)]
pub(crate) struct Rules {
    enabled: bool,
    names: Vec<String>,
    values: Values,
    marks: Marks,
    /// The user added patterns: every text is a candidate.
    own_patterns: bool,
    /// The user added names: every name is a candidate.
    own_names: bool,
}

/// The rules set with [`set_redaction`]; until then, [`DEFAULT`].
static RULES: Current<Rules> = Current::new();

/// The rules in force until [`set_redaction`]: the default ones, or none
/// when the environment turns redaction off.
static DEFAULT: LazyLock<Arc<Rules>> = LazyLock::new(|| {
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
    Arc::new(Rules::compile(&rules))
});

/// The rules in force, shared: for paths that run rarely (the hot path
/// uses [`with_rules`]).
pub(crate) fn rules() -> Arc<Rules> {
    RULES.load().unwrap_or_else(|| DEFAULT.clone())
}

/// The current epoch of the rules: it moves on each time they change.
pub(crate) fn epoch() -> u64 {
    RULES.epoch()
}

/// Runs `f` with the rules in force: this thread's copy, refreshed when
/// they changed.
pub(crate) fn with_rules<R>(f: impl FnOnce(&Rules) -> R) -> R {
    RULES.with(&LOCAL, |()| {}, |rules, _| f(rules.unwrap_or(&DEFAULT)))
}

/// `text` as `scrub` leaves it: its own cleaned copy, or itself.
fn owned(text: String, scrub: impl for<'t> FnOnce(&'t str) -> Cow<'t, str>) -> String {
    match scrub(&text) {
        Cow::Owned(clean) => clean,
        Cow::Borrowed(_) => text,
    }
}

impl Rules {
    pub(crate) fn compile(rules: &Redaction) -> Self {
        Self {
            enabled: rules.enabled,
            names: rules.names.clone(),
            values: Values::new(&rules.patterns),
            marks: Marks::new(),
            own_patterns: !rules.patterns.is_empty(),
            own_names: !rules.names.is_empty(),
        }
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
        self.enabled && self.may_hold_a_name(name) && self.judge(name)
    }

    /// [`secret_name`](Self::secret_name) of the names of one capture: a
    /// name is judged once while `judged` holds it (the keys of a list of
    /// records repeat).
    pub(crate) fn secret_key(&self, name: &str, judged: &mut Judged) -> bool {
        self.enabled && judged.secret(name, |name| self.may_hold_a_name(name) && self.judge(name))
    }

    /// Whether `name`, which may hold a secret word, does: by its words.
    fn judge(&self, name: &str) -> bool {
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

    /// JSON text whose keys were judged as it was written (see
    /// [`Rules::secret_name`]): as [`scrub`](Self::scrub) inside its
    /// strings, where a `name: value` pair's value is cut as a token; the
    /// keys themselves are not read again. The JSON stays JSON.
    pub(crate) fn scrub_json_owned(&self, text: String) -> String {
        owned(text, |t| self.clean(t, Shape::Json))
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

    /// `text` with the secrets of both rules cut out, in one read: the
    /// pairs at each `=` and `:` mark, and the value patterns after a mark
    /// showed one of their literals.
    fn clean<'t>(&self, text: &'t str, shape: Shape) -> Cow<'t, str> {
        if !self.enabled || text.len() < 3 {
            return Cow::Borrowed(text);
        }
        let (named, literal) = self.read(text, shape);
        if !literal {
            return named;
        }
        match named {
            Cow::Borrowed(text) => self.values.scrub(text),
            Cow::Owned(text) => Cow::Owned(owned(text, |t| self.values.scrub(t))),
        }
    }

    /// `text` with its secret pairs cut out, and whether a value pattern
    /// may match in it (always, with the user's own patterns).
    fn read<'t>(&self, text: &'t str, shape: Shape) -> (Cow<'t, str>, bool) {
        let bytes = text.as_bytes();
        let mut pairs = Pairs::new(text, shape);
        let mut literal = self.own_patterns;
        // Made when the first name is judged: most texts have none.
        let mut judged = None;
        self.marks.each(bytes, |at| {
            if matches!(bytes[at], b'=' | b':') {
                pairs.visit(at, |name| {
                    self.secret_key(name, judged.get_or_insert_with(Judged::default))
                });
            }
            literal = literal || shows_a_literal(bytes, at);
        });
        (pairs.finish(), literal)
    }
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
            assert!(rules.read(example, Shape::Plain).1, "{example}");
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
        let prose = "The assistant counts the tokens and lists the key findings.";
        assert!(!rules.read(prose, Shape::Plain).1);
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
            // Regression: a list of plain keys under a plural name went out.
            "api_keys",
            "apiKeys",
            "keys",
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
            "keys_count",
            "monkeys",
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

    /// Secrets after a long run of JSON, where the search for marks has
    /// gone on byte by byte: found as they are in a short text.
    #[test]
    fn secrets_deep_in_dense_json_are_found() {
        let rules = on();
        let records = r#"{"id":1,"section_name":"a","word_count":2},"#.repeat(100);
        let text = format!(
            r#"[{records}{{"api_key":"k-123","note":"use sk-proj-abcdefghijklmnopqrstuvwx now"}}]"#
        );
        let expected =
            format!(r#"[{records}{{"api_key":"[REDACTED]","note":"use [REDACTED] now"}}]"#);
        assert_eq!(rules.scrub_text(&text), expected);
        assert!(matches!(rules.scrub_text(&records), Cow::Borrowed(_)));
    }

    /// A megabyte of nothing but marks and secret pairs: every value cut,
    /// in one read (each mark's look back and ahead is bounded).
    #[test]
    fn a_megabyte_of_secret_pairs_is_scrubbed_exactly() {
        let rules = on();
        let text = "token=abc; -_AJB:=:".repeat(60_000);
        let expected = "token=[REDACTED]; -_AJB:=:".repeat(60_000);
        assert_eq!(rules.scrub(&text), expected);
        let json = format!("[{}1]", r#"{"password":"p","n":1},"#.repeat(40_000));
        let clean = format!(
            "[{}1]",
            r#"{"password":"[REDACTED]","n":1},"#.repeat(40_000)
        );
        assert_eq!(rules.scrub_text(&json), clean);
        let spaces = format!("{}:{}", " ".repeat(1 << 20), ":".repeat(1 << 10));
        assert!(matches!(rules.scrub_text(&spaces), Cow::Borrowed(_)));
        // JSON in JSON strings, and pairs inside strings of JSON judged as
        // written: each value cut, each read once.
        let escaped = r#"{\"token\": \"t\"}, "#.repeat(50_000);
        let clean = r#"{\"token\": \"[REDACTED]\"}, "#.repeat(50_000);
        assert_eq!(rules.scrub(&escaped), clean);
        let unclosed = format!(r#"{{"a":"{}"}}"#, r#"{\"token\": \"t "#.repeat(50_000));
        // Each value runs to the next escaped quote, which opens the next
        // name: every value is cut, and the JSON stays JSON.
        let expected = format!(
            r#"{{"a":"{{\"token\": {}\"[REDACTED]\""}}"#,
            r#"\"[REDACTED]\"token\": "#.repeat(49_999)
        );
        let scrubbed = rules.scrub_json_owned(unclosed);
        assert_eq!(scrubbed, expected);
        assert!(serde_json::from_str::<serde_json::Value>(&scrubbed).is_ok());
        let inside = format!("[{}1]", r#""token: t1, ok","#.repeat(50_000));
        let cut = format!("[{}1]", r#""token: [REDACTED], ok","#.repeat(50_000));
        assert_eq!(rules.scrub_json_owned(inside), cut);
    }

    /// Operators and paths are not pairs, and a separator inside a value
    /// already cut is not read again.
    #[test]
    fn operators_paths_and_cut_values_are_not_pairs() {
        let rules = on();
        for text in [
            "if token==abc",
            "token=>abc",
            "token<=3",
            "token>=3",
            "use token::Store;",
        ] {
            assert_eq!(rules.scrub_text(text), text, "{text}");
        }
        assert_eq!(rules.scrub("password=token=x y"), "password=[REDACTED] y");
        assert_eq!(
            rules.scrub_text("{password: a: b, token: c}"),
            "{password: [REDACTED], token: [REDACTED]}"
        );
    }

    /// JSON whose keys were judged as written: its keys are passed over
    /// (one with a secret name stays: the writer already cut its value),
    /// while inside its strings secret pairs are cut and the JSON stays
    /// JSON. Regression: as `Debug` text, a pair inside a string was cut to
    /// the next comma or bracket, quotes and structure with it.
    #[test]
    fn json_judged_as_written_is_read_inside_its_strings() {
        let rules = on();
        let value = serde_json::json!({
            "api_key": "left to the writer",
            "token": 5,
            "note": "token: abc123, then more",
            "url": "https://h/x?password=hunter2&x=1",
            "args": "{\"api_key\": \"k-1\", \"n\": 2}",
            "cut": "{\"token\": \"no end",
            "k\\": "an escaped backslash ends this key",
            "use": "sk-proj-abcdefghijklmnopqrstuvwx now",
        });
        let scrubbed = rules.scrub_json_owned(value.to_string());
        let read: serde_json::Value = serde_json::from_str(&scrubbed).unwrap();
        assert_eq!(
            read,
            serde_json::json!({
                "api_key": "left to the writer",
                "token": 5,
                "note": "token: [REDACTED], then more",
                "url": "https://h/x?password=[REDACTED]&x=1",
                "args": "{\"api_key\": \"[REDACTED]\", \"n\": 2}",
                "cut": "{\"token\": \"[REDACTED]\"",
                "k\\": "an escaped backslash ends this key",
                "use": "[REDACTED] now",
            })
        );
        // The same as `Debug` text, of which JSON is a case: keys read.
        let text = r#"{"note":"token: abc123","model":"m"}"#;
        assert_eq!(
            rules.scrub_json_owned(text.to_owned()),
            r#"{"note":"token: [REDACTED]","model":"m"}"#
        );
        assert_eq!(
            rules.scrub_text(r#"Req { body: "{\"password\": \"p\"}" }"#),
            r#"Req { body: "{\"password\": \"[REDACTED]\"}" }"#
        );
        assert_eq!(
            rules.scrub(r#"sent {\"token\":\"t-1\"} ok"#),
            r#"sent {\"token\":\"[REDACTED]\"} ok"#
        );
    }

    /// Quoted names and values inside strings (JSON in JSON): a value ends
    /// at the escaped quote that closes it, past other escapes, or at the
    /// raw quote that ends the string around it; a name is read only when
    /// both its quotes are escaped, or neither.
    #[test]
    fn escaped_quotes_are_read_as_quotes_inside_a_string() {
        let rules = on();
        for (text, expected) in [
            (r#"x {\"token\": \"abc"#, r#"x {\"token\": \"[REDACTED]\""#),
            (
                r#"{\"token\": \"abc\ndef\", \"n\": 1}"#,
                r#"{\"token\": \"[REDACTED]\", \"n\": 1}"#,
            ),
            (r#"x\token": "v""#, r#"x\token": "v""#),
            (r#""token\": \"v\""#, r#""token\": \"v\""#),
            ("\":x", "\":x"),
        ] {
            assert_eq!(rules.scrub(text), expected, "{text}");
        }
        // An escaped backslash, then the raw quote that ends the string: the
        // value stops there, and the JSON around it stays JSON.
        let json = r#"{"a":"{\"token\": \"t\\"}"#;
        let scrubbed = rules.scrub_json_owned(json.to_owned());
        assert_eq!(scrubbed, r#"{"a":"{\"token\": \"[REDACTED]\""}"#);
        assert!(serde_json::from_str::<serde_json::Value>(&scrubbed).is_ok());
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
