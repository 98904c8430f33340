//! Tool calls: the model asks for a tool (the response's tool calls are
//! counted and recorded as events), the tool runs as a `tool` span, and the
//! manual API describes a tool call made by hand.
//!
//! `cargo run -p examples --example tool_integration`

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequestArgs, CreateChatCompletionResponse, FunctionObjectArgs,
};
use last9_genai::{Last9GenAI, ToolCall, observe, workflow};
use opentelemetry::trace::{Span as _, Tracer as _};
use serde_json::json;

#[observe(name = "chat.with_tools", skip(client))]
async fn ask(
    client: &Client<OpenAIConfig>,
    question: &str,
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    let tool = ChatCompletionTools::Function(ChatCompletionTool {
        function: FunctionObjectArgs::default()
            .name("get_weather")
            .description("Current weather of a city")
            .parameters(json!({ "type": "object", "properties": { "city": { "type": "string" } } }))
            .build()?,
    });
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(question)
            .build()?
            .into()])
        .tools(vec![tool])
        .build()?;
    client.chat().create(request).await
}

#[observe(kind = "tool")]
fn get_weather(city: &str) -> String {
    format!("18°C and sunny in {city}")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    let client = examples::openai().await?;
    {
        let _wf = workflow("weather_answer").enter();
        let response = ask(&client, "What is the weather in Paris?").await?;
        let calls = response.choices[0]
            .message
            .tool_calls
            .clone()
            .unwrap_or_default();
        println!("the model asked for {} tool call(s)", calls.len());
        println!("{}", get_weather("Paris"));

        // A tool call described by hand, with the manual API.
        let mut span = opentelemetry::global::tracer("tools").start("gen_ai.tool.search");
        Last9GenAI::new().add_tool_attributes(
            &mut span,
            &ToolCall::new("web_search")
                .tool_type("search")
                .arguments(json!({"query": "weather"}))
                .result(json!({"temp": 72}))
                .duration_ms(150),
        );
        span.end();
    }
    drop(telemetry);
    Ok(())
}
