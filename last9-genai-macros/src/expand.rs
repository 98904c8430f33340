//! Code generation: the observed function keeps its signature, attributes and
//! body tokens; the body runs inside a closure (sync), an async block (async
//! fn) or is wrapped as a future (functions returning a future), with the
//! call's span current. Everything here runs after `validate`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, Ident, ItemFn, LitStr, Path, Type};

use crate::args::{Args, krate};
use crate::params::{
    Param, asks_a_model, model_sources, named, request_parameter_sources, tool_call_id_source,
    unraw,
};
use crate::shape::{self, Shape, has_impl, is_result, nameable};

/// The observed function.
pub(crate) fn expand(args: &Args, item: &ItemFn, params: &[Param]) -> TokenStream {
    let krate = krate(args);
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let prologue = prologue(args, item, params, &krate);
    let output = shape::output(sig);
    let body = match Shape::of(sig) {
        Shape::Sync => sync_body(&krate, prologue, block, output),
        Shape::Async => async_body(&krate, prologue, block, output),
        Shape::ImplFuture(out) => future_body(&krate, prologue, block, out.as_ref(), None),
        Shape::BoxedFuture(out) => future_body(&krate, prologue, block, out.as_ref(), Some(output)),
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #body
        }
    }
}

/// What every shape runs first: the function's static description, the
/// observation's start, and the capture of its arguments.
fn prologue(args: &Args, item: &ItemFn, params: &[Param], krate: &Path) -> TokenStream {
    let sig = &item.sig;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| LitStr::new(&sig.ident.to_string(), sig.ident.span()));
    let kind = args
        .kind
        .as_ref()
        .map_or_else(|| Ident::new("Llm", Span::call_site()), |(k, _)| k.clone());
    let tags = &args.tags;
    // Full attribute keys, made at compile time so that no call formats
    // them; the prefix is the runtime's, from `attributes`.
    let metadata = args.metadata.iter().map(|(k, v)| {
        quote_spanned!(k.span()=> (::core::concat!(#krate::__private::metadata_prefix!(), #k), #v))
    });
    let capture_input = args.capture_input.as_ref().is_none_or(|b| b.value);
    let capture_output = args.capture_output.as_ref().is_none_or(|b| b.value);
    let redaction = args.redaction.as_ref().is_none_or(|b| b.value);
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
    let optional = |lit: &Option<LitStr>| match lit {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    };
    let (model, provider) = (optional(&args.model), optional(&args.provider));
    let may_respond = !shape::never_a_response(shape::output(sig));
    let prices = args.pricing.is_some();
    let request_model = request_model(args, item, krate);
    let client_provider = client_provider(args, item, krate);
    let parameters = request_parameters(args, item, krate);
    let (record, capture) = if asks_a_model(args) {
        (quote!(arg_request), quote!(l9_capture_request))
    } else {
        (quote!(arg), quote!(l9_capture))
    };
    let captures = params.iter().map(|p| {
        let ident = &p.ident;
        let name = unraw(ident);
        let key = quote!(::core::concat!(#krate::__private::function_arg_prefix!(), #name));
        if p.redacted {
            quote! {
                __l9_obs.redacted(#key, #name);
            }
        } else {
            quote! {
                {
                    static __L9_SECRET: #krate::__private::SecretName = #krate::__private::SecretName::new();
                    if __l9_obs.secret(#name, &__L9_SECRET) {
                        __l9_obs.redacted(#key, #name);
                    } else {
                        __l9_obs.#record(#key, #name, (&&&&#krate::__private::Wrap(&#ident)).#capture(__l9_bounds));
                    }
                }
            }
        }
    });
    quote! {
        static __L9_META: #krate::__private::Meta = #krate::__private::Meta {
            name: #name,
            kind: #krate::__private::ObservationKind::#kind,
            tags: &[#(#tags),*],
            metadata: &[#(#metadata),*],
            capture_input: #capture_input,
            capture_output: #capture_output,
            capture_limit: #capture_limit,
            redact: #redaction,
            model: #model,
            provider: #provider,
            may_respond: #may_respond,
            prices: #prices,
            said: #krate::__private::Said::new(),
        };
        #[allow(unused_mut)]
        let mut __l9_obs = #krate::__private::Observation::start(&__L9_META, #request_model, #client_provider) #with_pricing;
        #parameters
        if __l9_obs.captures_input() {
            #[allow(unused_imports)]
            use #krate::__private::{CaptureDebug as _, CaptureName as _, CaptureNative as _, CaptureSerialize as _};
            let __l9_bounds = __l9_obs.bounds();
            #(#captures)*
            __l9_obs.args_done();
        }
    }
}

/// The model the call asks for, read from its arguments at span start: a
/// request type the runtime knows, or the text of a parameter named `model`.
/// The first argument that tells wins.
fn request_model(args: &Args, item: &ItemFn, krate: &Path) -> TokenStream {
    let probes = model_sources(args, item)
        .into_iter()
        .map(|(ident, named_model)| {
            let text = named_model.then(|| quote!(ModelText as _,));
            quote! {
                .or_else(|| {
                    #[allow(unused_imports)]
                    use #krate::__private::{ModelKnown as _, #text ModelNone as _};
                    (&&&#krate::__private::Wrap(&#ident)).l9_model()
                })
            }
        });
    quote!(::core::option::Option::None #(#probes)*)
}

/// The provider a client argument tells (`last9_genai::ProviderHint`), read
/// at span start. The first argument that tells wins.
fn client_provider(args: &Args, item: &ItemFn, krate: &Path) -> TokenStream {
    if !asks_a_model(args) {
        return quote!(::core::option::Option::None);
    }
    let probes = named(item).into_iter().map(|ident| {
        quote! {
            .or_else(|| {
                #[allow(unused_imports)]
                use #krate::__private::{ProviderKnown as _, ProviderNone as _};
                (&&#krate::__private::Wrap(&#ident)).l9_provider()
            })
        }
    });
    quote!(::core::option::Option::None #(#probes)*)
}

/// The request parameters named by the function's parameters
/// (`temperature`, `max_tokens`, …), as `gen_ai.request.*`, as the Python
/// SDK reads them from keyword arguments; and a tool's call id, from a
/// parameter named `tool_call_id` or `call_id`.
fn request_parameters(args: &Args, item: &ItemFn, krate: &Path) -> Option<TokenStream> {
    let mut calls: Vec<TokenStream> = request_parameter_sources(args, item)
        .into_iter()
        .map(|(ident, name)| {
            quote! {
                __l9_obs.request_parameter(#name, (&&&&#krate::__private::Wrap(&#ident)).l9_capture(#krate::__private::Bounds::new(64, false)));
            }
        })
        .collect();
    calls.extend(tool_call_id_source(args, item).map(|ident| {
        quote! {
            __l9_obs.tool_call_id((&&&&#krate::__private::Wrap(&#ident)).l9_capture(#krate::__private::Bounds::new(256, false)));
        }
    }));
    (!calls.is_empty()).then(|| {
        quote! {
            if __l9_obs.is_recording() {
                #[allow(unused_imports)]
                use #krate::__private::{CaptureDebug as _, CaptureName as _, CaptureNative as _, CaptureSerialize as _};
                #(#calls)*
            }
        }
    })
}

/// A plain function: the body runs in a closure with the span current.
fn sync_body(
    krate: &Path,
    prologue: TokenStream,
    block: &Block,
    output: Option<&Type>,
) -> TokenStream {
    let follow = follow(krate, output);
    // The closure's return type drives inference as the function's did (`?`
    // converts into the declared error type), and a body that diverges
    // (`todo!()`) leaves no code of ours unreachable.
    let body = match nameable(output) {
        Some(ty) => quote!(move || -> #ty #block),
        None => quote!(move || #block),
    };
    quote! {
        #prologue
        let __l9_guard = __l9_obs.enter();
        let __l9_ret = #krate::__private::note_panic(#body);
        ::core::mem::drop(__l9_guard);
        #follow
    }
}

/// `async fn`: the body runs in an async block with the span current on
/// every poll.
fn async_body(
    krate: &Path,
    prologue: TokenStream,
    block: &Block,
    output: Option<&Type>,
) -> TokenStream {
    let follow = follow(krate, output);
    let body = typed_body(block, output);
    quote! {
        #prologue
        let __l9_ret = __l9_obs.instrument(async move #body).await;
        #follow
    }
}

/// A function returning a future: the body makes the future with the span
/// current, and the future is wrapped so that the span follows it to its
/// end. `boxed` holds the declared return type of a `Pin<Box<dyn Future>>`.
fn future_body(
    krate: &Path,
    prologue: TokenStream,
    block: &Block,
    out: Option<&Type>,
    boxed: Option<Option<&Type>>,
) -> TokenStream {
    let done = match out.filter(|t| !has_impl(t)) {
        Some(t) => {
            let finish = finish(krate, quote!(__l9_obs), quote!(__l9_out), Some(t));
            quote!(|__l9_obs: #krate::__private::Observation, __l9_out: &#t| { #finish })
        }
        None => quote!(|__l9_obs: #krate::__private::Observation, _: &_| {
            __l9_obs.finish_ok(::core::default::Default::default())
        }),
    };
    let wrapped = quote!(#krate::__private::ObservedFuture::new(__l9_obs, __l9_fut, #done));
    let (wrapped, annotation) = match boxed {
        Some(declared) => (
            quote!(::std::boxed::Box::pin(#wrapped)),
            declared.map(|ty| quote!(: #ty)),
        ),
        None => (wrapped, None),
    };
    quote! {
        #prologue
        let __l9_guard = __l9_obs.enter();
        let __l9_fut = #krate::__private::note_panic(move || #block);
        ::core::mem::drop(__l9_guard);
        let __l9_ret #annotation = #wrapped;
        __l9_ret
    }
}

/// The body as the value of a `let` typed with the declared return type:
/// it drives inference (`?` converts into the declared error type) and a
/// mismatch is reported on the user's own tail expression. `return` in the
/// body leaves the closure or async block it runs in, as it left the
/// function.
fn typed_body(block: &Block, output: Option<&Type>) -> TokenStream {
    match nameable(output) {
        Some(ty) => quote! {{
            // A body that diverges (`todo!()`) makes the rest unreachable.
            #[allow(clippy::diverging_sub_expression)]
            let __l9_body: #ty = #block;
            #[allow(unreachable_code, clippy::needless_return)]
            return __l9_body;
        }},
        None => quote!(#block),
    }
}

/// The function's value, `__l9_ret`, given back: a stream the span can
/// follow is wrapped so that the span ends with it; anything else ends the
/// span now (see `observe::follow` in the runtime; a return type that is
/// plainly no stream skips the question). Streams of a concrete
/// type cannot be wrapped, so only a return type written with `impl` is
/// followed whatever its stream.
fn follow(krate: &Path, output: Option<&Type>) -> TokenStream {
    // Nothing, a number or text is no stream: the span ends here, with no
    // detour.
    if shape::never_a_response(output) {
        let finish = finish(krate, quote!(__l9_obs), quote!(&__l9_ret), output);
        return quote! {
            #finish
            __l9_ret
        };
    }
    let finish = finish(krate, quote!(__l9_obs), quote!(__l9_ret), output);
    let any_stream = output.filter(|ty| has_impl(ty)).map(|_| {
        quote!(
            FollowImplResult as _,
            FollowImpl as _,
            FollowImplItems as _,
            FollowImplIter as _,
            FollowImplIterItems as _,
        )
    });
    quote! {
        {
            #[allow(unused_imports)]
            use #krate::__private::{FollowBoxed as _, #any_stream FollowNot as _, FollowNone as _};
            (&&&&&&&&#krate::__private::Returned::of(&__l9_ret)).l9_follow()
        }
        .follow(__l9_obs, __l9_ret, |__l9_obs, __l9_ret| { #finish })
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
            let __l9_bounds = #obs.bounds();
            (&&&&&#krate::__private::Wrap(#v)).l9_output(__l9_bounds)
        }}
    };
    if ty.is_some_and(is_result) {
        let ok = output(quote!(__l9_v));
        quote! {
            if #obs.reads_output() {
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
            if #obs.reads_output() {
                let __l9_output = #out;
                #obs.finish_ok(__l9_output);
            }
        }
    }
}
