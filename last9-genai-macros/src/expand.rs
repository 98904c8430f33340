//! Code generation: the observed function keeps its signature, attributes and
//! body tokens; the body runs inside a closure (sync), an async block (async
//! fn) or is wrapped as a future (functions returning a future), with the
//! call's span current.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    FnArg, GenericArgument, Ident, ItemFn, LitStr, Pat, Path, PathArguments, ReturnType, Type,
    TypeImplTrait, TypeParamBound,
};

use crate::args::{Args, krate};

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

fn looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_PAIRS.iter().any(|pair| lower.contains(pair))
        || lower
            .split('_')
            .any(|segment| SECRET_WORDS.contains(&segment))
}

/// How the function gives its result.
enum Shape {
    /// A plain function: the body's value.
    Sync,
    /// `async fn`.
    Async,
    /// `-> impl Future<Output = T>`; `T` when named.
    ImplFuture(Option<Type>),
    /// `-> Pin<Box<dyn Future<Output = T> …>>`, as `#[async_trait]` makes.
    BoxedFuture(Option<Type>),
}

/// A parameter as captured.
struct Param {
    ident: Ident,
    redacted: bool,
}

pub(crate) fn expand(args: Args, item: ItemFn) -> syn::Result<TokenStream> {
    check_supported(&item)?;
    let params = params(&args, &item)?;
    let krate = krate(&args);
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = &item;

    let name = args
        .name
        .clone()
        .unwrap_or_else(|| LitStr::new(&sig.ident.to_string(), sig.ident.span()));
    let kind = args
        .kind
        .as_ref()
        .map_or_else(|| Ident::new("Llm", Span::call_site()), |(k, _)| k.clone());
    let tags = &args.tags;
    // Full attribute keys, made here so that no call formats them.
    let metadata = args.metadata.iter().map(|(k, v)| {
        let key = LitStr::new(&format!("metadata.{}", k.value()), k.span());
        quote!((#key, #v))
    });
    let capture_input = args.capture_input.as_ref().is_none_or(|b| b.value);
    let capture_output = args.capture_output.as_ref().is_none_or(|b| b.value);
    let capture_limit = match &args.capture_limit {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let with_pricing = args.pricing.as_ref().map(|expr| {
        quote_spanned! {expr.span()=>
            .with_pricing({
                static __L9_PRICING: ::std::sync::OnceLock<::core::option::Option<#krate::__private::PricingTable>> =
                    ::std::sync::OnceLock::new();
                __L9_PRICING
                    .get_or_init(|| #krate::__private::IntoPricing::into_pricing(&(#expr)))
                    .as_ref()
            })
        }
    });

    let captures = params.iter().map(|p| {
        let ident = &p.ident;
        let key = format!("function.arg.{}", unraw(ident));
        let name = unraw(ident);
        if p.redacted {
            quote! {
                __l9_obs.redacted(#key, #name);
            }
        } else {
            quote! {
                __l9_obs.arg(#key, #name, (&&&&#krate::__private::Wrap(&#ident)).l9_capture(__l9_limit));
            }
        }
    });
    let prologue = quote! {
        static __L9_META: #krate::__private::Meta = #krate::__private::Meta {
            name: #name,
            kind: #krate::__private::ObservationKind::#kind,
            tags: &[#(#tags),*],
            metadata: &[#(#metadata),*],
            capture_input: #capture_input,
            capture_output: #capture_output,
            capture_limit: #capture_limit,
        };
        #[allow(unused_mut)]
        let mut __l9_obs = #krate::__private::Observation::start(&__L9_META) #with_pricing;
        if __l9_obs.captures_input() {
            #[allow(unused_imports)]
            use #krate::__private::{CaptureDebug as _, CaptureName as _, CaptureNative as _, CaptureSerialize as _};
            let __l9_limit = __l9_obs.limit();
            #(#captures)*
            __l9_obs.args_done();
        }
    };

    let output = match &sig.output {
        ReturnType::Type(_, ty) => Some(&**ty),
        ReturnType::Default => None,
    };
    let shape = if sig.asyncness.is_some() {
        Shape::Async
    } else {
        output.map_or(Shape::Sync, future_shape)
    };

    let body = match shape {
        Shape::Sync => {
            let finish = finish(&krate, quote!(__l9_obs), quote!(&__l9_ret), output);
            let body = typed_body(block, output);
            quote! {
                #prologue
                let __l9_guard = __l9_obs.enter();
                #[allow(clippy::redundant_closure_call)]
                let __l9_ret = (move || #body)();
                ::core::mem::drop(__l9_guard);
                #finish
                __l9_ret
            }
        }
        Shape::Async => {
            let finish = finish(&krate, quote!(__l9_obs), quote!(&__l9_ret), output);
            let body = typed_body(block, output);
            quote! {
                #prologue
                let __l9_ret = __l9_obs.instrument(async move #body).await;
                #finish
                __l9_ret
            }
        }
        Shape::ImplFuture(ref out) | Shape::BoxedFuture(ref out) => {
            let boxed = matches!(shape, Shape::BoxedFuture(_));
            let out_ty = out.as_ref().filter(|t| !has_impl(t));
            let done = match out_ty {
                Some(t) => {
                    let finish = finish(&krate, quote!(__l9_obs), quote!(__l9_out), Some(t));
                    quote!(|__l9_obs: #krate::__private::Observation, __l9_out: &#t| { #finish })
                }
                None => quote!(|__l9_obs: #krate::__private::Observation, _: &_| {
                    __l9_obs.finish_ok(::core::default::Default::default())
                }),
            };
            let wrapped = quote!(#krate::__private::ObservedFuture::new(__l9_obs, __l9_fut, #done));
            let (wrapped, annotation) = if boxed {
                (
                    quote!(::std::boxed::Box::pin(#wrapped)),
                    output.map(|ty| quote!(: #ty)),
                )
            } else {
                (wrapped, None)
            };
            quote! {
                #prologue
                let __l9_guard = __l9_obs.enter();
                #[allow(clippy::redundant_closure_call)]
                let __l9_fut = (move || #block)();
                ::core::mem::drop(__l9_guard);
                let __l9_ret #annotation = #wrapped;
                __l9_ret
            }
        }
    };

    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #body
        }
    })
}

/// The body as the value of a `let` typed with the declared return type:
/// it drives inference (`?` converts into the declared error type) and a
/// mismatch is reported on the user's own tail expression. `return` in the
/// body leaves the closure or async block it runs in, as it left the
/// function.
fn typed_body(block: &syn::Block, output: Option<&Type>) -> TokenStream {
    match nameable(output) {
        Some(ty) => quote! {{
            #[allow(clippy::let_and_return)]
            let __l9_body: #ty = #block;
            __l9_body
        }},
        None => quote!(#block),
    }
}

/// Ends the observation with the value at `value` (an expression of type
/// `&T`): `Err` ends it with an error; anything else is read for output.
fn finish(krate: &Path, obs: TokenStream, value: TokenStream, ty: Option<&Type>) -> TokenStream {
    let output = |v: TokenStream| {
        quote! {{
            #[allow(unused_imports)]
            use #krate::__private::{
                OutputDebug as _, OutputKnown as _, OutputNative as _, OutputNone as _, OutputSerialize as _,
            };
            let __l9_limit = #obs.limit();
            (&&&&&#krate::__private::Wrap(#v)).l9_output(__l9_limit)
        }}
    };
    if ty.is_some_and(is_result) {
        let ok = output(quote!(__l9_v));
        quote! {
            if #obs.is_recording() {
                match #value {
                    ::core::result::Result::Ok(__l9_v) => {
                        let __l9_output = #ok;
                        #obs.finish_ok(__l9_output);
                    }
                    ::core::result::Result::Err(__l9_e) => {
                        #[allow(unused_imports)]
                        use #krate::__private::{ErrorDebug as _, ErrorDisplay as _, ErrorName as _};
                        let __l9_message = (&&&#krate::__private::Wrap(__l9_e)).l9_message();
                        #obs.finish_err(#krate::__private::type_name_of(__l9_e), __l9_message);
                    }
                }
            }
        }
    } else {
        let out = output(value);
        quote! {
            if #obs.is_recording() {
                let __l9_output = #out;
                #obs.finish_ok(__l9_output);
            }
        }
    }
}

fn check_supported(item: &ItemFn) -> syn::Result<()> {
    let sig = &item.sig;
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "#[observe] cannot be used on a `const fn`: a span cannot be made at compile time",
        ));
    }
    if let Some(abi) = &sig.abi {
        return Err(syn::Error::new(
            abi.span(),
            "#[observe] cannot be used on an `extern` function",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            "#[observe] cannot be used on a variadic function",
        ));
    }
    Ok(())
}

fn params(args: &Args, item: &ItemFn) -> syn::Result<Vec<Param>> {
    let named: Vec<&Ident> = item
        .sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(pat) => match &*pat.pat {
                Pat::Ident(ident) => Some(&ident.ident),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .collect();
    for ident in args.skip.iter().chain(&args.redact) {
        if !named.contains(&ident) {
            return Err(syn::Error::new(
                ident.span(),
                format!("`{ident}` is not a parameter of `{}`", item.sig.ident),
            ));
        }
    }
    if args.skip_all || args.capture_input.as_ref().is_some_and(|b| !b.value) {
        return Ok(Vec::new());
    }
    Ok(named
        .into_iter()
        .filter(|ident| !args.skip.contains(ident))
        .map(|ident| Param {
            ident: ident.clone(),
            redacted: args.redact.contains(ident) || looks_secret(&unraw(ident)),
        })
        .collect())
}

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// The shape of a function returning `ty`.
fn future_shape(ty: &Type) -> Shape {
    match ty {
        Type::ImplTrait(TypeImplTrait { bounds, .. }) => {
            future_output(bounds.iter()).map_or(Shape::Sync, Shape::ImplFuture)
        }
        Type::Path(path) => {
            // Pin<Box<dyn Future<Output = T> + …>>
            let last = path.path.segments.last();
            let inner = last
                .filter(|s| s.ident == "Pin")
                .and_then(|s| single_type_arg(&s.arguments))
                .and_then(|box_ty| match box_ty {
                    Type::Path(p) => p.path.segments.last().filter(|s| s.ident == "Box"),
                    _ => None,
                })
                .and_then(|s| single_type_arg(&s.arguments));
            match inner {
                Some(Type::TraitObject(object)) => {
                    future_output(object.bounds.iter()).map_or(Shape::Sync, Shape::BoxedFuture)
                }
                _ => Shape::Sync,
            }
        }
        _ => Shape::Sync,
    }
}

/// `Some(Some(T))` for a `Future<Output = T>` bound, `Some(None)` for a
/// `Future` bound without `Output`, `None` when no bound is `Future`.
fn future_output<'a>(bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Option<Type>> {
    bounds
        .filter_map(|bound| match bound {
            TypeParamBound::Trait(t) => t.path.segments.last(),
            _ => None,
        })
        .find(|segment| segment.ident == "Future")
        .map(|segment| match &segment.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                GenericArgument::AssocType(assoc) if assoc.ident == "Output" => {
                    Some(assoc.ty.clone())
                }
                _ => None,
            }),
            _ => None,
        })
}

fn single_type_arg(arguments: &PathArguments) -> Option<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// Whether `ty` is a `Result` (any path ending in `Result`, so aliases such
/// as `io::Result<T>` and `anyhow::Result<T>` count).
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Result"),
        Type::Paren(inner) => is_result(&inner.elem),
        Type::Group(inner) => is_result(&inner.elem),
        _ => false,
    }
}

/// The return type, when it can be written in a `let` (no `impl Trait`).
fn nameable(ty: Option<&Type>) -> Option<&Type> {
    ty.filter(|t| !has_impl(t))
}

fn has_impl(ty: &Type) -> bool {
    struct FindImpl(bool);
    impl syn::visit_mut::VisitMut for FindImpl {
        fn visit_type_impl_trait_mut(&mut self, _: &mut TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = FindImpl(false);
    syn::visit_mut::VisitMut::visit_type_mut(&mut finder, &mut ty.clone());
    finder.0
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
