//! Parsing the arguments of `#[observe(...)]`. Every error is spanned on the
//! token that is wrong.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{
    Expr, Ident, Lit, LitBool, LitInt, LitStr, Path, Token, braced, bracketed, parenthesized,
};

/// The kinds `kind = "…"` accepts, with the `ObservationKind` variant of each.
pub(crate) const KINDS: &[(&str, &str)] = &[
    ("llm", "Llm"),
    ("tool", "Tool"),
    ("chain", "Chain"),
    ("agent", "Agent"),
    ("prompt", "Prompt"),
    ("embedding", "Embedding"),
    ("retriever", "Retriever"),
];

/// The parsed arguments.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    /// The `ObservationKind` variant, and the literal it came from.
    pub(crate) kind: Option<(Ident, LitStr)>,
    pub(crate) tags: Vec<LitStr>,
    pub(crate) metadata: Vec<(LitStr, String)>,
    pub(crate) pricing: Option<Expr>,
    pub(crate) capture_input: Option<LitBool>,
    pub(crate) capture_output: Option<LitBool>,
    pub(crate) capture_limit: Option<LitInt>,
    pub(crate) skip: Vec<Ident>,
    pub(crate) skip_all: bool,
    pub(crate) redact: Vec<Ident>,
    pub(crate) redaction: Option<LitBool>,
    pub(crate) model: Option<LitStr>,
    pub(crate) provider: Option<LitStr>,
    pub(crate) krate: Option<Path>,
    /// Arguments seen, to refuse duplicates.
    seen: Vec<String>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let key: Ident = if input.peek(Token![crate]) {
                let token: Token![crate] = input.parse()?;
                Ident::new("crate", token.span)
            } else {
                input.parse()?
            };
            let name = key.to_string();
            let canonical = if name == "as_type" {
                "kind"
            } else {
                name.as_str()
            };
            if args.seen.iter().any(|s| s == canonical) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("duplicate argument `{name}`"),
                ));
            }
            args.seen.push(canonical.to_owned());
            match name.as_str() {
                "name" => args.name = Some(value(input)?),
                "kind" | "as_type" => {
                    let lit: LitStr = value(input)?;
                    let Some((_, variant)) = KINDS.iter().find(|(k, _)| *k == lit.value()) else {
                        let expected: Vec<_> =
                            KINDS.iter().map(|(k, _)| format!("\"{k}\"")).collect();
                        return Err(syn::Error::new(
                            lit.span(),
                            format!(
                                "unknown kind {:?}: expected one of {}",
                                lit.value(),
                                expected.join(", ")
                            ),
                        ));
                    };
                    args.kind = Some((Ident::new(variant, lit.span()), lit));
                }
                "tags" => {
                    input.parse::<Token![=]>()?;
                    let content;
                    bracketed!(content in input);
                    args.tags = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
                        .into_iter()
                        .collect();
                }
                "metadata" => {
                    input.parse::<Token![=]>()?;
                    let content;
                    braced!(content in input);
                    args.metadata =
                        Punctuated::<MetadataPair, Token![,]>::parse_terminated(&content)?
                            .into_iter()
                            .map(|pair| (pair.key, pair.value))
                            .collect();
                }
                "pricing" => {
                    input.parse::<Token![=]>()?;
                    args.pricing = Some(input.parse()?);
                }
                "capture_input" => args.capture_input = Some(value(input)?),
                "capture_output" => args.capture_output = Some(value(input)?),
                "capture_limit" => {
                    let lit: LitInt = value(input)?;
                    lit.base10_parse::<usize>()?;
                    args.capture_limit = Some(lit);
                }
                "skip" => args.skip = idents(input)?,
                "redact" => args.redact = idents(input)?,
                "redaction" => args.redaction = Some(value(input)?),
                "model" => args.model = Some(non_empty(value(input)?)?),
                "provider" => args.provider = Some(non_empty(value(input)?)?),
                "skip_all" => args.skip_all = true,
                "crate" => {
                    input.parse::<Token![=]>()?;
                    args.krate = Some(input.call(Path::parse_mod_style)?);
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown argument `{name}`: expected name, kind (or as_type), tags, metadata, \
                             pricing, model, provider, capture_input, capture_output, capture_limit, skip, \
                             skip_all, redact, redaction or crate"
                        ),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

/// `= <value>`, with an error naming the expected type on the value.
fn value<T: Parse + Expected>(input: ParseStream<'_>) -> syn::Result<T> {
    input.parse::<Token![=]>()?;
    let fork = input.fork();
    input.parse::<T>().map_err(|_| {
        let span = fork
            .parse::<proc_macro2::TokenTree>()
            .map_or_else(|_| input.span(), |t| t.span());
        syn::Error::new(span, format!("expected {}", T::EXPECTED))
    })
}

/// A string literal that holds something.
fn non_empty(lit: LitStr) -> syn::Result<LitStr> {
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(lit.span(), "expected a non-empty string"));
    }
    Ok(lit)
}

trait Expected {
    const EXPECTED: &'static str;
}

impl Expected for LitStr {
    const EXPECTED: &'static str = "a string literal";
}

impl Expected for LitBool {
    const EXPECTED: &'static str = "`true` or `false`";
}

impl Expected for LitInt {
    const EXPECTED: &'static str = "an integer literal";
}

/// `(a, b, …)`.
fn idents(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    parenthesized!(content in input);
    Ok(Punctuated::<Ident, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect())
}

/// `"key": value` in `metadata = { … }`; the value is kept as text: a
/// string as is, a number or boolean as its literal, a nested object
/// (`{ "k": v, … }`) or array (`[v, …]`) as JSON.
struct MetadataPair {
    key: LitStr,
    value: String,
}

impl Parse for MetadataPair {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key: LitStr = input.parse()?;
        input.parse::<Token![:]>()?;
        let value = if input.peek(syn::token::Brace) || input.peek(syn::token::Bracket) {
            let mut json = String::new();
            json_value(input, &mut json)?;
            json
        } else {
            let lit: Lit = input.parse()?;
            match &lit {
                Lit::Str(s) => s.value(),
                other => scalar(other)?,
            }
        };
        Ok(Self { key, value })
    }
}

/// An integer, float or boolean literal as its JSON text.
fn scalar(lit: &Lit) -> syn::Result<String> {
    match lit {
        Lit::Int(i) => Ok(i.base10_digits().to_owned()),
        Lit::Float(f) => Ok(f.base10_digits().to_owned()),
        Lit::Bool(b) => Ok(b.value.to_string()),
        other => Err(syn::Error::new(
            other.span(),
            "metadata values are string, integer, float or boolean literals, \
             or objects `{ \"key\": value }` and arrays `[value]` of them",
        )),
    }
}

/// A metadata value nested in an object or array, written as JSON.
fn json_value(input: ParseStream<'_>, json: &mut String) -> syn::Result<()> {
    if input.peek(syn::token::Brace) {
        let content;
        braced!(content in input);
        json.push('{');
        let mut first = true;
        while !content.is_empty() {
            if !std::mem::take(&mut first) {
                json.push(',');
            }
            let key: LitStr = content.parse()?;
            json_string(&key.value(), json);
            content.parse::<Token![:]>()?;
            json.push(':');
            json_value(&content, json)?;
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        json.push('}');
    } else if input.peek(syn::token::Bracket) {
        let content;
        bracketed!(content in input);
        json.push('[');
        let mut first = true;
        while !content.is_empty() {
            if !std::mem::take(&mut first) {
                json.push(',');
            }
            json_value(&content, json)?;
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        json.push(']');
    } else {
        match input.parse::<Lit>()? {
            Lit::Str(s) => json_string(&s.value(), json),
            other => json.push_str(&scalar(&other)?),
        }
    }
    Ok(())
}

/// `text` as a JSON string.
fn json_string(text: &str, json: &mut String) {
    json.push('"');
    for c in text.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            c if u32::from(c) < 0x20 => json.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => json.push(c),
        }
    }
    json.push('"');
}

/// The path of the runtime crate: `crate = path`, else `::last9_genai`.
pub(crate) fn krate(args: &Args) -> Path {
    args.krate.clone().unwrap_or_else(|| {
        let mut path: Path = Ident::new("last9_genai", Span::call_site()).into();
        path.leading_colon = Some(Default::default());
        path
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(tokens: &str) -> String {
        syn::parse_str::<MetadataPair>(&format!("\"k\": {tokens}"))
            .map(|pair| pair.value)
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn metadata_values_as_text() {
        assert_eq!(value(r#""pro""#), "pro");
        assert_eq!(value("2"), "2");
        assert_eq!(value("0.5"), "0.5");
        assert_eq!(value("true"), "true");
        assert_eq!(
            value(r#"{ "tier": "pro", "limits": [1, 2.5, false], "q\"x\n": {} }"#),
            r#"{"tier":"pro","limits":[1,2.5,false],"q\"x\n":{}}"#
        );
        assert_eq!(value("[]"), "[]");
        assert!(value("'c'").starts_with("error: metadata values are"));
        assert!(value("{ tier: 1 }").starts_with("error:"));
    }
}
