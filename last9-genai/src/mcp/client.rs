//! The client side: each request an rmcp client sends, as a client span in
//! the caller's context, with that context in the request's `_meta`.

use std::future::Future;

use opentelemetry::{Context, StringValue};
use rmcp::ServiceExt as _;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, CompleteRequestParams, CompleteResult,
    GetPromptRequestParams, GetPromptResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResult, RequestMetaObject,
};
use rmcp::service::{ClientInitializeError, RoleClient, RunningService, Service, ServiceError};
use rmcp::transport::IntoTransport;

use super::call::{McpCall, Outcome, Request, Side, name_value, protocol_value};
use super::meta::{CONTENT_ON_CLIENT, MetaInjector};
use super::traced::{Failure, Traced};
use super::transport::SeenTransport;
use crate::propagation::Propagation;

/// An rmcp client whose requests are traced: each one a client span named
/// `{method} {target}` in the current context (so inside the current
/// conversation, workflow and agent, and counted by the workflow when it
/// calls a tool), carrying that span's trace context to the server in
/// `params._meta` (`traceparent`, `tracestate`, and `baggage` with what
/// the [`Propagation`] allows; a key the caller set is kept), and timed in
/// `mcp.client.operation.duration`. A tool's arguments and result are
/// captured as `#[observe]` captures a tool's. With no pipeline and no
/// meter provider, a request is sent as it is.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use last9_genai::{McpClient, Propagation};
/// use rmcp::ServiceExt;
/// use rmcp::model::CallToolRequestParams;
/// use rmcp::transport::TokioChildProcess;
///
/// let running = ().serve(TokioChildProcess::new(tokio::process::Command::new("my-mcp-server"))?).await?;
/// let client = McpClient::new(running).propagation(Propagation::new().carry_conversation());
/// let result = client.call_tool(CallToolRequestParams::new("weather")).await?;
/// # Ok(()) }
/// ```
pub struct McpClient<S: Service<RoleClient>> {
    inner: RunningService<RoleClient, S>,
    propagation: Propagation,
    protocol: Option<StringValue>,
    transport: Option<(&'static str, Option<&'static str>)>,
    server: Option<(StringValue, i64)>,
    /// Its transport tells each request's span its JSON-RPC id.
    seen: bool,
}

impl<S: Service<RoleClient>> std::fmt::Debug for McpClient<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpClient")
            .field("propagation", &self.propagation)
            .field("protocol", &self.protocol)
            .field("transport", &self.transport)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl McpClient<()> {
    /// Connects over `transport` as a client with no handler of its own,
    /// seeing each request go out: [`serve_with`](Self::serve_with) with
    /// `()`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use rmcp::transport::TokioChildProcess;
    ///
    /// let child = TokioChildProcess::new(tokio::process::Command::new("my-mcp-server"))?;
    /// let client = last9_genai::McpClient::serve(child).await?.over_stdio();
    /// # Ok(()) }
    /// ```
    pub async fn serve<T, E, A>(transport: T) -> Result<Self, ClientInitializeError>
    where
        T: IntoTransport<RoleClient, E, A>,
        E: std::error::Error + Send + Sync + 'static,
    {
        Self::serve_with((), transport).await
    }
}

impl<S: Service<RoleClient>> McpClient<S> {
    /// Traces the requests of `running`, a client that has initialized
    /// (what `ServiceExt::serve` gives).
    pub fn new(running: RunningService<RoleClient, S>) -> Self {
        let protocol = running
            .peer_info()
            .map(|info| protocol_value(&info.protocol_version));
        Self {
            inner: running,
            propagation: Propagation::new(),
            protocol,
            transport: None,
            server: None,
            seen: false,
        }
    }

    /// Connects `service` over `transport` (what `ServiceExt::serve` does),
    /// seeing each request go out, so that its span also gets the
    /// `jsonrpc.request.id` it was sent with (and, with a transport over
    /// [`McpHttpClient`](crate::McpHttpClient), its `mcp.session.id`).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[derive(Clone)] struct Handler;
    /// # impl rmcp::ClientHandler for Handler {}
    /// use rmcp::transport::TokioChildProcess;
    ///
    /// let child = TokioChildProcess::new(tokio::process::Command::new("my-mcp-server"))?;
    /// let client = last9_genai::McpClient::serve_with(Handler, child).await?.over_stdio();
    /// # Ok(()) }
    /// ```
    pub async fn serve_with<T, E, A>(
        service: S,
        transport: T,
    ) -> Result<Self, ClientInitializeError>
    where
        T: IntoTransport<RoleClient, E, A>,
        E: std::error::Error + Send + Sync + 'static,
    {
        let seen = SeenTransport(transport.into_transport());
        let mut client = Self::new(service.serve(seen).await?);
        client.seen = true;
        Ok(client)
    }

    /// Which scope ids go to the server in `_meta.baggage` (by default
    /// none: only the trace continues).
    ///
    /// ```no_run
    /// # fn f(client: last9_genai::McpClient<()>) {
    /// let client = client.propagation(last9_genai::Propagation::new().carry_conversation());
    /// # }
    /// ```
    pub fn propagation(mut self, propagation: Propagation) -> Self {
        self.propagation = propagation;
        self
    }

    /// Says the client talks to its server over stdio (`network.transport =
    /// pipe`).
    ///
    /// ```no_run
    /// # fn f(client: last9_genai::McpClient<()>) {
    /// let client = client.over_stdio();
    /// # }
    /// ```
    pub fn over_stdio(mut self) -> Self {
        self.transport = Some(("pipe", None));
        self
    }

    /// Says the client talks to the server at `url` over Streamable HTTP:
    /// `network.transport = tcp`, `network.protocol.name = http`, and the
    /// server's host and port.
    ///
    /// ```no_run
    /// # fn f(client: last9_genai::McpClient<()>) {
    /// let client = client.over_http("http://127.0.0.1:8000/mcp");
    /// # }
    /// ```
    pub fn over_http(mut self, url: &str) -> Self {
        self.transport = Some(("tcp", Some("http")));
        self.server = url.parse::<http::Uri>().ok().and_then(|uri| {
            let host = uri.host()?.trim_matches(['[', ']']).to_owned();
            let port = uri.port_u16().or(match uri.scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            })?;
            Some((host.into(), i64::from(port)))
        });
        self
    }

    /// The client, for what this wrapper does not trace.
    pub fn inner(&self) -> &RunningService<RoleClient, S> {
        &self.inner
    }

    /// The client itself, to close it.
    pub fn into_inner(self) -> RunningService<RoleClient, S> {
        self.inner
    }

    /// `tools/call`: a tool's span (`execute_tool`), with its arguments and
    /// result; a result marked `isError` is an error of type `tool_error`.
    pub async fn call_tool(
        &self,
        mut params: CallToolRequestParams,
    ) -> Result<CallToolResult, ServiceError> {
        let Some(call) = self.start(|| Request {
            tool: Some(name_value(&params.name)),
            ..self.request("tools/call")
        }) else {
            return self.inner.call_tool(params).await;
        };
        call.arguments(params.arguments.as_ref());
        self.inject(&call, &mut params.meta);
        Traced::new(call, self.inner.call_tool(params), McpCall::end_tool).await
    }

    /// `tools/list`.
    pub async fn list_tools(
        &self,
        params: Option<PaginatedRequestParams>,
    ) -> Result<ListToolsResult, ServiceError> {
        self.paginated("tools/list", params, |p| self.inner.list_tools(p))
            .await
    }

    /// `prompts/list`.
    pub async fn list_prompts(
        &self,
        params: Option<PaginatedRequestParams>,
    ) -> Result<ListPromptsResult, ServiceError> {
        self.paginated("prompts/list", params, |p| self.inner.list_prompts(p))
            .await
    }

    /// `resources/list`.
    pub async fn list_resources(
        &self,
        params: Option<PaginatedRequestParams>,
    ) -> Result<ListResourcesResult, ServiceError> {
        self.paginated("resources/list", params, |p| self.inner.list_resources(p))
            .await
    }

    /// `resources/templates/list`.
    pub async fn list_resource_templates(
        &self,
        params: Option<PaginatedRequestParams>,
    ) -> Result<ListResourceTemplatesResult, ServiceError> {
        self.paginated("resources/templates/list", params, |p| {
            self.inner.list_resource_templates(p)
        })
        .await
    }

    /// `resources/read`, with `mcp.resource.uri`.
    pub async fn read_resource(
        &self,
        mut params: ReadResourceRequestParams,
    ) -> Result<ReadResourceResult, ServiceError> {
        let Some(call) = self.start(|| Request {
            resource: Some(params.uri.clone().into()),
            ..self.request("resources/read")
        }) else {
            return self.inner.read_resource(params).await;
        };
        self.inject(&call, &mut params.meta);
        Traced::new(call, self.inner.read_resource(params), ok).await
    }

    /// `prompts/get`, with `gen_ai.prompt.name`.
    pub async fn get_prompt(
        &self,
        mut params: GetPromptRequestParams,
    ) -> Result<GetPromptResult, ServiceError> {
        let Some(call) = self.start(|| Request {
            prompt: Some(params.name.clone().into()),
            ..self.request("prompts/get")
        }) else {
            return self.inner.get_prompt(params).await;
        };
        self.inject(&call, &mut params.meta);
        Traced::new(call, self.inner.get_prompt(params), ok).await
    }

    /// `completion/complete`: argument completions for a prompt or a
    /// resource template.
    pub async fn complete(
        &self,
        mut params: CompleteRequestParams,
    ) -> Result<CompleteResult, ServiceError> {
        let Some(call) = self.start(|| self.request("completion/complete")) else {
            return self.inner.complete(params).await;
        };
        self.inject(&call, &mut params.meta);
        Traced::new(call, self.inner.complete(params), ok).await
    }

    /// The span of the request `request` builds, in the current context;
    /// nothing built when requests are not traced.
    fn start(&self, request: impl FnOnce() -> Request) -> Option<McpCall> {
        if !McpCall::active() {
            return None;
        }
        let call = McpCall::start(Side::Client, &Context::current(), request())?;
        if self.seen {
            Some(call.waiting_for_ids())
        } else {
            Some(call)
        }
    }

    /// What every request of this client says.
    fn request(&self, method: &'static str) -> Request {
        Request {
            method,
            protocol: self.protocol.clone(),
            transport: self.transport,
            server: self.server.clone(),
            ..Request::default()
        }
    }

    /// The trace context of `call`'s span into `meta`, keeping the
    /// caller's keys.
    fn inject(&self, call: &McpCall, meta: &mut Option<RequestMetaObject>) {
        let meta = meta.get_or_insert_with(RequestMetaObject::new);
        self.propagation
            .inject_into(call.context(), &mut MetaInjector::new(meta));
        if call.holds_content() {
            meta.entry(CONTENT_ON_CLIENT)
                .or_insert(serde_json::Value::Bool(true));
        }
    }

    /// A list request: its span, its `_meta`, its end.
    async fn paginated<'a, T, F>(
        &'a self,
        method: &'static str,
        params: Option<PaginatedRequestParams>,
        send: impl FnOnce(Option<PaginatedRequestParams>) -> F,
    ) -> Result<T, ServiceError>
    where
        F: Future<Output = Result<T, ServiceError>> + 'a,
    {
        let Some(call) = self.start(|| self.request(method)) else {
            return send(params).await;
        };
        let mut params = params.unwrap_or_default();
        self.inject(&call, &mut params.meta);
        Traced::new(call, send(Some(params)), ok).await
    }
}

/// Any answer is a success.
fn ok<T>(call: McpCall, _: &T) {
    call.end(Outcome::Ok);
}

/// How a request that got no result failed.
impl Failure for ServiceError {
    fn outcome(&self) -> Outcome<'_> {
        let kind = match self {
            ServiceError::McpError(data) => return Outcome::JsonRpc(data.code.0, &data.message),
            ServiceError::Timeout { .. } => "timeout",
            ServiceError::Cancelled { .. } => "cancelled",
            ServiceError::TransportClosed => "transport_closed",
            ServiceError::TransportSend(_) => "transport_send",
            _ => "_OTHER",
        };
        Outcome::Other(kind, self.to_string())
    }
}
