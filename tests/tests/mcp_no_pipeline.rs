//! With no pipeline and no meter provider, `McpClient` and `McpHandler` do
//! nothing: a traced tool call allocates exactly what the same call does
//! without them, and no trace context goes in `_meta`. Its own binary: no
//! test here may install a pipeline.

use last9_genai::{McpClient, McpHandler};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::{RequestContext, RoleClient, RoleServer, RunningService};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

/// Counts allocations, on every thread.
#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// A tool that answers whether the request's `_meta` carried a trace.
#[derive(Clone)]
struct Traceless;

impl ServerHandler for Traceless {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::default();
        info.capabilities = ServerCapabilities::builder().enable_tools().build();
        info
    }

    async fn call_tool(
        &self,
        _: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let traced = context.meta.get("traceparent").is_some();
        Ok(CallToolResult::success(vec![ContentBlock::text(traced.to_string())]).into())
    }
}

async fn connect<H: ServerHandler>(server: H) -> RunningService<RoleClient, ()> {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = server.serve(server_end).await.unwrap();
        let _ = running.waiting().await;
    });
    ().serve(client_end).await.unwrap()
}

fn params() -> CallToolRequestParams {
    CallToolRequestParams::new("echo")
}

/// A client that sees its transport (`McpClient::serve`) over an in-process
/// pipe to a traced server.
async fn seeing<H: ServerHandler>(server: H) -> McpClient<()> {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = server.serve(server_end).await.unwrap();
        let _ = running.waiting().await;
    });
    McpClient::serve(client_end).await.unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn with_no_pipeline_nothing_is_allocated_and_nothing_sent() {
    let plain = connect(Traceless).await;
    let traced = McpClient::new(connect(McpHandler::new(Traceless)).await);
    allocate_alike(&plain, &traced).await;
    let seeing = seeing(McpHandler::new(Traceless)).await;
    allocate_alike(&plain, &seeing).await;
}

/// `traced` allocates what `plain` does, call for call, and sends no trace
/// context (the server answers whether it saw one).
async fn allocate_alike(plain: &RunningService<RoleClient, ()>, traced: &McpClient<()>) {
    // Warm both up: first calls fill caches of their own.
    for _ in 0..20 {
        plain.call_tool(params()).await.unwrap();
        traced.call_tool(params()).await.unwrap();
    }
    const CALLS: usize = 100;
    let (mut plain_allocations, mut traced_allocations) = (0, 0);
    for _ in 0..CALLS {
        let region = Region::new(GLOBAL);
        plain.call_tool(params()).await.unwrap();
        plain_allocations += region.change().allocations;
        let region = Region::new(GLOBAL);
        let answer = traced.call_tool(params()).await.unwrap();
        traced_allocations += region.change().allocations;
        assert_eq!(answer.content[0].as_text().unwrap().text, "false");
    }
    assert!(plain_allocations > CALLS);
    // Not one more per call: the two connections' channels grow their
    // buffers at their own times (tokio's queues allocate a block every 32
    // messages), a difference of a few over all the calls.
    assert!(
        traced_allocations.abs_diff(plain_allocations) < CALLS / 10,
        "{traced_allocations} allocations traced, {plain_allocations} plain"
    );
}
