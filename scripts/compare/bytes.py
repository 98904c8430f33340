"""Compares the bytes per call of the Python SDK and of this crate's content
layouts (scripts/compare-python.sh --bytes), prints a table, and fails when
a layout passes its target: each single layout at most 1.25x the Python
SDK's bytes per call, both layouts at most 2.25x, at most 20 attributes on
the default layout's span."""

import json
import sys

TARGETS = {"conventions": 1.25, "python": 1.25, "both": 2.25}

python = json.loads(open(sys.argv[1]).readline())
rust = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
base = python["bytes"] / python["calls"]
print(f"{'':36} {'bytes/call':>10} {'x Python':>9} {'gzip bytes/call':>16} {'attributes':>10}")
print(f"{'Python SDK 1.3.0':36} {base:10.0f} {1:9.2f} {'':>16} {python['attributes']:10}")
failed = []
for layout in TARGETS:
    plain = next(r for r in rust if r["layout"] == layout and r["compression"] == "none")
    gzip = next(r for r in rust if r["layout"] == layout and r["compression"] == "gzip")
    per_call = plain["bytes"] / plain["calls"]
    ratio = per_call / base
    name = f"last9-genai, {layout}" + (" (default)" if layout == "conventions" else "")
    print(f"{name:36} {per_call:10.0f} {ratio:9.2f} {gzip['bytes'] / gzip['calls']:16.0f} {plain['attributes']:10}")
    if ratio > TARGETS[layout]:
        failed.append(f"{layout}: {ratio:.2f}x the Python SDK's bytes, above {TARGETS[layout]}x")
    if layout == "conventions" and plain["attributes"] > 20:
        failed.append(f"the default span carries {plain['attributes']} attributes, above 20")
for line in failed:
    print("FAIL", line, file=sys.stderr)
sys.exit(1 if failed else 0)
