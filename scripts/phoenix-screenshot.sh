#!/usr/bin/env bash
# The screenshot in the README: the quickstart's trace as Arize Phoenix shows it.
#
#   scripts/phoenix-screenshot.sh
#
# starts Phoenix on 127.0.0.1 (scripts/phoenix.sh), runs the quickstart exporting to
# it into the project "quickstart", asks Phoenix's APIs for the trace and its model
# call, and takes the picture with headless Chromium (installed from Debian when
# missing) into docs/phoenix-trace.png.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
  echo "installing chromium" >&2
  apt-get install -y chromium >&2 || { apt-get update >&2 && apt-get install -y chromium >&2; }
fi

eval "$(scripts/phoenix.sh start)"
trap 'scripts/phoenix.sh stop' EXIT

OTEL_EXPORTER_OTLP_ENDPOINT="$PHOENIX_URL" \
OTEL_RESOURCE_ATTRIBUTES=openinference.project.name=quickstart \
  cargo run -q -p examples --example quickstart >/dev/null

graphql() {
  python3 - "$PHOENIX_URL" "$1" <<'PY'
import json, sys, urllib.request
url, query = sys.argv[1], sys.argv[2]
request = urllib.request.Request(url + "/graphql", json.dumps({"query": query}).encode(),
                                 {"content-type": "application/json"})
print(json.dumps(json.load(urllib.request.urlopen(request))["data"]))
PY
}

# The project, its trace and the model call to show, once Phoenix has them.
for _ in $(seq 1 60); do
  ids=$(python3 - "$(graphql '{ projects { edges { node { id name
        spans(first: 10) { edges { node { id name context { traceId } } } } } } } }')" <<'PY' || true
import json, sys
data = json.loads(sys.argv[1])
for edge in data["projects"]["edges"]:
    node = edge["node"]
    if node["name"] == "quickstart":
        spans = [s["node"] for s in node["spans"]["edges"]]
        call = next(s for s in spans if s["name"] == "draft_answer")
        print(node["id"], call["context"]["traceId"], call["id"])
PY
)
  [ -n "$ids" ] && break
  sleep 1
done
read -r project trace span <<<"$ids"

chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1600,1000 --virtual-time-budget=20000 \
  --screenshot="$PWD/docs/phoenix-trace.png" \
  "$PHOENIX_URL/projects/$project/traces/$trace?selectedSpanNodeId=$span" 2>/dev/null
echo "docs/phoenix-trace.png"
