//! Checks made before any code is generated. Each error is spanned on the
//! token at fault; on error the macro emits the error and the function
//! unchanged, so that its callers get no second error.

use syn::ItemFn;
use syn::spanned::Spanned;

use crate::args::Args;
use crate::params::named;

/// Whether `#[observe]` with `args` can go on `item`.
pub(crate) fn validate(args: &Args, item: &ItemFn) -> syn::Result<()> {
    check_supported(item)?;
    check_parameters(args, item)
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

/// Every parameter named by `skip` or `redact` exists.
fn check_parameters(args: &Args, item: &ItemFn) -> syn::Result<()> {
    let named = named(item);
    for ident in args.skip.iter().chain(&args.redact) {
        if !named.contains(&ident) {
            return Err(syn::Error::new(
                ident.span(),
                format!("`{ident}` is not a parameter of `{}`", item.sig.ident),
            ));
        }
    }
    Ok(())
}
