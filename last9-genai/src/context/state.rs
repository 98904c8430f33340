//! The merged values of all scopes current in one context, and the span
//! attributes they make, computed once when a scope is entered so that
//! starting a span only clones them.

use std::sync::Arc;

use opentelemetry::{Key, KeyValue, StringValue, Value};

use super::ScopeTotals;
use crate::attributes as attr;

/// The identity of an agent.
#[derive(Debug, Clone, Default)]
pub(crate) struct AgentIdentity {
    pub(crate) name: Arc<str>,
    pub(crate) id: Option<Arc<str>>,
    pub(crate) description: Option<Arc<str>>,
    pub(crate) version: Option<Arc<str>>,
}

/// The identity of a workflow and the totals its spans add to: none for a
/// workflow that runs in another service, known only by its ids.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowIdentity {
    pub(crate) id: Arc<str>,
    pub(crate) kind: Option<Arc<str>>,
    /// This run's id.
    pub(crate) run_id: Option<Arc<str>>,
    pub(crate) totals: Option<Arc<ScopeTotals>>,
}

/// What one scope adds on top of the scopes around it.
#[derive(Debug)]
pub(crate) enum Layer {
    Conversation {
        id: Arc<str>,
        user_id: Option<Arc<str>>,
        turn_number: Option<i64>,
        /// None for a conversation of another service, carried in baggage.
        totals: Option<Arc<ScopeTotals>>,
    },
    Workflow {
        identity: WorkflowIdentity,
        user_id: Option<Arc<str>>,
    },
    /// A workflow of another service, carried in baggage.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    RemoteWorkflow {
        id: Arc<str>,
        kind: Option<Arc<str>>,
        run_id: Option<Arc<str>>,
    },
    /// A user alone, carried in baggage.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    User(Arc<str>),
    Agent(AgentIdentity),
    /// Keys already carry the `custom.` prefix.
    Custom(Vec<(Key, Value)>),
}

/// All scope values current in one context.
#[derive(Debug, Default)]
pub(crate) struct ScopeState {
    conversation_id: Option<Arc<str>>,
    turn_number: Option<i64>,
    user_id: Option<Arc<str>>,
    workflow: Option<WorkflowIdentity>,
    agent: Option<AgentIdentity>,
    custom: Vec<(Key, Value)>,
    /// The totals of the innermost open workflow or conversation, which
    /// count toward those around it.
    totals: Option<Arc<ScopeTotals>>,
    /// The span attributes of all of the above.
    attributes: Box<[KeyValue]>,
}

impl ScopeState {
    /// The state of `parent` with `layer` on top.
    pub(crate) fn derive(parent: Option<&ScopeState>, layer: Layer) -> Self {
        let mut state = parent.map_or_else(Self::default, |p| Self {
            conversation_id: p.conversation_id.clone(),
            turn_number: p.turn_number,
            user_id: p.user_id.clone(),
            workflow: p.workflow.clone(),
            agent: p.agent.clone(),
            custom: p.custom.clone(),
            totals: p.totals.clone(),
            attributes: Box::default(),
        });
        match layer {
            Layer::Conversation {
                id,
                user_id,
                turn_number,
                totals,
            } => {
                state.conversation_id = Some(id);
                if totals.is_some() {
                    state.totals = totals;
                }
                // A new conversation starts its own turn count.
                state.turn_number = turn_number;
                state.user_id = user_id.or(state.user_id);
            }
            Layer::Workflow { identity, user_id } => {
                state.totals.clone_from(&identity.totals);
                state.workflow = Some(identity);
                state.user_id = user_id.or(state.user_id);
            }
            Layer::RemoteWorkflow { id, kind, run_id } => {
                state.workflow = Some(WorkflowIdentity {
                    id,
                    kind,
                    run_id,
                    totals: None,
                });
            }
            Layer::User(id) => state.user_id = Some(id),
            Layer::Agent(identity) => state.agent = Some(identity),
            Layer::Custom(pairs) => {
                for (key, value) in pairs {
                    match state.custom.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => state.custom.push((key, value)),
                    }
                }
            }
        }
        state.attributes = state.build_attributes();
        state
    }

    fn build_attributes(&self) -> Box<[KeyValue]> {
        let string = |key: &'static str, value: &Option<Arc<str>>| {
            value.as_ref().map(|v| KeyValue::new(key, v.clone()))
        };
        let mut attributes: Vec<KeyValue> = [
            string(attr::CONVERSATION_ID, &self.conversation_id),
            self.turn_number
                .map(|turn| KeyValue::new(attr::CONVERSATION_TURN_NUMBER, turn)),
            string(attr::USER_ID, &self.user_id),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some(workflow) = &self.workflow {
            attributes.push(KeyValue::new(attr::WORKFLOW_ID, workflow.id.clone()));
            attributes.extend(string(attr::WORKFLOW_TYPE, &workflow.kind));
            attributes.extend(string(attr::WORKFLOW_RUN_ID, &workflow.run_id));
            crate::settings::add_previous_keys(&mut attributes);
        }
        if let Some(agent) = &self.agent {
            attributes.push(KeyValue::new(attr::AGENT_NAME, agent.name.clone()));
            attributes.extend(string(attr::AGENT_ID, &agent.id));
            attributes.extend(string(attr::AGENT_DESCRIPTION, &agent.description));
            attributes.extend(string(attr::AGENT_VERSION, &agent.version));
        }
        attributes.extend(
            self.custom
                .iter()
                .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
        );
        attributes.into_boxed_slice()
    }

    /// The span attributes of this scope.
    pub(crate) fn attributes(&self) -> &[KeyValue] {
        &self.attributes
    }

    /// The innermost workflow.
    pub(crate) fn workflow(&self) -> Option<&WorkflowIdentity> {
        self.workflow.as_ref()
    }

    /// The totals of the innermost open workflow or conversation.
    pub(crate) fn totals(&self) -> Option<&Arc<ScopeTotals>> {
        self.totals.as_ref()
    }

    pub(crate) fn conversation_id(&self) -> Option<Arc<str>> {
        self.conversation_id.clone()
    }

    /// What metrics say of the scopes: the innermost workflow's name, and
    /// when `ids` is set, the conversation and user ids.
    pub(crate) fn metric_scope(&self, ids: bool) -> MetricScope {
        let text = |s: &Option<Arc<str>>| s.clone().map(StringValue::from);
        MetricScope {
            workflow: self.workflow.as_ref().map(|w| w.id.clone().into()),
            ids: if ids {
                [text(&self.conversation_id), text(&self.user_id)]
            } else {
                [None, None]
            },
        }
    }
}

/// The scopes' part of a call's metric attributes.
#[derive(Debug, Default)]
pub(crate) struct MetricScope {
    /// `gen_ai.workflow.name`.
    pub(crate) workflow: Option<StringValue>,
    /// `gen_ai.conversation.id` and `user.id`.
    pub(crate) ids: [Option<StringValue>; 2],
}

impl MetricScope {
    /// The metric scope of the scopes current in `cx`.
    pub(crate) fn of(cx: &opentelemetry::Context) -> Self {
        cx.get::<ScopeState>()
            .map(|state| state.metric_scope(crate::metrics::scope_ids()))
            .unwrap_or_default()
    }
}
