//! The builders of the agent and custom-attribute scopes.

use std::sync::Arc;

use opentelemetry::{Context, Key, Value};

use super::state::{AgentIdentity, Layer};
use super::{IntoScope, ScopeGuard, layered, sealed};
use crate::attributes::CUSTOM_PREFIX;

/// Starts an agent scope: every span inside carries `gen_ai.agent.name`, and
/// `gen_ai.agent.id`, `.description` and `.version` when given. A nested agent
/// replaces the whole identity of the outer one.
///
/// ```
/// use last9_genai::agent;
///
/// let _guard = agent("Planner").id("agent-1").version("3").enter();
/// ```
pub fn agent(name: impl Into<Arc<str>>) -> Agent {
    Agent(AgentIdentity {
        name: name.into(),
        ..AgentIdentity::default()
    })
}

/// An agent scope, made by [`agent`].
///
/// ```
/// use last9_genai::{Agent, agent};
///
/// let scope: Agent = agent("Planner").version("3");
/// let _guard = scope.enter();
/// ```
#[derive(Debug, Clone)]
#[must_use = "a scope does nothing until entered or attached to a future"]
pub struct Agent(AgentIdentity);

impl Agent {
    /// Sets `gen_ai.agent.id`.
    ///
    /// ```
    /// # use last9_genai::agent;
    /// let _guard = agent("Planner").id("agent-1").enter();
    /// ```
    pub fn id(mut self, id: impl Into<Arc<str>>) -> Self {
        self.0.id = Some(id.into());
        self
    }

    /// Sets `gen_ai.agent.description`.
    ///
    /// ```
    /// # use last9_genai::agent;
    /// let _guard = agent("Planner").description("plans trips").enter();
    /// ```
    pub fn description(mut self, description: impl Into<Arc<str>>) -> Self {
        self.0.description = Some(description.into());
        self
    }

    /// Sets `gen_ai.agent.version`.
    ///
    /// ```
    /// # use last9_genai::agent;
    /// let _guard = agent("Planner").version("3").enter();
    /// ```
    pub fn version(mut self, version: impl Into<Arc<str>>) -> Self {
        self.0.version = Some(version.into());
        self
    }

    /// Makes this agent current on this thread until the guard drops.
    ///
    /// ```
    /// # use last9_genai::agent;
    /// let _guard = agent("Planner").enter();
    /// ```
    pub fn enter(self) -> ScopeGuard {
        enter(self)
    }
}

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

pub(super) fn enter(scope: impl IntoScope) -> ScopeGuard {
    let cx = Context::map_current(|parent| scope.into_scope(parent).cx);
    ScopeGuard::attach(cx)
}

impl sealed::Sealed for Agent {}
impl sealed::Sealed for CustomAttributes {}

impl IntoScope for Agent {
    fn into_scope(self, parent: &Context) -> sealed::Scope {
        scope(parent, Layer::Agent(self.0))
    }
}

impl IntoScope for CustomAttributes {
    fn into_scope(self, parent: &Context) -> sealed::Scope {
        scope(parent, Layer::Custom(self.0))
    }
}

pub(super) fn scope(parent: &Context, layer: Layer) -> sealed::Scope {
    sealed::Scope {
        cx: layered(parent, layer),
        workflows: sealed::Opened::default(),
    }
}
