#!/usr/bin/env bash
# The Python SDK and this crate, side by side, in one command:
#
#   scripts/compare-python.sh            the spans, key by key
#   scripts/compare-python.sh --speed    the time of one observed call, the same call written
#                                        by hand, and the ratios
#   scripts/compare-python.sh --bytes    the bytes one observed chat call sends over OTLP/HTTP
#                                        in each content layout, uncompressed and gzip, beside
#                                        the Python SDK's; fails when a layout passes its target
#
# installs the Python SDK (last9-genai 1.3.0) into .venv-python-sdk (once),
# runs the scenarios of scripts/compare/python_scenarios.py with it and the
# same scenarios with this crate (tests/tests/python_compare.rs), and
# compares the spans key by key (scripts/compare/diff.py). Differences listed
# in scripts/compare/differences.json are on purpose and printed with their
# reason; any other fails the command. The spans are left in target/compare.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="1.3.0"
VENV=".venv-python-sdk"
OUT="target/compare"

installed=""
if [ -x "$VENV/bin/pip" ]; then
  installed=$("$VENV/bin/pip" show last9-genai 2>/dev/null | sed -n 's/^Version: //p')
fi
if [ "$installed" != "$VERSION" ]; then
  echo "installing last9-genai $VERSION into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "last9-genai==$VERSION" \
    "opentelemetry-exporter-otlp-proto-http" >&2
fi

mkdir -p "$OUT"
if [ "${1:-}" = "--speed" ]; then
  # An observed call returning an OpenAI response, priced, in a conversation,
  # exported through a batch processor that drops the data: Python, then Rust
  # (optimized), each timed over many calls after a warm-up.
  python_ns=$("$VENV/bin/python" scripts/compare/python_speed.py scripts/compare/response.json 20000)
  rust_ns=$(cargo bench -q -p last9-genai --bench python_scenario 2>/dev/null | tail -1)
  # The same span written by hand with the OpenTelemetry API: the floor of
  # any Rust code recording these attributes through the SDK.
  hand_ns=$(L9_SCENARIO=by_hand cargo bench -q -p last9-genai --bench python_scenario 2>/dev/null | tail -1)
  python3 -c "p, r, h = $python_ns, $rust_ns, $hand_ns; print(f'Python SDK {p:.0f} ns a call, Rust {r:.0f} ns a call: {p / r:.0f}x; by hand with OpenTelemetry {h:.0f} ns: {p / h:.0f}x, #[observe] over by hand {r / h:.2f}x')"
  exit 0
fi
if [ "${1:-}" = "--bytes" ]; then
  # The call of scripts/compare/bytes_call.json, 200 times, exported over
  # OTLP/HTTP protobuf to a sink on 127.0.0.1: the Python SDK, then this
  # crate in each layout (tests/tests/wire_bytes.rs).
  "$VENV/bin/pip" show opentelemetry-exporter-otlp-proto-http >/dev/null 2>&1 ||
    "$VENV/bin/pip" install --quiet --disable-pip-version-check opentelemetry-exporter-otlp-proto-http >&2
  (cd scripts/compare && "../../$VENV/bin/python" python_bytes.py bytes_call.json) > "$OUT/bytes-python.jsonl"
  L9_WIRE_OUT="$PWD/$OUT/bytes-rust.jsonl" cargo test -q -p tests --test wire_bytes -- --ignored report_for_the_comparison >&2
  python3 scripts/compare/bytes.py "$OUT/bytes-python.jsonl" "$OUT/bytes-rust.jsonl"
  exit 0
fi
"$VENV/bin/python" scripts/compare/python_scenarios.py "$OUT/python.jsonl"
L9_COMPARE_OUT="$PWD/$OUT/rust.jsonl" cargo test -q -p tests --test python_compare -- --ignored >&2
python3 scripts/compare/diff.py "$OUT/python.jsonl" "$OUT/rust.jsonl" scripts/compare/differences.json
