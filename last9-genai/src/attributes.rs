//! Every attribute key and enumerated value this crate writes, in one place.
//!
//! Dashboards built for the Last9 GenAI SDKs read these exact keys; the types
//! each one carries are listed next to it. Keys follow the OpenTelemetry GenAI
//! semantic conventions where those exist.
//!
//! ```
//! use last9_genai::attributes;
//!
//! assert_eq!(attributes::CONVERSATION_ID, "gen_ai.conversation.id");
//! assert_eq!(attributes::span_kind::TOOL, "tool");
//! ```

// ---------------------------------------------------------------- scopes
/// Conversation id (string), from a [`conversation`](crate::conversation) scope.
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// Turn number within a conversation (int).
pub const CONVERSATION_TURN_NUMBER: &str = "gen_ai.conversation.turn_number";
/// End user id (string), from a conversation or workflow scope.
pub const USER_ID: &str = "user.id";
/// Workflow id (string).
pub const WORKFLOW_ID: &str = "workflow.id";
/// Workflow type (string).
pub const WORKFLOW_TYPE: &str = "workflow.type";
/// The id of one run of a workflow (string, 16 hex digits): fifty runs of
/// `answer_question` share `workflow.id` and each has its own run id.
/// Last9's own key, under Last9's namespace (it was `workflow.run_id`, see
/// [`previous`]).
pub const WORKFLOW_RUN_ID: &str = "gen_ai.l9.workflow.run_id";
/// Agent id (string).
pub const AGENT_ID: &str = "gen_ai.agent.id";
/// Agent name (string).
pub const AGENT_NAME: &str = "gen_ai.agent.name";
/// Agent description (string).
pub const AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// Agent version (string).
pub const AGENT_VERSION: &str = "gen_ai.agent.version";
/// Prefix of custom attributes: a custom key `tenant` is written as `custom.tenant`.
pub const CUSTOM_PREFIX: &str = "custom.";

// ---------------------------------------------------------------- observed functions
// The two prefixes below are literals behind macros so that `#[observe]`
// can `concat!` them into whole keys at compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! __l9_function_arg_prefix {
    () => {
        "function.arg."
    };
}
#[doc(hidden)]
#[macro_export]
macro_rules! __l9_metadata_prefix {
    () => {
        "metadata."
    };
}
/// Prefix of the captured arguments of an observed function: a parameter
/// `query` is written as `function.arg.query` (native number, boolean or
/// string; else JSON or `Debug` text).
pub const FUNCTION_ARG_PREFIX: &str = __l9_function_arg_prefix!();
/// Prefix of `#[observe(metadata(...))]` entries: `tier = "pro"` is written
/// as `metadata.tier`.
pub const METADATA_PREFIX: &str = __l9_metadata_prefix!();
/// The metadata entry that is also written as [`USER_CATEGORY`] (string).
pub const METADATA_CATEGORY: &str = concat!(__l9_metadata_prefix!(), "category");
/// The category of the user or request, copied from [`METADATA_CATEGORY`]
/// as the Python SDK does (string).
pub const USER_CATEGORY: &str = "user.category";
/// `#[observe(tags = [...])]` (string array).
pub const TAGS: &str = "tags";
/// Wall time of an observed call in milliseconds (float).
pub const LATENCY_MS: &str = "latency_ms";
/// Set on a call whose future was dropped before it finished (bool).
pub const L9_CANCELLED: &str = "gen_ai.l9.cancelled";
/// The number of chunks a streamed call's stream gave (int).
pub const L9_STREAM_CHUNKS: &str = "gen_ai.l9.stream.chunks";
/// Set when an argument or the return value could not be captured because
/// its `Serialize`, `Debug` or `Display` panicked; the call itself went on
/// (bool).
pub const L9_CAPTURE_FAILED: &str = "gen_ai.l9.capture_failed";
/// Set when a token count cannot be right (negative, fractional, not a
/// number, or above [`MAX_TOKEN_COUNT`](crate::MAX_TOKEN_COUNT)), or the
/// counts contradict each other (more cached tokens than input, more
/// reasoning than output): the span is left unpriced rather than priced on
/// a wrong count (bool).
pub const L9_USAGE_INVALID: &str = "gen_ai.l9.usage_invalid";

// ---------------------------------------------------------------- errors
/// Type of the error that ended a call (string), as the OpenTelemetry
/// conventions name it.
pub const ERROR_TYPE: &str = "error.type";
/// Event recorded once for an error or a panic.
pub const EVENT_EXCEPTION: &str = "exception";
/// Error type, on [`EVENT_EXCEPTION`] (string).
pub const EXCEPTION_TYPE: &str = "exception.type";
/// Error message, on [`EVENT_EXCEPTION`] (string).
pub const EXCEPTION_MESSAGE: &str = "exception.message";

// ---------------------------------------------------------------- workflow totals
/// Sum of the cost of the priced LLM spans that ended inside a workflow (float, USD).
pub const WORKFLOW_TOTAL_COST_USD: &str = "workflow.total_cost_usd";
/// The same sum in whole micro-dollars (int): what an OpenTelemetry
/// Collector's tail-sampling `numeric_attribute` policy can compare, as it
/// reads integers only.
pub const WORKFLOW_TOTAL_COST_MICRO_USD: &str = "gen_ai.l9.workflow.total_cost_micro_usd";
/// Number of LLM spans that ended inside a workflow (int).
pub const WORKFLOW_LLM_CALLS: &str = "workflow.llm_calls";
/// Number of tool spans that ended inside a workflow (int).
pub const WORKFLOW_TOOL_CALLS: &str = "workflow.tool_calls";
/// A workflow's budget in USD (float), on its span when it closes, when it
/// has one.
pub const WORKFLOW_BUDGET_USD: &str = "gen_ai.l9.workflow.budget_usd";
/// A workflow's budget in tokens (int), on its span when it closes, when it
/// has one.
pub const WORKFLOW_BUDGET_TOKENS: &str = "gen_ai.l9.workflow.budget_tokens";
/// Input and output tokens of the model calls that ended inside a workflow
/// (int), on its span when it closes, when it has a budget.
pub const WORKFLOW_TOTAL_TOKENS: &str = "gen_ai.l9.workflow.total_tokens";
/// Whether a budget of the workflow is spent (bool), on its span when it
/// closes, when it has a budget.
pub const WORKFLOW_OVER_BUDGET: &str = "gen_ai.l9.workflow.over_budget";

/// The names Last9's own workflow keys had before they moved under Last9's
/// namespace (`gen_ai.l9.`): no convention and no Python SDK key holds them,
/// and `workflow.*` is a name a convention may take. Each is written beside
/// its new name only when `LAST9_GENAI_PREVIOUS_KEYS=true`
/// ([`set_previous_keys`](crate::set_previous_keys)), for one release.
///
/// ```
/// use last9_genai::attributes::{self, previous};
///
/// assert_eq!(previous::WORKFLOW_RUN_ID, "workflow.run_id");
/// assert_eq!(attributes::WORKFLOW_RUN_ID, "gen_ai.l9.workflow.run_id");
/// ```
pub mod previous {
    /// Now [`WORKFLOW_RUN_ID`](super::WORKFLOW_RUN_ID) (string).
    pub const WORKFLOW_RUN_ID: &str = "workflow.run_id";
    /// Now [`WORKFLOW_TOTAL_COST_MICRO_USD`](super::WORKFLOW_TOTAL_COST_MICRO_USD) (int).
    pub const WORKFLOW_TOTAL_COST_MICRO_USD: &str = "workflow.total_cost_micro_usd";
    /// Now [`WORKFLOW_BUDGET_USD`](super::WORKFLOW_BUDGET_USD) (float).
    pub const WORKFLOW_BUDGET_USD: &str = "workflow.budget_usd";
    /// Now [`WORKFLOW_BUDGET_TOKENS`](super::WORKFLOW_BUDGET_TOKENS) (int).
    pub const WORKFLOW_BUDGET_TOKENS: &str = "workflow.budget_tokens";
    /// Now [`WORKFLOW_TOTAL_TOKENS`](super::WORKFLOW_TOTAL_TOKENS) (int).
    pub const WORKFLOW_TOTAL_TOKENS: &str = "workflow.total_tokens";
    /// Now [`WORKFLOW_OVER_BUDGET`](super::WORKFLOW_OVER_BUDGET) (bool).
    pub const WORKFLOW_OVER_BUDGET: &str = "workflow.over_budget";

    /// Each renamed key, new name first.
    pub(crate) const RENAMED: [(&str, &str); 6] = [
        (super::WORKFLOW_RUN_ID, WORKFLOW_RUN_ID),
        (
            super::WORKFLOW_TOTAL_COST_MICRO_USD,
            WORKFLOW_TOTAL_COST_MICRO_USD,
        ),
        (super::WORKFLOW_BUDGET_USD, WORKFLOW_BUDGET_USD),
        (super::WORKFLOW_BUDGET_TOKENS, WORKFLOW_BUDGET_TOKENS),
        (super::WORKFLOW_TOTAL_TOKENS, WORKFLOW_TOTAL_TOKENS),
        (super::WORKFLOW_OVER_BUDGET, WORKFLOW_OVER_BUDGET),
    ];
}

/// Workflow user id, as the Python SDK's manual API writes it (string).
pub const WORKFLOW_USER_ID: &str = "workflow.user_id";
/// Workflow session id, as the Python SDK's manual API writes it (string).
pub const WORKFLOW_SESSION_ID: &str = "workflow.session_id";
/// Workflow name, as the GenAI conventions (v1.41) name it (string): the
/// workflow's type, on the workflow's own span.
pub const WORKFLOW_NAME: &str = "gen_ai.workflow.name";

// ---------------------------------------------------------------- budgets
/// Event recorded when a scope's spending reaches its warning threshold:
/// on the span of the call that reached it, and on the workflow's span.
pub const EVENT_BUDGET_WARNING: &str = "gen_ai.l9.budget.warning";
/// Event recorded when a scope's budget is spent: on the span of the call
/// that spent it, and on the workflow's span.
pub const EVENT_BUDGET_EXCEEDED: &str = "gen_ai.l9.budget.exceeded";
/// On the budget events and the crossings counter: the scope, `workflow`
/// or `conversation` (string).
pub const BUDGET_SCOPE: &str = "gen_ai.l9.budget.scope";
/// On the budget events: the scope's id (string).
pub const BUDGET_SCOPE_ID: &str = "gen_ai.l9.budget.scope_id";
/// On the budget events and the crossings counter: what the budget counts,
/// `usd` or `tokens` (string).
pub const BUDGET_UNIT: &str = "gen_ai.l9.budget.unit";
/// On the budget events: the budget (float, in its unit).
pub const BUDGET_AMOUNT: &str = "gen_ai.l9.budget.amount";
/// On the budget events: what was spent when it was crossed (float, in its
/// unit).
pub const BUDGET_SPENT: &str = "gen_ai.l9.budget.spent";
/// On the crossings counter: `warning` or `exceeded` (string).
pub const BUDGET_LEVEL: &str = "gen_ai.l9.budget.level";
/// On a span priced from the bundled price table (string): the table's
/// date, `bundled YYYY-MM-DD`.
pub const L9_COST_PRICES: &str = "gen_ai.l9.cost.prices";

// ---------------------------------------------------------------- model and usage
/// Provider name (string): `openai`, `anthropic`, `gcp.gemini`, ...
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// Older name of [`PROVIDER_NAME`], deprecated by the conventions and still
/// read by the Python SDK's dashboards (string): written in the `python`
/// and `both` content layouts only, and left out under
/// `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`.
pub const SYSTEM: &str = "gen_ai.system";
/// Operation name (string): `chat`, `embeddings`, `execute_tool`, ...
pub const OPERATION_NAME: &str = "gen_ai.operation.name";
/// Requested model (string).
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// Maximum tokens requested (int).
pub const REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// Sampling temperature (float).
pub const REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// Nucleus sampling `top_p` (float).
pub const REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// Frequency penalty (float).
pub const REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// Presence penalty (float).
pub const REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// Model that answered (string).
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// Set on a call whose response is streamed (bool).
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
/// Seconds from a streamed call's start to its first chunk (float).
pub const RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// Response id (string).
pub const RESPONSE_ID: &str = "gen_ai.response.id";
/// Finish reasons (string array).
pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// Input tokens, cached ones included (int).
pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// Output tokens, reasoning ones included (int).
pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// Total tokens (int), written by the manual API.
pub const USAGE_TOTAL_TOKENS: &str = "gen_ai.usage.total_tokens";
/// Input tokens read from the provider's prompt cache (int).
pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// Input tokens written to the provider's prompt cache (int).
pub const USAGE_CACHE_CREATION_INPUT_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
/// The newer name of [`USAGE_CACHE_CREATION_INPUT_TOKENS`], written instead
/// of it under `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`
/// (int).
pub const USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";
/// Output tokens spent on reasoning (int).
pub const USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// Total cost in USD (float).
pub const USAGE_COST_USD: &str = "gen_ai.usage.cost_usd";
/// Total cost in USD (float), under the key Langfuse reads a span's cost
/// from.
pub const USAGE_COST: &str = "gen_ai.usage.cost";
/// Input cost in USD (float), cache reads and writes included.
pub const USAGE_COST_INPUT_USD: &str = "gen_ai.usage.cost_input_usd";
/// Output cost in USD (float), reasoning included.
pub const USAGE_COST_OUTPUT_USD: &str = "gen_ai.usage.cost_output_usd";

// ---------------------------------------------------------------- classification
/// OpenInference's span kind (string), written only where the GenAI
/// conventions give backends that read them (Arize Phoenix) no kind: `CHAIN`
/// on workflow spans and on observed functions of kind `chain`.
pub const OPENINFERENCE_SPAN_KIND: &str = "openinference.span.kind";
/// Last9 span kind (string), one of [`span_kind`].
pub const L9_SPAN_KIND: &str = "gen_ai.l9.span.kind";

/// The values of [`L9_SPAN_KIND`].
pub mod span_kind {
    /// A call to a model.
    pub const LLM: &str = "llm";
    /// A tool or function call.
    pub const TOOL: &str = "tool";
    /// A chain of steps.
    pub const CHAIN: &str = "chain";
    /// An agent.
    pub const AGENT: &str = "agent";
    /// Prompt rendering.
    pub const PROMPT: &str = "prompt";
    /// An embedding call.
    pub const EMBEDDING: &str = "embedding";
    /// A retrieval step.
    pub const RETRIEVER: &str = "retriever";
}

/// Values of [`OPERATION_NAME`] used by this crate, as the GenAI
/// conventions (v1.41) name them.
pub mod operation {
    /// A chat completion: an observed function of kind `llm`.
    pub const CHAT: &str = "chat";
    /// A tool execution: kind `tool`.
    pub const EXECUTE_TOOL: &str = "execute_tool";
    /// An agent's run: kind `agent`.
    pub const INVOKE_AGENT: &str = "invoke_agent";
    /// A workflow of several steps: kind `chain`, and `workflow()` spans.
    pub const INVOKE_WORKFLOW: &str = "invoke_workflow";
    /// An embeddings call: kind `embedding`, or a model call whose response
    /// is embeddings.
    pub const EMBEDDINGS: &str = "embeddings";
    /// A completion of a prompt, not of chat messages (Ollama's
    /// `/api/generate`), told by its response.
    pub const TEXT_COMPLETION: &str = "text_completion";
    /// A retrieval step: kind `retriever`.
    pub const RETRIEVAL: &str = "retrieval";
}

// ---------------------------------------------------------------- tools
/// Tool name (string).
pub const TOOL_NAME: &str = "gen_ai.tool.name";
/// Tool type (string).
pub const TOOL_TYPE: &str = "gen_ai.tool.type";
/// Tool description (string).
pub const TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
/// Tool arguments as JSON text (string), written by the manual API.
pub const FUNCTION_CALL_ARGUMENTS: &str = "gen_ai.function.call.arguments";
/// Tool result as JSON text, or the string itself (string), written by the
/// manual API.
pub const FUNCTION_CALL_RESULT: &str = "gen_ai.function.call.result";
/// Tool duration in milliseconds (int).
pub const FUNCTION_CALL_DURATION_MS: &str = "gen_ai.function.call.duration_ms";
/// Event recorded once for each tool call a model response asks for, in the
/// Python SDK's layout; it carries the `tool_call.*` keys below.
pub const EVENT_TOOL_CALL: &str = "gen_ai.tool.call";
/// Id of a tool call (string).
pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// A tool span's arguments as a JSON object of its arguments, as the GenAI
/// conventions (v1.41) name them, in their layout (string).
pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// A tool span's result, as the GenAI conventions (v1.41) name it, in their
/// layout (string).
pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// On a [`EVENT_TOOL_CALL`] event: the call's position in the response
/// (int), as the Python SDK writes it.
pub const EVENT_TOOL_CALL_INDEX: &str = "tool_call.index";
/// On a [`EVENT_TOOL_CALL`] event: the call's id (string).
pub const EVENT_TOOL_CALL_ID: &str = "tool_call.id";
/// On a [`EVENT_TOOL_CALL`] event: the call's type, `function` (string).
pub const EVENT_TOOL_CALL_TYPE: &str = "tool_call.type";
/// On a [`EVENT_TOOL_CALL`] event: the function's name (string).
pub const EVENT_TOOL_CALL_FUNCTION_NAME: &str = "tool_call.function.name";
/// On a [`EVENT_TOOL_CALL`] event: the function's arguments as JSON text
/// (string).
pub const EVENT_TOOL_CALL_FUNCTION_ARGUMENTS: &str = "tool_call.function.arguments";
/// Number of tool calls a model response asks for (int).
pub const TOOL_CALLS_COUNT: &str = "gen_ai.tool_calls.count";

// ---------------------------------------------------------------- prompts and content
/// Prompt template text (string).
pub const PROMPT_TEMPLATE: &str = "gen_ai.prompt.template";
/// First 16 hex digits of the SHA-256 of the prompt template (string).
pub const PROMPT_HASH: &str = "gen_ai.prompt.hash";
/// Prompt template version (string).
pub const PROMPT_VERSION: &str = "gen_ai.prompt.version";
/// Prompt template id (string).
pub const PROMPT_TEMPLATE_ID: &str = "gen_ai.prompt.template_id";
/// Event carrying the prompt text.
pub const EVENT_CONTENT_PROMPT: &str = "gen_ai.content.prompt";
/// Event carrying the completion text.
pub const EVENT_CONTENT_COMPLETION: &str = "gen_ai.content.completion";
/// Prompt text, in the Python SDK's layout (string): on
/// [`EVENT_CONTENT_PROMPT`], or on the span when content goes there. Chat
/// messages are written as `role: text` lines.
pub const PROMPT: &str = "gen_ai.prompt";
/// Completion text, in the Python SDK's layout (string): on
/// [`EVENT_CONTENT_COMPLETION`], or on the span when content goes there.
pub const COMPLETION: &str = "gen_ai.completion";
/// The GenAI conventions' event carrying a model call's messages
/// ([`INPUT_MESSAGES`], [`SYSTEM_INSTRUCTIONS`], [`OUTPUT_MESSAGES`]) in
/// their layout when content goes in events.
pub const EVENT_INFERENCE_DETAILS: &str = "gen_ai.client.inference.operation.details";
/// Input messages of a model call, as the GenAI conventions (v1.41) write
/// them: a JSON array of `{role, parts: [...]}` (string).
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// Output messages of a model call (v1.41): a JSON array of `{role, parts,
/// finish_reason}` (string).
pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// System instructions given apart from the messages (v1.41): a JSON array
/// of parts (string).
pub const SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// Length in characters of the prompt before truncation (int).
pub const PROMPT_LENGTH: &str = "gen_ai.prompt.length";
/// Whether the prompt was truncated (bool).
pub const PROMPT_TRUNCATED: &str = "gen_ai.prompt.truncated";
/// Length in characters of the completion before truncation (int).
pub const COMPLETION_LENGTH: &str = "gen_ai.completion.length";
/// Whether the completion was truncated (bool).
pub const COMPLETION_TRUNCATED: &str = "gen_ai.completion.truncated";

// ---------------------------------------------------------------- MCP
/// The MCP method of a request (string): `tools/call`, `tools/list`,
/// `resources/read`, `prompts/get`, ... (feature `mcp`).
pub const MCP_METHOD_NAME: &str = "mcp.method.name";
/// The MCP session a request belongs to (string): the Streamable HTTP
/// transport's `Mcp-Session-Id`.
pub const MCP_SESSION_ID: &str = "mcp.session.id";
/// The MCP protocol version the session speaks (string), e.g. `2025-06-18`.
pub const MCP_PROTOCOL_VERSION: &str = "mcp.protocol.version";
/// The resource a `resources/read` request reads (string).
pub const MCP_RESOURCE_URI: &str = "mcp.resource.uri";
/// The JSON-RPC id of a request (string).
pub const JSONRPC_REQUEST_ID: &str = "jsonrpc.request.id";
/// The JSON-RPC error code a request was answered with (string), e.g.
/// `-32602`.
pub const RPC_RESPONSE_STATUS_CODE: &str = "rpc.response.status_code";
/// The prompt a `prompts/get` request gets (string).
pub const PROMPT_NAME: &str = "gen_ai.prompt.name";
/// How an MCP request travels (string): `pipe` (stdio) or `tcp` (HTTP).
pub const NETWORK_TRANSPORT: &str = "network.transport";
/// The protocol an MCP request travels over (string): `http`.
pub const NETWORK_PROTOCOL_NAME: &str = "network.protocol.name";
/// The host of the MCP server a client talks to (string).
pub const SERVER_ADDRESS: &str = "server.address";
/// The port of the MCP server a client talks to (int).
pub const SERVER_PORT: &str = "server.port";

/// Values of [`ERROR_TYPE`] that name no error type of the code.
pub mod error_type {
    /// An MCP tool that answered with a result marked `isError`.
    pub const TOOL_ERROR: &str = "tool_error";
}

// ---------------------------------------------------------------- performance
/// Response time in milliseconds (float).
pub const RESPONSE_TIME_MS: &str = "gen_ai.response.time_ms";
/// Request size in bytes (int).
pub const REQUEST_SIZE_BYTES: &str = "gen_ai.request.size_bytes";
/// Response size in bytes (int).
pub const RESPONSE_SIZE_BYTES: &str = "gen_ai.response.size_bytes";
/// Quality score between 0 and 1 (float).
pub const QUALITY_SCORE: &str = "gen_ai.quality.score";

// ---------------------------------------------------------------- metrics
/// The metrics this crate records (see [`set_meter_provider`](crate::set_meter_provider)),
/// with the attribute keys and values only metrics carry. The conventions'
/// client instruments (v1.41) keep their names, units and bucket
/// boundaries; what the conventions do not name is under `gen_ai.l9.`.
///
/// ```
/// use last9_genai::attributes::metric;
///
/// assert_eq!(metric::TOKEN_USAGE, "gen_ai.client.token.usage");
/// assert_eq!(metric::COST, "gen_ai.l9.client.cost");
/// ```
pub mod metric {
    /// Histogram of the input and output tokens of one model call
    /// (`{token}`), with [`TOKEN_TYPE`].
    pub const TOKEN_USAGE: &str = "gen_ai.client.token.usage";
    /// Histogram of the duration of one model call (`s`), with
    /// `error.type` when it failed: a call whose provider is known, as the
    /// conventions require.
    pub const OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
    /// Histogram of the duration of one observed call that names no
    /// provider or operation (`s`): a tool, a chain, an agent or a retriever
    /// that calls no model, which the conventions' instrument, requiring
    /// both, cannot hold. The same attributes.
    pub const OTHER_OPERATION_DURATION: &str = "gen_ai.l9.operation.duration";
    /// Histogram of the time from a streamed call's start to its first
    /// chunk (`s`).
    pub const TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.operation.time_to_first_chunk";
    /// Histogram of the time between two chunks of a streamed call (`s`),
    /// one value for each chunk after the first.
    pub const TIME_PER_OUTPUT_CHUNK: &str = "gen_ai.client.operation.time_per_output_chunk";
    /// Counter of the tokens the token histogram cannot tell apart (`{token}`):
    /// with [`TOKEN_TYPE`] `cache_read` and `cache_creation` (parts of the
    /// input) and `reasoning` (part of the output).
    pub const TOKEN_PARTS: &str = "gen_ai.l9.client.token.parts";
    /// Counter of the cost of model calls in USD (`{USD}`), from the pricing
    /// table, with the call's attributes and `gen_ai.workflow.name`.
    pub const COST: &str = "gen_ai.l9.client.cost";
    /// Histogram of the duration of one workflow (`s`), with
    /// `gen_ai.workflow.name`.
    pub const WORKFLOW_DURATION: &str = "gen_ai.l9.workflow.duration";
    /// Counter of budget thresholds crossed (`{crossing}`), with
    /// [`BUDGET_SCOPE`](super::BUDGET_SCOPE), [`BUDGET_UNIT`](super::BUDGET_UNIT),
    /// [`BUDGET_LEVEL`](super::BUDGET_LEVEL) and `gen_ai.workflow.name` for a
    /// workflow.
    pub const BUDGET_CROSSINGS: &str = "gen_ai.l9.budget.crossings";
    /// The kind of tokens a value counts (string): one of [`token_type`](super::token_type).
    pub const TOKEN_TYPE: &str = "gen_ai.token.type";
    /// On a span the manual API recorded in the metrics itself (bool): the
    /// span processor does not count it again.
    pub const METERED: &str = "gen_ai.l9.metered";
    /// Histogram of the duration of one MCP request as its client sees it
    /// (`s`), with the MCP keys above but the session and request ids.
    pub const MCP_CLIENT_OPERATION_DURATION: &str = "mcp.client.operation.duration";
    /// Histogram of the duration of one MCP request as its server handles
    /// it (`s`).
    pub const MCP_SERVER_OPERATION_DURATION: &str = "mcp.server.operation.duration";
}

/// Values of [`metric::TOKEN_TYPE`].
pub mod token_type {
    /// Input tokens, cached ones included.
    pub const INPUT: &str = "input";
    /// Output tokens, reasoning included.
    pub const OUTPUT: &str = "output";
    /// Input tokens read from the provider's prompt cache.
    pub const CACHE_READ: &str = "cache_read";
    /// Input tokens written to the provider's prompt cache.
    pub const CACHE_CREATION: &str = "cache_creation";
    /// Output tokens spent on reasoning.
    pub const REASONING: &str = "reasoning";
}
