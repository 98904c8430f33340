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
