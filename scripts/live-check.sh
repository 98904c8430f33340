#!/usr/bin/env bash
# Every example exports to OpenTelemetry's weaver (`weaver registry live-check`),
# which compares each attribute, event and metric with this repository's
# registry (registry/, on the GenAI conventions v1.41): once in the default
# content layout, once in the Python SDK's.
#
#   scripts/live-check.sh               both layouts
#   scripts/live-check.sh conventions   one of them (conventions, python)
#
# scripts/live-check/check.py then holds the findings to the section "Checked
# by weaver" of docs/ATTRIBUTES.md: no violation on a key of ours in the
# default layout; in the Python SDK's, the deprecations that layout exists to
# write, each counted; every improvement listed with its reason. A finding not
# listed there fails the command. The reports are left in target/live-check.
#
# Weaver (0.25.1) is not on any registry: WEAVER names it, else the copy in
# ../shared/tools/weaver. It resolves the registry's dependency offline from
# ../shared/semconv/v1.41.0/model (.weaver.toml), so it runs from here.
set -euo pipefail
cd "$(dirname "$0")/.."

WEAVER="${WEAVER:-../shared/tools/weaver/weaver}"
OUT="target/live-check"
layouts=("$@")
[ ${#layouts[@]} -gt 0 ] || layouts=(conventions python)

"$WEAVER" registry check -r registry --quiet
cargo build -q -p examples --examples

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

for layout in "${layouts[@]}"; do
  out="$OUT/$layout"
  rm -rf "$out"
  mkdir -p "$out"
  grpc=$(free_port)
  admin=$(free_port)
  # It stops when asked (below), or after 60 s without data.
  "$WEAVER" registry live-check --registry registry \
    --otlp-grpc-address 127.0.0.1 --otlp-grpc-port "$grpc" --admin-port "$admin" \
    --inactivity-timeout 60 --format json --output "$out" >"$out/weaver.log" 2>&1 &
  weaver=$!
  python3 - "$grpc" <<'PY'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("weaver's OTLP receiver did not start")
PY
  for example in examples/examples/*.rs; do
    name=$(basename "$example" .rs)
    env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u OTEL_TRACES_SAMPLER \
      -u LAST9_GENAI_PRICING_FILE -u LAST9_GENAI_BUNDLED_PRICES \
      OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$grpc" OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
      LAST9_GENAI_CONTENT_LAYOUT="$layout" \
      timeout 120 "target/debug/examples/$name" >"$out/$name.out" 2>&1 ||
      { echo "example $name failed (see $out/$name.out)" >&2; exit 1; }
  done
  python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:$admin/stop', method='POST'), timeout=10)"
  # Weaver exits non-zero when it found violations: the checker judges them.
  wait "$weaver" || true
  python3 scripts/live-check/check.py "$out/live_check.json" "$layout" docs/ATTRIBUTES.md
done
