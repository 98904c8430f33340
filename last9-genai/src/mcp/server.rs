//! The server side: each request an rmcp server handles runs in the
//! context its `_meta` carries, under a server span.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::StringValue;
use pin_project_lite::pin_project;
use rmcp::ErrorData as McpError;
use rmcp::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, CancelledNotificationParam,
    CompleteRequestParams, CompleteResult, CustomNotification, CustomRequest, CustomResult,
    DiscoverResult, GetPromptRequestParams, GetPromptResponse, GetSkillRequestParams,
    GetSkillResult, GetTaskParams, GetTaskResult, InitializeRequestParams, InitializeResult,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListSkillsResult,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ProtocolVersion,
    ReadResourceDirectoryRequestParams, ReadResourceDirectoryResult, ReadResourceRequestParams,
    ReadResourceResponse, ServerConfig, SubscribeRequestParams, SubscriptionFilter, Tool,
    UnsubscribeRequestParams, UpdateTaskParams,
};
// Logging is deprecated (SEP-2577); the handler's method still is to pass on.
#[allow(deprecated)]
use rmcp::model::SetLevelRequestParams;
use rmcp::service::{
    MaybeSendFuture, NotificationContext, RequestContext, RoleServer, SubscriptionContext,
};

use super::call::{McpCall, Outcome, Request, Side, name_value, protocol_value};
use super::meta::{CONTENT_ON_CLIENT, MetaExtractor};
use super::traced::{Failure, Traced};
use crate::propagation::Propagation;

/// The header the Streamable HTTP transport names its session by.
const SESSION_HEADER: &str = "mcp-session-id";

/// An rmcp server handler whose requests are traced: each one runs in the
/// context its `params._meta` carries (the client's span as its parent, the
/// conversation, user and workflow ids the client's baggage holds as
/// scopes, as far as the [`Propagation`] allows), under a server span named
/// `{method} {target}`, so that what the handler does (`#[observe]`d
/// functions, model calls, their cost) joins the caller's trace and
/// conversation. Timed in `mcp.server.operation.duration`. A `_meta` that
/// is malformed, of the wrong type, oversized or secret-bearing is read as
/// [`Propagation::extract`] reads HTTP headers: what is wrong is left out,
/// and the request is handled all the same.
///
/// Every other method of the handler is passed through unchanged.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// # #[derive(Clone)] struct Weather;
/// # impl rmcp::ServerHandler for Weather {}
/// use last9_genai::{McpHandler, Propagation};
/// use rmcp::ServiceExt;
///
/// let handler = McpHandler::new(Weather).propagation(Propagation::new().carry_conversation());
/// let running = handler.serve(rmcp::transport::stdio()).await?;
/// running.waiting().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct McpHandler<H> {
    inner: H,
    propagation: Propagation,
    transport: Option<(&'static str, Option<&'static str>)>,
}

impl<H: ServerHandler> McpHandler<H> {
    /// Traces the requests `handler` handles.
    pub fn new(handler: H) -> Self {
        Self {
            inner: handler,
            propagation: Propagation::new(),
            transport: None,
        }
    }

    /// Which scope ids are read from `_meta.baggage` (by default none:
    /// only the trace continues).
    ///
    /// ```
    /// # #[derive(Clone)] struct Weather;
    /// # impl rmcp::ServerHandler for Weather {}
    /// let handler = last9_genai::McpHandler::new(Weather)
    ///     .propagation(last9_genai::Propagation::new().carry_conversation().carry_workflow());
    /// ```
    pub fn propagation(mut self, propagation: Propagation) -> Self {
        self.propagation = propagation;
        self
    }

    /// Says the server is reached over stdio (`network.transport = pipe`);
    /// a request that came over HTTP says so by itself.
    ///
    /// ```
    /// # #[derive(Clone)] struct Weather;
    /// # impl rmcp::ServerHandler for Weather {}
    /// let handler = last9_genai::McpHandler::new(Weather).over_stdio();
    /// ```
    pub fn over_stdio(mut self) -> Self {
        self.transport = Some(("pipe", None));
        self
    }

    /// The handler.
    pub fn inner(&self) -> &H {
        &self.inner
    }

    /// The span of a request, in the context its `_meta` carries.
    fn start(
        &self,
        request: impl FnOnce() -> Request,
        context: &RequestContext<RoleServer>,
    ) -> Option<McpCall> {
        if !McpCall::active() {
            return None;
        }
        let request = request();
        let parent = self
            .propagation
            .extract_from(&MetaExtractor(&context.meta), None, None);
        let parts = context.extensions.get::<http::request::Parts>();
        let session = parts
            .and_then(|parts| parts.headers.get(SESSION_HEADER))
            .and_then(|value| value.to_str().ok())
            .map(|value| StringValue::from(crate::text::cut_bytes(value, 256).into_owned()));
        let request = Request {
            request_id: Some(context.id.to_string().into()),
            protocol: context.protocol_version().as_ref().map(protocol_value),
            session,
            // A client that says its span holds them.
            content_with_caller: context.meta.get(CONTENT_ON_CLIENT)
                == Some(&serde_json::Value::Bool(true)),
            transport: if parts.is_some() {
                Some(("tcp", Some("http")))
            } else {
                self.transport
            },
            ..request
        };
        McpCall::start(Side::Server, &parent, request)
    }

    /// Runs `handle` in `call`'s context, and ends `call` with its outcome.
    fn traced<T, F>(call: Option<McpCall>, handle: F, end: fn(McpCall, &T)) -> Handled<F, T>
    where
        F: Future<Output = Result<T, McpError>>,
    {
        match call {
            Some(call) => Handled::Traced {
                traced: Traced::new(call, handle, end),
            },
            None => Handled::Plain { handle },
        }
    }

    fn method(method: &'static str) -> Request {
        Request {
            method,
            ..Request::default()
        }
    }
}

pin_project! {
    /// A handler's future, traced or, when requests are not, as it is.
    #[project = HandledProj]
    pub(crate) enum Handled<F, T> {
        Traced { #[pin] traced: Traced<F, T> },
        Plain { #[pin] handle: F },
    }
}

impl<F, T> Future for Handled<F, T>
where
    F: Future<Output = Result<T, McpError>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.project() {
            HandledProj::Traced { traced } => traced.poll(task),
            HandledProj::Plain { handle } => handle.poll(task),
        }
    }
}

/// A JSON-RPC error the handler answered with.
impl Failure for McpError {
    fn outcome(&self) -> Outcome<'_> {
        Outcome::JsonRpc(self.code.0, &self.message)
    }
}

/// Any answer is a success.
fn ok<T>(call: McpCall, _: &T) {
    call.end(Outcome::Ok);
}

impl<H: ServerHandler> ServerHandler for McpHandler<H> {
    fn ping(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("ping"), &context);
        Self::traced(call, self.inner.ping(context), ok)
    }

    fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<InitializeResult, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("initialize"), &context);
        Self::traced(call, self.inner.initialize(request, context), ok)
    }

    fn negotiate_initialize(
        &self,
        request: &InitializeRequestParams,
    ) -> Result<InitializeResult, McpError> {
        self.inner.negotiate_initialize(request)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }

    fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<DiscoverResult, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("server/discover"), &context);
        Self::traced(call, self.inner.discover(context), ok)
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CompleteResult, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("completion/complete"), &context);
        Self::traced(call, self.inner.complete(request, context), ok)
    }

    #[allow(deprecated)]
    fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("logging/setLevel"), &context);
        Self::traced(call, self.inner.set_level(request, context), ok)
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(
            || Request {
                prompt: Some(request.name.clone().into()),
                ..Self::method("prompts/get")
            },
            &context,
        );
        Self::traced(call, self.inner.get_prompt(request, context), ok)
    }

    fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("prompts/list"), &context);
        Self::traced(call, self.inner.list_prompts(request, context), ok)
    }

    fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("resources/list"), &context);
        Self::traced(call, self.inner.list_resources(request, context), ok)
    }

    fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, McpError>> + MaybeSendFuture + '_
    {
        let call = self.start(|| Self::method("resources/templates/list"), &context);
        Self::traced(
            call,
            self.inner.list_resource_templates(request, context),
            ok,
        )
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceResponse, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(
            || Request {
                resource: Some(request.uri.clone().into()),
                ..Self::method("resources/read")
            },
            &context,
        );
        Self::traced(call, self.inner.read_resource(request, context), ok)
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.inner.accepted_subscription_filter(requested)
    }

    fn listen(
        &self,
        context: SubscriptionContext,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        self.inner.listen(context)
    }

    #[allow(deprecated)]
    fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("resources/subscribe"), &context);
        Self::traced(call, self.inner.subscribe(request, context), ok)
    }

    #[allow(deprecated)]
    fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("resources/unsubscribe"), &context);
        Self::traced(call, self.inner.unsubscribe(request, context), ok)
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(
            || Request {
                tool: Some(name_value(&request.name)),
                ..Self::method("tools/call")
            },
            &context,
        );
        if let Some(call) = &call {
            call.arguments(request.arguments.as_ref());
        }
        Self::traced(
            call,
            self.inner.call_tool(request, context),
            |call, response| match response {
                CallToolResponse::Complete(result) => call.end_tool(result),
                _ => call.end(Outcome::Ok),
            },
        )
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, McpError>> + MaybeSendFuture + '_ {
        let call = self.start(|| Self::method("tools/list"), &context);
        Self::traced(call, self.inner.list_tools(request, context), ok)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.get_tool(name)
    }

    fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CustomResult, McpError>> + MaybeSendFuture + '_ {
        self.inner.on_custom_request(request, context)
    }

    fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_cancelled(notification, context)
    }

    fn on_progress(
        &self,
        notification: ProgressNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_progress(notification, context)
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_initialized(context)
    }

    fn on_roots_list_changed(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_roots_list_changed(context)
    }

    fn on_custom_notification(
        &self,
        notification: CustomNotification,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_custom_notification(notification, context)
    }

    fn get_info(&self) -> ServerConfig {
        self.inner.get_info()
    }

    fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetTaskResult, McpError>> + MaybeSendFuture + '_ {
        self.inner.get_task(request, context)
    }

    fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        self.inner.update_task(request, context)
    }

    fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        self.inner.cancel_task(request, context)
    }

    fn list_skills(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListSkillsResult, McpError>> + MaybeSendFuture + '_ {
        self.inner.list_skills(request, context)
    }

    fn get_skill(
        &self,
        request: GetSkillRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetSkillResult, McpError>> + MaybeSendFuture + '_ {
        self.inner.get_skill(request, context)
    }

    fn read_resource_directory(
        &self,
        request: ReadResourceDirectoryRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceDirectoryResult, McpError>> + MaybeSendFuture + '_
    {
        self.inner.read_resource_directory(request, context)
    }
}
