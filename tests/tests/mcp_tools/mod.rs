//! The MCP server of the MCP tests, and a client connected to it over an
//! in-process pipe.

#![allow(dead_code, unreachable_pub)]

use last9_genai::{McpClient, McpHandler, Propagation, observe};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::json;

/// A model call inside the tool: gpt-4o, 1000 tokens in and 500 out
/// ($0.0075 at the harness's prices).
#[observe]
fn forecast(city: &str) -> serde_json::Value {
    let _ = city;
    json!({ "model": "gpt-4o", "choices": [{ "message": { "content": "sunny" } }],
            "usage": { "prompt_tokens": 1000, "completion_tokens": 500 } })
}

/// The server: `weather` calls a model; `broken` answers with a result
/// marked `isError`; `panics` panics; `slow` answers after 30 s; any other
/// tool is unknown (a JSON-RPC error).
#[derive(Clone)]
pub struct Tools;

impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::default();
        info.capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .build();
        info
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        match &*request.name {
            "weather" => {
                let city = request
                    .arguments
                    .as_ref()
                    .and_then(|a| a.get("city"))
                    .and_then(|c| c.as_str())
                    .unwrap_or("nowhere");
                let answer = forecast(city);
                let text = answer["choices"][0]["message"]["content"].as_str().unwrap();
                Ok(
                    CallToolResult::success(vec![ContentBlock::text(format!("{city}: {text}"))])
                        .into(),
                )
            }
            "broken" => Ok(CallToolResult::error(vec![ContentBlock::text(
                "the station is down; key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234",
            )])
            .into()),
            "panics" => panic!("the tool fell over; key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234"),
            "slow" => {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                Ok(CallToolResult::success(vec![]).into())
            }
            other => Err(ErrorData::invalid_params(format!("no tool {other}"), None)),
        }
    }
}

/// Conversation and workflow ids cross; the user id does not.
pub fn propagation() -> Propagation {
    Propagation::new().carry_conversation().carry_workflow()
}

/// A client and a server over an in-process pipe, the client seeing its
/// requests go out (`McpClient::serve`).
pub async fn connected() -> McpClient<()> {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let handler = McpHandler::new(Tools).propagation(propagation());
    tokio::spawn(async move {
        let running = handler.serve(server_end).await.unwrap();
        let _ = running.waiting().await;
    });
    McpClient::serve(client_end)
        .await
        .unwrap()
        .propagation(propagation())
}
