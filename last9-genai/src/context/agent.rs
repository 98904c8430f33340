//! The agent scope's builder: `agent("Planner").id(..)`.

use std::sync::Arc;

use opentelemetry::Context;

use super::state::{AgentIdentity, Layer};
use super::{IntoScope, ScopeGuard, enter, scope, sealed};

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

impl sealed::Sealed for Agent {}

impl IntoScope for Agent {
    fn into_scope(self, parent: &Context) -> sealed::Scope {
        scope(parent, Layer::Agent(self.0))
    }
}
