#!/usr/bin/env bash
# Arize Phoenix on 127.0.0.1 for the end-to-end tests (tests/tests/phoenix_e2e.rs).
#
#   eval "$(scripts/phoenix.sh start)"   installs Phoenix into .venv-phoenix (once),
#                                        starts it on free loopback ports, waits until
#                                        it answers, and prints PHOENIX_URL and
#                                        PHOENIX_GRPC_ENDPOINT as shell exports
#   scripts/phoenix.sh stop              stops it
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="20.26.1"
VENV=".venv-phoenix"
STATE=".phoenix"

log() { printf '%s\n' "$*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  # (Read whole: `grep -q` would close the pipe early, and under pipefail
  # pip's broken pipe would fail the check and reinstall every time.)
  local installed=""
  if [ -x "$VENV/bin/pip" ]; then
    installed=$("$VENV/bin/pip" show arize-phoenix 2>/dev/null | sed -n 's/^Version: //p')
  fi
  if [ ! -x "$VENV/bin/phoenix" ] || [ "$installed" != "$VERSION" ]; then
    log "installing arize-phoenix $VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "arize-phoenix==$VERSION" >&2
  fi
  mkdir -p "$STATE"
  local http grpc
  http=$(free_port)
  grpc=$(free_port)
  rm -rf "$STATE/work" && mkdir -p "$STATE/work"
  PHOENIX_WORKING_DIR="$PWD/$STATE/work" PHOENIX_HOST=127.0.0.1 PHOENIX_PORT="$http" PHOENIX_GRPC_PORT="$grpc" \
    PHOENIX_TELEMETRY_ENABLED=false DO_NOT_TRACK=1 \
    nohup "$VENV/bin/phoenix" serve >"$STATE/phoenix.log" 2>&1 &
  echo $! >"$STATE/pid"
  for _ in $(seq 1 120); do
    if python3 -c "import urllib.request, socket; urllib.request.urlopen('http://127.0.0.1:$http/healthz', timeout=1); socket.create_connection(('127.0.0.1', $grpc), timeout=1).close()" 2>/dev/null; then
      log "Phoenix is up on 127.0.0.1:$http (gRPC $grpc)"
      echo "export PHOENIX_URL=http://127.0.0.1:$http"
      echo "export PHOENIX_GRPC_ENDPOINT=http://127.0.0.1:$grpc"
      return 0
    fi
    if ! kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
      log "Phoenix exited:"; tail -20 "$STATE/phoenix.log" >&2; return 1
    fi
    sleep 1
  done
  log "Phoenix did not answer within 120 s:"; tail -20 "$STATE/phoenix.log" >&2
  stop
  return 1
}

stop() {
  if [ -f "$STATE/pid" ]; then
    kill "$(cat "$STATE/pid")" 2>/dev/null || true
    rm -f "$STATE/pid"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) log "usage: scripts/phoenix.sh start|stop"; exit 2 ;;
esac
