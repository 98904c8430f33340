#!/usr/bin/env bash
# Reruns the measurements RELIABILITY.md records, optimized, and prints the
# rows of its tables: backend faults over HTTP and gRPC, the load tests at
# 8 threads × 100 000 calls, the sustained rates the default queue carries,
# memory over 10⁶ calls, and a long fuzz pass. Each step is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { timeout 1200 cargo test --release -p tests "$@"; }

echo "== backend faults (5 000 calls per case, spread over 6 s, default settings, metrics on)"
L9_FAULTS_ONE_AT_A_TIME=1 run --test backend_faults -- --nocapture --test-threads 1
echo "== load: 8 threads x 100 000 observed calls"
LOAD_CALLS=100000 run --test export_health -- --nocapture --test-threads 1
echo "== sustained rates of the default settings"
run --test export_health -- --ignored --nocapture sustained
echo "== memory over 10^6 observed calls"
run --test memory -- --nocapture
echo "== fuzz"
scripts/fuzz.sh 20000 600
