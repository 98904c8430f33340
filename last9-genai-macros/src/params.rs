//! Which parameters are captured, and which of them the user asked to
//! redact (parameters with secret names the runtime redacts by its rules).

use syn::{FnArg, Ident, ItemFn, Pat};

use crate::args::Args;

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
            redacted: args.redact.contains(ident),
        })
        .collect()
}

/// The parameters that may name the model a call asks for: all named ones
/// but those the user asked to redact, and none unless the function is a
/// model call (kind `llm` or `embedding`). `true` marks a parameter named
/// `model`, whose text is the model's name.
pub(crate) fn model_sources(args: &Args, item: &ItemFn) -> Vec<(Ident, bool)> {
    if !asks_a_model(args) {
        return Vec::new();
    }
    named(item)
        .into_iter()
        .filter(|ident| !args.redact.contains(ident))
        .map(|ident| (ident.clone(), unraw(ident) == "model"))
        .collect()
}

/// The request parameters the conventions name, which a parameter of the
/// same name gives.
const REQUEST_PARAMETERS: [&str; 5] = [
    "temperature",
    "top_p",
    "max_tokens",
    "frequency_penalty",
    "presence_penalty",
];

/// The parameters of a model call named like a request parameter, with
/// that name.
pub(crate) fn request_parameter_sources(args: &Args, item: &ItemFn) -> Vec<(Ident, String)> {
    if !asks_a_model(args) {
        return Vec::new();
    }
    named(item)
        .into_iter()
        .map(|ident| (ident.clone(), unraw(ident)))
        .filter(|(_, name)| REQUEST_PARAMETERS.contains(&name.as_str()))
        .collect()
}

/// On a tool, the parameter that holds the id of the call the model asked
/// for: one named `tool_call_id` or `call_id`.
pub(crate) fn tool_call_id_source(args: &Args, item: &ItemFn) -> Option<Ident> {
    let is_tool = args
        .kind
        .as_ref()
        .is_some_and(|(_, lit)| lit.value() == "tool");
    if !is_tool {
        return None;
    }
    named(item)
        .into_iter()
        .find(|ident| matches!(unraw(ident).as_str(), "tool_call_id" | "call_id"))
        .cloned()
}

/// Whether the function is a model call: kind `llm` (the default) or
/// `embedding`. Its arguments are read for the model and the messages.
pub(crate) fn asks_a_model(args: &Args) -> bool {
    args.kind
        .as_ref()
        .is_none_or(|(_, lit)| matches!(lit.value().as_str(), "llm" | "embedding"))
}

/// The name of `ident` without `r#`.
pub(crate) fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}
