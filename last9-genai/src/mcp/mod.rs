//! An agent's trace through its MCP tools (feature `mcp`): the client and
//! server sides of the official Rust MCP SDK, `rmcp`.
//!
//! A tool called over the Model Context Protocol used to be a hole in the
//! trace: the server's work began a trace of its own, outside the
//! conversation and the workflow. With [`McpClient`] around the client and
//! [`McpHandler`] around the server's handler, each request is a client
//! span in the caller's context and a server span under it, in the other
//! process, as the GenAI conventions' MCP page names them; the trace
//! context travels in the request's `params._meta` (`traceparent`,
//! `tracestate`, `baggage`, as the MCP specification reserves them), so
//! what the tool does joins the agent's trace, conversation and workflow.
//!
//! The modules: `meta` (the `_meta` object as a carrier), `call` (one
//! request's span, content and duration), `traced` (a request's future in
//! its span's context, ended with its outcome), `client`, `server`; `ids`
//! (the JSON-RPC id and session rmcp decides as it sends, back to the
//! client's span), seen by the client's `transport` and `http_client`.

mod call;
mod client;
mod http_client;
mod ids;
mod meta;
mod server;
mod traced;
mod transport;

pub use client::McpClient;
pub use http_client::McpHttpClient;
pub use server::McpHandler;
