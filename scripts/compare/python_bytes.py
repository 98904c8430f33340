"""The byte scenario, with the Python SDK: one observed chat call (the system
and user messages and the OpenAI response of scripts/compare/bytes_call.json),
priced, made CALLS times, exported over OTLP/HTTP protobuf (the SDK's batch
processor and exporter, as the Python SDK's users run it) to a sink on
127.0.0.1 that counts what arrives. Prints one JSON line: bytes, spans, and the
attributes of one span (span and events together).

The Rust side is tests/tests/wire_bytes.rs; scripts/compare-python.sh --bytes
runs both and compares them.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from shapes import obj

from last9_genai import Last9SpanProcessor, ModelPricing, observe

CALLS = 200
PRICING = {"gpt-4o": ModelPricing(input=2.50, output=10.0)}

received = {"bytes": 0, "spans": 0, "attributes": 0}


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received["bytes"] += len(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    received["spans"] += 1
                    received["attributes"] = len(span.attributes) + sum(
                        len(event.attributes) for event in span.events)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Sink)
threading.Thread(target=server.serve_forever, daemon=True).start()
endpoint = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"

provider = TracerProvider()
provider.add_span_processor(Last9SpanProcessor(custom_pricing=PRICING))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
trace.set_tracer_provider(provider)

with open(sys.argv[1]) as f:
    CALL = json.load(f)
RESPONSE = obj(CALL["response"])


@observe(pricing=PRICING)
def chat(messages):
    return RESPONSE


for _ in range(CALLS):
    chat(CALL["messages"])
provider.shutdown()
server.shutdown()
print(json.dumps({"layout": "python-sdk", "calls": CALLS, **received}))
