//! [`ObservationKind`]: the kinds of observed operation, listed once.

use std::fmt;

use crate::attributes::{operation, span_kind};

/// The kind of an observed operation: the value of `gen_ai.l9.span.kind`.
///
/// ```
/// use last9_genai::ObservationKind;
///
/// assert_eq!(ObservationKind::Tool.as_str(), "tool");
/// assert_eq!("retriever".parse::<ObservationKind>(), Ok(ObservationKind::Retriever));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ObservationKind {
    /// A call to a model (the default).
    #[default]
    Llm,
    /// A tool or function call.
    Tool,
    /// A chain of steps.
    Chain,
    /// An agent.
    Agent,
    /// Prompt rendering.
    Prompt,
    /// An embedding call.
    Embedding,
    /// A retrieval step.
    Retriever,
}

impl ObservationKind {
    /// The attribute value.
    ///
    /// ```
    /// # use last9_genai::ObservationKind;
    /// assert_eq!(ObservationKind::Chain.as_str(), "chain");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Llm => span_kind::LLM,
            Self::Tool => span_kind::TOOL,
            Self::Chain => span_kind::CHAIN,
            Self::Agent => span_kind::AGENT,
            Self::Prompt => span_kind::PROMPT,
            Self::Embedding => span_kind::EMBEDDING,
            Self::Retriever => span_kind::RETRIEVER,
        }
    }
}

impl ObservationKind {
    /// The GenAI conventions' `gen_ai.operation.name` of the kind: `chat`
    /// for a model call, `execute_tool`, `invoke_agent`, `invoke_workflow`
    /// for a chain, `embeddings`, `retrieval`; none for prompt rendering,
    /// which the conventions do not name.
    ///
    /// ```
    /// # use last9_genai::ObservationKind;
    /// assert_eq!(ObservationKind::Llm.operation(), Some("chat"));
    /// assert_eq!(ObservationKind::Tool.operation(), Some("execute_tool"));
    /// assert_eq!(ObservationKind::Prompt.operation(), None);
    /// ```
    pub const fn operation(self) -> Option<&'static str> {
        match self {
            Self::Llm => Some(operation::CHAT),
            Self::Tool => Some(operation::EXECUTE_TOOL),
            Self::Chain => Some(operation::INVOKE_WORKFLOW),
            Self::Agent => Some(operation::INVOKE_AGENT),
            Self::Prompt => None,
            Self::Embedding => Some(operation::EMBEDDINGS),
            Self::Retriever => Some(operation::RETRIEVAL),
        }
    }

    /// Every kind, in the order of the documentation. The `#[observe]`
    /// macro keeps its own list of the names it accepts; a test checks that
    /// the two agree.
    ///
    /// ```
    /// # use last9_genai::ObservationKind;
    /// assert_eq!(ObservationKind::ALL.len(), 7);
    /// assert_eq!(ObservationKind::ALL[0], ObservationKind::Llm);
    /// ```
    pub const ALL: [Self; 7] = [
        Self::Llm,
        Self::Tool,
        Self::Chain,
        Self::Agent,
        Self::Prompt,
        Self::Embedding,
        Self::Retriever,
    ];
}

impl fmt::Display for ObservationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ObservationKind {
    type Err = ParseKindError;

    /// Parses `llm`, `tool`, `chain`, `agent`, `prompt`, `embedding` or
    /// `retriever`; anything else is a [`ParseKindError`] naming the value.
    fn from_str(s: &str) -> Result<Self, ParseKindError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| ParseKindError {
                value: s.to_owned(),
            })
    }
}

/// A string that names no [`ObservationKind`].
///
/// ```
/// use last9_genai::{ObservationKind, ParseKindError};
///
/// let err: ParseKindError = "llmm".parse::<ObservationKind>().unwrap_err();
/// assert_eq!(err.value(), "llmm");
/// assert_eq!(
///     err.to_string(),
///     "unknown span kind \"llmm\": expected llm, tool, chain, agent, prompt, embedding or retriever"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseKindError {
    value: String,
}

impl ParseKindError {
    /// The value that was refused.
    ///
    /// ```
    /// # use last9_genai::ObservationKind;
    /// assert_eq!("x".parse::<ObservationKind>().unwrap_err().value(), "x");
    /// ```
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for ParseKindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown span kind {:?}: expected ", self.value)?;
        let last = ObservationKind::ALL.len() - 1;
        for (i, kind) in ObservationKind::ALL.iter().enumerate() {
            let separator = match i {
                0 => "",
                i if i == last => " or ",
                _ => ", ",
            };
            write!(f, "{separator}{kind}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseKindError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind is written and read back as its attribute value, and has
    /// its conventions' operation.
    #[test]
    fn every_kind_reads_back_as_itself() {
        let written: Vec<(String, Option<&str>)> = ObservationKind::ALL
            .iter()
            .map(|kind| (kind.to_string(), kind.operation()))
            .collect();
        assert_eq!(
            written,
            [
                ("llm".to_owned(), Some("chat")),
                ("tool".to_owned(), Some("execute_tool")),
                ("chain".to_owned(), Some("invoke_workflow")),
                ("agent".to_owned(), Some("invoke_agent")),
                ("prompt".to_owned(), None),
                ("embedding".to_owned(), Some("embeddings")),
                ("retriever".to_owned(), Some("retrieval")),
            ]
        );
        for kind in ObservationKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
    }

    /// A value that names no kind is refused, named, with every kind listed.
    #[test]
    fn an_unknown_kind_is_named_with_every_kind() {
        let err = "Tool".parse::<ObservationKind>().unwrap_err();
        assert_eq!(err.value(), "Tool");
        assert_eq!(
            err.to_string(),
            "unknown span kind \"Tool\": expected llm, tool, chain, agent, prompt, embedding or retriever"
        );
        assert_eq!("".parse::<ObservationKind>().unwrap_err().value(), "");
    }
}
