//! Cost of tracing an MCP tool call (feature `mcp`).
//!
//! Run: `cargo bench -p last9-genai --features mcp --bench mcp`
//!
//! * `tool_call/plain`: an rmcp client calls a tool of an rmcp server over
//!   an in-process pipe (`tokio::io::duplex`), on one current-thread
//!   runtime: the whole round trip, JSON-RPC encoding and decoding on both
//!   sides included.
//! * `tool_call/traced`: the same call through `McpClient` to a server
//!   behind `McpHandler`, with a pipeline installed (`Last9SpanProcessor`
//!   wrapping a processor that drops spans inline): a client span, the
//!   trace context in `_meta`, a server span in the extracted context, the
//!   arguments and the result captured.
//!
//! The two run in rotating blocks of 64 calls; each benchmark times only
//! its own. BENCHMARKS.md has a run and the difference per call, and the
//! instructions per call under callgrind (`L9_MCP_VARIANT`, below).

#![allow(missing_docs)]

mod common;

use std::hint::black_box;

use common::{Drop, rotate};
use criterion::{Criterion, criterion_group, criterion_main};
use last9_genai::{Last9SpanProcessor, McpClient, McpHandler};
use opentelemetry_sdk::trace::SdkTracerProvider;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::{RequestContext, RoleClient, RoleServer, RunningService};
use rmcp::{ErrorData, ServerHandler, ServiceExt};

/// A server with one tool that answers at once.
#[derive(Clone)]
struct Echo;

impl ServerHandler for Echo {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::default();
        info.capabilities = ServerCapabilities::builder().enable_tools().build();
        info
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::text(request.name.to_string())]).into())
    }
}

/// A client connected to `server` over an in-process pipe.
async fn connect<H: ServerHandler>(server: H) -> RunningService<RoleClient, ()> {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = server.serve(server_end).await.unwrap();
        let _ = running.waiting().await;
    });
    ().serve(client_end).await.unwrap()
}

/// The same, the client traced and seeing its requests go out
/// (`McpClient::serve`, as the README shows).
async fn serve<H: ServerHandler>(server: H) -> McpClient<()> {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = server.serve(server_end).await.unwrap();
        let _ = running.waiting().await;
    });
    McpClient::serve(client_end).await.unwrap()
}

fn params() -> CallToolRequestParams {
    let mut params = CallToolRequestParams::new("echo");
    params.arguments = serde_json::json!({"city": "Paris", "units": "metric"})
        .as_object()
        .cloned();
    params
}

fn tool_call(c: &mut Criterion) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Last9SpanProcessor::builder().wrap(Drop))
        .build();
    last9_genai::set_tracer_provider(provider);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let plain = runtime.block_on(connect(Echo));
    let traced = runtime.block_on(serve(McpHandler::new(Echo)));
    eprintln!(
        "SIZES plain {} traced {}",
        std::mem::size_of_val(&plain.call_tool(params())),
        std::mem::size_of_val(&traced.call_tool(params()))
    );
    let run = |n: u64, traced_call: bool| {
        runtime.block_on(async {
            for _ in 0..n {
                let result = if traced_call {
                    traced.call_tool(params()).await
                } else {
                    plain.call_tool(params()).await
                };
                black_box(result.unwrap());
            }
        });
    };
    // For callgrind: `L9_MCP_VARIANT=plain|traced L9_MCP_CALLS=n` makes n
    // calls of one variant and exits (instructions per call: the difference
    // of two counts over the difference of their calls).
    if let Ok(variant) = std::env::var("L9_MCP_VARIANT") {
        let calls = std::env::var("L9_MCP_CALLS").map_or(1000, |n| n.parse().unwrap());
        run(calls, variant == "traced");
        std::process::exit(0);
    }
    let plain_calls = |n| run(n, false);
    let traced_calls = |n| run(n, true);
    let variants: [&dyn Fn(u64); 2] = [&plain_calls, &traced_calls];
    let mut group = c.benchmark_group("tool_call");
    for (i, name) in ["plain", "traced"].into_iter().enumerate() {
        group.bench_function(name, |b| b.iter_custom(|n| rotate(n, i, &variants)));
    }
    group.finish();
}

criterion_group!(benches, tool_call);
criterion_main!(benches);
