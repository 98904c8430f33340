//! The builder of a scope of custom attributes: `custom_attributes([..])`.

use std::sync::Arc;

use opentelemetry::{Context, Key, Value};

use super::state::Layer;
use super::{IntoScope, ScopeGuard, enter, scope, sealed};
use crate::attributes::CUSTOM_PREFIX;

/// Starts a scope of custom attributes: a pair `("tenant", "acme")` puts
/// `custom.tenant = "acme"` on every span inside. Keys are always prefixed,
/// so a custom key can never overwrite a typed key such as
/// `gen_ai.conversation.id`. Inner values of the same key win.
///
/// ```
/// use last9_genai::custom_attributes;
///
/// let _guard = custom_attributes([("tenant", "acme"), ("plan", "pro")]).enter();
/// ```
pub fn custom_attributes<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> CustomAttributes
where
    K: AsRef<str>,
    V: Into<Arc<str>>,
{
    CustomAttributes(
        pairs
            .into_iter()
            .map(|(key, value)| {
                let key: Arc<str> = format!("{CUSTOM_PREFIX}{}", key.as_ref()).into();
                (Key::from(key), Value::from(value.into()))
            })
            .collect(),
    )
}

/// A custom-attribute scope, made by [`custom_attributes`].
///
/// ```
/// use last9_genai::{CustomAttributes, custom_attributes};
///
/// let scope: CustomAttributes = custom_attributes([("region", "eu")]);
/// let _guard = scope.enter();
/// ```
#[derive(Debug, Clone)]
#[must_use = "a scope does nothing until entered or attached to a future"]
pub struct CustomAttributes(Vec<(Key, Value)>);

impl CustomAttributes {
    /// Makes these attributes current on this thread until the guard drops.
    ///
    /// ```
    /// # use last9_genai::custom_attributes;
    /// let _guard = custom_attributes([("tenant", "acme")]).enter();
    /// ```
    pub fn enter(self) -> ScopeGuard {
        enter(self)
    }
}

impl sealed::Sealed for CustomAttributes {}

impl IntoScope for CustomAttributes {
    fn into_scope(self, parent: &Context) -> sealed::Scope {
        scope(parent, Layer::Custom(self.0))
    }
}
