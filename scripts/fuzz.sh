#!/usr/bin/env bash
# Runs the property-based fuzz targets of tests/tests/fuzz.rs (the pricing
# parser, usage from any JSON, request headers) with many cases, each run
# bounded in time. `.ci/run` runs the short pass (256 cases per target) as
# part of the test suite.
#
#   scripts/fuzz.sh [cases] [seconds]     defaults: 20000 cases, 600 seconds
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-20000}
seconds=${2:-600}
PROPTEST_CASES=$cases timeout "$seconds" \
  cargo test --release -p tests --test fuzz -- --test-threads 2
