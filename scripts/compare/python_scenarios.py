"""The comparison scenarios, run with the Python SDK (last9-genai 1.3.0).

Writes one JSON line per scenario to the file named on the command line:
{"scenario", "spans": [{"name", "parent", "status", "attributes", "events"}]},
the shape of tests/fixtures/python-sdk-traces.jsonl. The Rust side of each
scenario is in tests/tests/python_compare.rs; scripts/compare-python.sh runs
both and scripts/compare/diff.py compares them.
"""

import asyncio
import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shapes import obj

from last9_genai import (
    Last9GenAI,
    Last9SpanProcessor,
    ModelPricing,
    agent_context,
    conversation_context,
    observe,
    workflow_context,
)

PRICING = {
    "gpt-4o": ModelPricing(input=2.50, output=10.0),
    "claude-sonnet-4-5": ModelPricing(input=3.0, output=15.0),
}

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(Last9SpanProcessor(custom_pricing=PRICING))
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("compare")




OPENAI_TOOL_CALLS = {
    "id": "chatcmpl-7", "model": "gpt-4o",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
            {"id": "call_2", "type": "function",
             "function": {"name": "get_time", "arguments": "{}"}}]}}],
    "usage": {"prompt_tokens": 120, "completion_tokens": 30},
}

ANTHROPIC_TOOL_USE = {
    "id": "msg_7", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "stop_reason": "tool_use",
    "content": [{"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                 "input": {"city": "Paris"}}],
    "usage": {"input_tokens": 200, "output_tokens": 40},
}

OPENAI_TEXT = {
    "id": "chatcmpl-8", "model": "gpt-4o",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "Paris."}}],
    "usage": {"prompt_tokens": 50, "completion_tokens": 2},
}


@observe(pricing=PRICING)
def plan_tools(question):
    return obj(OPENAI_TOOL_CALLS)


@observe(pricing=PRICING)
def ask_claude(prompt):
    return obj(ANTHROPIC_TOOL_USE)


@observe()
def tuned_chat(prompt, temperature=1.0, max_tokens=16, top_p=1.0):
    return obj(OPENAI_TEXT)


@observe()
def chat_messages(messages):
    return obj(OPENAI_TEXT)


@observe(as_type="tool")
def lookup_order(order_id):
    return {"status": "shipped"}


@observe(as_type="agent", tags=["support"], metadata={"category": "customer_support"})
def support_agent(question):
    return lookup_order(42)


@observe()
async def failing_async(x):
    raise ValueError("upstream timed out")


def manual_tracking():
    l9 = Last9GenAI(custom_pricing=PRICING)
    with tracer.start_as_current_span("manual.conversation") as span:
        l9.add_conversation_tracking(span, "conv_9", user_id="user_9", turn_number=2)
    with tracer.start_as_current_span("manual.workflow") as span:
        l9.add_workflow_attributes(span, "wf_9", workflow_type="support", user_id="user_9")
    with tracer.start_as_current_span("manual.tool") as span:
        l9.add_tool_attributes(span, "search", tool_type="datastore",
                               arguments={"q": "paris"}, result={"hits": 3}, duration_ms=12)
    with tracer.start_as_current_span("manual.llm") as span:
        l9.add_standard_llm_attributes(
            span, "gpt-4o",
            request_params={"max_tokens": 100, "temperature": 0.5},
            response_data={"id": "chatcmpl-9", "model": "gpt-4o-2024-08-06",
                           "finish_reason": "stop"},
            usage={"input_tokens": 10, "output_tokens": 5})


def scenarios():
    yield "openai_tool_calls", lambda: plan_tools("weather and time in Paris?")
    yield "anthropic_tool_use", lambda: ask_claude("weather in Paris?")
    yield "request_parameters", lambda: tuned_chat("capital of France?", temperature=0.2,
                                                   max_tokens=100, top_p=0.9)
    yield "chat_messages", lambda: chat_messages([
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Capital of France?"}])

    def agent():
        with conversation_context(conversation_id="conv_a", user_id="user_a"):
            with agent_context(agent_name="support", agent_id="agent_1", version="2"):
                support_agent("where is my order?")
    yield "agent_with_tool", agent

    def failing():
        try:
            asyncio.run(failing_async(3))
        except ValueError:
            pass
    yield "async_error", failing
    yield "manual_tracking", manual_tracking


def as_json(value):
    if isinstance(value, tuple):
        return [as_json(v) for v in value]
    return value


def main(out):
    with open(out, "w") as f:
        for name, run in scenarios():
            exporter.clear()
            run()
            spans = exporter.get_finished_spans()
            by_id = {s.context.span_id: s.name for s in spans}
            f.write(json.dumps({"scenario": name, "spans": [{
                "name": s.name,
                "parent": by_id.get(s.parent.span_id) if s.parent else None,
                "status": s.status.status_code.name,
                "attributes": {k: as_json(v) for k, v in s.attributes.items()},
                "events": [{"name": e.name,
                            "attributes": {k: as_json(v) for k, v in e.attributes.items()}}
                           for e in s.events],
            } for s in spans]}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
