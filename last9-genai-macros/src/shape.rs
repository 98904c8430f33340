//! What the signature says: how the function gives its result, whether it
//! returns a `Result`, and whether its return type can be written in a `let`.

use syn::{
    GenericArgument, PathArguments, ReturnType, Signature, Type, TypeImplTrait, TypeParamBound,
};

/// How the function gives its result.
pub(crate) enum Shape {
    /// A plain function: the body's value.
    Sync,
    /// `async fn`.
    Async,
    /// `-> impl Future<Output = T>`; `T` when named.
    ImplFuture(Option<Type>),
    /// `-> Pin<Box<dyn Future<Output = T> …>>`, as `#[async_trait]` makes.
    BoxedFuture(Option<Type>),
}

impl Shape {
    /// The shape of `sig`.
    pub(crate) fn of(sig: &Signature) -> Self {
        if sig.asyncness.is_some() {
            Self::Async
        } else {
            output(sig).map_or(Self::Sync, future_shape)
        }
    }
}

/// The declared return type, if any.
pub(crate) fn output(sig: &Signature) -> Option<&Type> {
    match &sig.output {
        ReturnType::Type(_, ty) => Some(ty),
        ReturnType::Default => None,
    }
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
pub(crate) fn is_result(ty: &Type) -> bool {
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

/// Whether a value of `ty` can never be a model response: no return value,
/// a number, a boolean, a character or text, or a `Result` or `Option` of
/// one. Any other type may be (a `serde_json::Value`, a client's response
/// type, a generic).
pub(crate) fn never_a_response(ty: Option<&Type>) -> bool {
    const PLAIN: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char", "str", "String",
    ];
    let Some(ty) = ty else {
        return true;
    };
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Reference(reference) => never_a_response(Some(&reference.elem)),
        Type::Paren(inner) => never_a_response(Some(&inner.elem)),
        Type::Group(inner) => never_a_response(Some(&inner.elem)),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            if name == "Result" || name == "Option" {
                return single_type_arg(&last.arguments).is_some_and(|t| never_a_response(Some(t)));
            }
            PLAIN.contains(&name.as_str()) && last.arguments.is_empty()
        }
        _ => false,
    }
}

/// The return type, when it can be written in a `let` (no `impl Trait`).
pub(crate) fn nameable(ty: Option<&Type>) -> Option<&Type> {
    ty.filter(|t| !has_impl(t))
}

pub(crate) fn has_impl(ty: &Type) -> bool {
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
    use super::*;

    #[test]
    fn what_can_never_be_a_model_response() {
        let never = |ty: &str| never_a_response(Some(&syn::parse_str::<Type>(ty).unwrap()));
        for ty in [
            "u32",
            "String",
            "&str",
            "&'static str",
            "()",
            "Result<String, Error>",
            "Option<f64>",
            "io::Result<bool>",
        ] {
            assert!(never(ty), "{ty}");
        }
        for ty in [
            "serde_json::Value",
            "Json",
            "Result<Response, E>",
            "T",
            "Vec<String>",
            "(u32, u32)",
            "Box<dyn Any>",
        ] {
            assert!(!never(ty), "{ty}");
        }
        assert!(never_a_response(None));
    }
}
