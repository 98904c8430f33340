//! An agent whose tool runs in another process, called over MCP: the agent
//! lists the server's tools, gives them to the model, calls the one the
//! model asks for through `McpClient`, and answers. The server (this same
//! program, started with `serve`, over stdio) wraps its handler in
//! `McpHandler`: its span continues the client's, with the caller's
//! conversation and workflow, and the model call inside the tool is priced
//! there. The child's spans come back over OTLP to 127.0.0.1, so the trace
//! prints as one tree across both processes. Each process counts the cost
//! it spends: the workflow's total here, the tool's model call there; a
//! backend sums the trace.
//!
//! `cargo run -p examples --example mcp_tools`

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequestArgs, FunctionObject,
};
use last9_genai::{
    McpClient, McpHandler, Propagation, ScopeExt, agent, conversation, observe, workflow,
};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::TokioChildProcess;
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::json;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What crosses to the server: the conversation and the workflow.
fn propagation() -> Propagation {
    Propagation::new().carry_conversation().carry_workflow()
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    if std::env::args().nth(1).as_deref() == Some("serve") {
        return serve().await;
    }
    let telemetry = examples::remote::Telemetry::start().await?;
    let client = examples::openai().await?;
    // The server: this program again, a child process over stdio, sending
    // its spans where this process's go (without an endpoint: back here).
    let mut command = tokio::process::Command::new(std::env::current_exe()?);
    command
        .arg("serve")
        .env("OTEL_SERVICE_NAME", "weather-mcp-server");
    telemetry.configure(&mut command);
    let tools = McpClient::serve(TokioChildProcess::new(command)?)
        .await?
        .propagation(propagation())
        .over_stdio();

    async {
        let answer = run(&client, &tools, "What is the weather in Paris?")
            .with_scope(agent("WeatherAgent").id("agent-1"))
            .await?;
        println!("answer: {answer}");
        // Closing the client ends the server, which sends its spans as it
        // exits: before the workflow ends and its tree is printed.
        tools.into_inner().cancel().await?;
        Ok::<_, Error>(())
    }
    .with_scope((
        conversation("mcp_session").user_id("user_1"),
        workflow("weather_answer"),
    ))
    .await?;
    drop(telemetry);
    Ok(())
}

/// The agent: the server's tools to the model, the tool it asks for over
/// MCP, then the answer.
#[observe(kind = "agent", name = "weather_agent", skip(client, tools))]
async fn run(
    client: &Client<OpenAIConfig>,
    tools: &McpClient<()>,
    question: &str,
) -> Result<String, Error> {
    let listed = tools.list_tools(None).await?;
    let asked = ask(client, question, &listed).await?;
    let call = asked.choices[0]
        .message
        .tool_calls
        .iter()
        .flatten()
        .find_map(|call| match call {
            async_openai::types::chat::ChatCompletionMessageToolCalls::Function(call) => {
                Some(call.function.clone())
            }
            _ => None,
        })
        .ok_or("the model asked for no tool")?;
    println!("the model asked for {}({})", call.name, call.arguments);
    let arguments = serde_json::from_str(&call.arguments)?;
    let result = tools
        .call_tool(CallToolRequestParams::new(call.name).with_arguments(arguments))
        .await?;
    let said = result
        .content
        .first()
        .and_then(|block| block.as_text())
        .map(|text| text.text.clone())
        .unwrap_or_default();
    println!("the tool said: {said}");
    let answer = reply(client, &format!("{question} The tool said: {said}")).await?;
    Ok(answer.choices[0]
        .message
        .content
        .clone()
        .unwrap_or_default())
}

/// The answer, from what the tool said.
#[observe(kind = "llm", name = "reply", skip(client))]
async fn reply(
    client: &Client<OpenAIConfig>,
    prompt: &str,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, async_openai::error::OpenAIError>
{
    examples::chat(client, "gpt-4o", prompt).await
}

/// The model, given the MCP server's tools as functions.
#[observe(kind = "llm", name = "choose_tool", skip(client, listed))]
async fn ask(
    client: &Client<OpenAIConfig>,
    question: &str,
    listed: &ListToolsResult,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, Error> {
    let functions = listed.tools.iter().map(|tool| {
        ChatCompletionTools::Function(ChatCompletionTool {
            function: FunctionObject {
                name: tool.name.to_string(),
                description: tool.description.as_deref().map(str::to_owned),
                parameters: Some(serde_json::Value::Object((*tool.input_schema).clone())),
                strict: None,
            },
        })
    });
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(question)
            .build()?
            .into()])
        .tools(functions.collect::<Vec<_>>())
        .build()?;
    Ok(client.chat().create(request).await?)
}

/// The child: an MCP server over stdio with one tool, traced by
/// `McpHandler`, exporting where its environment says.
async fn serve() -> Result<(), Error> {
    let telemetry = examples::telemetry()?;
    let weather = Weather {
        client: examples::openai().await?,
    };
    let running = McpHandler::new(weather)
        .propagation(propagation())
        .over_stdio()
        .serve(rmcp::transport::stdio())
        .await?;
    running.waiting().await?;
    drop(telemetry);
    Ok(())
}

#[derive(Clone)]
struct Weather {
    client: Client<OpenAIConfig>,
}

/// The tool's work: a small model call, priced in this process.
#[observe(kind = "llm", name = "forecast", skip(client))]
async fn forecast(
    client: &Client<OpenAIConfig>,
    city: &str,
) -> Result<async_openai::types::chat::CreateChatCompletionResponse, async_openai::error::OpenAIError>
{
    examples::chat(
        client,
        "gpt-4o-mini",
        &format!("Forecast: the weather in {city}?"),
    )
    .await
}

impl ServerHandler for Weather {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::default();
        info.capabilities = ServerCapabilities::builder().enable_tools().build();
        info
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = json!({ "type": "object", "properties": { "city": { "type": "string" } } });
        let tool = Tool::new(
            "get_weather",
            "The weather of a city",
            schema.as_object().cloned().unwrap_or_default(),
        );
        Ok(ListToolsResult::with_all_items(vec![tool]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let city = request
            .arguments
            .as_ref()
            .and_then(|arguments| arguments.get("city"))
            .and_then(|city| city.as_str())
            .unwrap_or("nowhere")
            .to_owned();
        let answer = forecast(&self.client, &city)
            .await
            .map_err(|error| ErrorData::internal_error(error.to_string(), None))?;
        let text = answer.choices[0]
            .message
            .content
            .clone()
            .unwrap_or_default();
        Ok(CallToolResult::success(vec![ContentBlock::text(text)]).into())
    }
}
