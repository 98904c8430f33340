//! An MCP server over stdio, for `tests/tests/mcp_stdio.rs`: the tools of
//! the MCP tests behind `McpHandler`, in a process of its own, exporting
//! its spans where its environment says (`install()`).

#[path = "../../tests/mcp_tools/mod.rs"]
mod mcp_tools;

use rmcp::ServiceExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _telemetry = last9_genai::install()?;
    let handler = last9_genai::McpHandler::new(mcp_tools::Tools)
        .propagation(mcp_tools::propagation())
        .over_stdio();
    let running = handler.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
