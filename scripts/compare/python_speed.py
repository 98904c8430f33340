"""The speed scenario, with the Python SDK: an observed call returning an
OpenAI-shaped response, priced, inside a conversation, exported through a batch
processor whose exporter drops the data. Prints the time per call in ns.

The Rust side is last9-genai/benches/python_scenario.rs; scripts/compare-python.sh
--speed runs both.
"""

import sys
import time

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from shapes import obj

from last9_genai import Last9SpanProcessor, ModelPricing, conversation_context, observe

PRICING = {"gpt-4o": ModelPricing(input=2.50, output=10.0)}


class Drop(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


provider = TracerProvider()
provider.add_span_processor(Last9SpanProcessor(custom_pricing=PRICING))
provider.add_span_processor(BatchSpanProcessor(Drop(), max_queue_size=65536,
                                               max_export_batch_size=4096))
trace.set_tracer_provider(provider)




# The response of scripts/compare/response.json, as the OpenAI SDK returns it:
# an object with attributes.
with open(sys.argv[1]) as f:
    import json
    RESPONSE = obj(json.load(f))


@observe(pricing=PRICING)
def call_openai(prompt):
    return RESPONSE


def main():
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    with conversation_context(conversation_id="session_123", user_id="user_456"):
        for _ in range(calls // 10):
            call_openai("What is the capital of France?")
        start = time.perf_counter_ns()
        for _ in range(calls):
            call_openai("What is the capital of France?")
        elapsed = time.perf_counter_ns() - start
    provider.shutdown()
    print(elapsed / calls)


if __name__ == "__main__":
    main()
