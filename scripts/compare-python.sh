#!/usr/bin/env bash
# The Python SDK and this crate, side by side, in one command:
#
#   scripts/compare-python.sh
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
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "last9-genai==$VERSION" >&2
fi

mkdir -p "$OUT"
"$VENV/bin/python" scripts/compare/python_scenarios.py "$OUT/python.jsonl"
L9_COMPARE_OUT="$PWD/$OUT/rust.jsonl" cargo test -q -p tests --test python_compare -- --ignored >&2
python3 scripts/compare/diff.py "$OUT/python.jsonl" "$OUT/rust.jsonl" scripts/compare/differences.json
