//! Which parameters are captured, and which of them are redacted.

use syn::{FnArg, Ident, ItemFn, Pat};

use crate::args::Args;

/// Words that make a parameter secret when they are one of the `_`-separated
/// segments of its name (`auth_token`, `db_password`), so that `max_tokens`
/// is not one.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "auth",
    "credential",
    "credentials",
    "apikey",
    "bearer",
    "cookie",
];

/// Secret names made of two segments.
const SECRET_PAIRS: &[&str] = &[
    "api_key",
    "private_key",
    "access_key",
    "secret_key",
    "session_key",
];

pub(crate) fn looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_PAIRS.iter().any(|pair| lower.contains(pair))
        || lower
            .split('_')
            .any(|segment| SECRET_WORDS.contains(&segment))
}

/// A parameter as captured.
pub(crate) struct Param {
    pub(crate) ident: Ident,
    pub(crate) redacted: bool,
}

/// The named parameters of `item` (not `self`, not patterns).
pub(crate) fn named(item: &ItemFn) -> Vec<&Ident> {
    item.sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(pat) => match &*pat.pat {
                Pat::Ident(ident) => Some(&ident.ident),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The parameters to capture, in order: all named ones but those skipped,
/// none with `skip_all` or `capture_input = false`.
pub(crate) fn captured(args: &Args, item: &ItemFn) -> Vec<Param> {
    if args.skip_all || args.capture_input.as_ref().is_some_and(|b| !b.value) {
        return Vec::new();
    }
    named(item)
        .into_iter()
        .filter(|ident| !args.skip.contains(ident))
        .map(|ident| Param {
            ident: ident.clone(),
            redacted: args.redact.contains(ident) || looks_secret(&unraw(ident)),
        })
        .collect()
}

/// The name of `ident` without `r#`.
pub(crate) fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::looks_secret;

    #[test]
    fn secret_names_are_whole_segments() {
        for name in [
            "password",
            "api_key",
            "openai_api_key",
            "auth_token",
            "token",
            "x_secret",
            "Authorization",
            "apikey",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "max_tokens",
            "tokens",
            "prompt",
            "author",
            "keyword",
            "secretary_name",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
