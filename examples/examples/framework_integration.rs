//! An agent with a tool, built on `rig`: rig records its model calls as
//! GenAI `tracing` spans (model and token usage as fields), and with
//! `tracing_layer()` installed those spans carry our conversation and
//! workflow, get priced by `Last9SpanProcessor`, and count toward the
//! workflow's totals, without any code in the agent.
//!
//! `cargo run -p examples --example framework_integration` talks to a
//! scripted provider on 127.0.0.1; with `OPENAI_API_KEY` set it talks to
//! OpenAI.

use examples::provider::ScriptedProvider;
use last9_genai::{ScopeExt, conversation, tracing_layer, workflow};
use rig_agent::AgentBuilder;
use rig_agent::core::message::ToolName;
use rig_agent::core::providers::openai::{OpenAIConfig, Route};
use rig_agent::core::tool::{DynamicTool, ToolOutput};
use serde_json::json;
use std::future::IntoFuture as _;

use tracing::Instrument as _;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = examples::telemetry()?;
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(tracing_layer()))?;

    let config = match std::env::var("OPENAI_API_KEY") {
        Ok(key) => OpenAIConfig::new(key),
        Err(_) => OpenAIConfig::new("scripted")
            .with_base_url(ScriptedProvider::start().await?.openai_base()),
    };
    let model = config.with_route(Route::Chat).client().completion("gpt-4o");
    let weather = DynamicTool::new_with_context(
        ToolName::new("get_weather")?,
        "Current weather of a city",
        json!({ "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] }),
        |_context, _args| {
            Box::pin(async move { Ok(ToolOutput::json(json!({ "weather": "18°C and sunny" }))) })
        },
    );
    let agent = AgentBuilder::new(model)
        .preamble("You answer questions about the weather, using the tool.")
        .dynamic_tool(weather)
        .build();

    // rig parents its spans to the ambient `tracing` span: open one inside
    // the scopes, so that the agent's spans nest under the workflow.
    let answer = async {
        async {
            // rig takes the ambient span when the run is made: make it inside.
            let request = tracing::info_span!("weather_request");
            let run = request.in_scope(|| {
                agent
                    .prompt("What is the weather in Paris?")
                    .max_turns(3)
                    .into_future()
            });
            run.instrument(request).await
        }
        .with_scope(workflow("weather_agent").workflow_type("agent"))
        .await
    }
    .with_scope(conversation("rig_session").user_id("user_3"))
    .await?;
    println!("answer: {}", answer.output());
    drop(telemetry);
    Ok(())
}
