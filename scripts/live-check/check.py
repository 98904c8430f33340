#!/usr/bin/env python3
"""Holds a `weaver registry live-check` report to docs/ATTRIBUTES.md.

    check.py REPORT LAYOUT DOC

REPORT is weaver's live_check.json, LAYOUT the content layout the examples
ran in (`conventions` or `python`), DOC the attribute contract, whose section
"Checked by weaver" lists, each with its reason:

- the violations a layout may show, each with its exact count;
- the keys other libraries write in the examples (rig, tracing-opentelemetry,
  the examples' own tracing fields): findings on them are not ours;
- the improvements that stay.

Any other violation or improvement fails, and so does a listed count that
moved: a new deprecated key, or one written more often, is seen. The spans
and metrics the examples must have sent are checked to be in the report, so
that an empty run cannot pass.
"""

import collections
import json
import re
import sys

# What the examples must have exported for the check to mean anything.
METRICS = [
    "gen_ai.client.operation.duration",
    "gen_ai.client.token.usage",
    "gen_ai.l9.client.cost",
    "gen_ai.l9.client.token.parts",
    "gen_ai.l9.operation.duration",
    "gen_ai.l9.workflow.duration",
    "gen_ai.l9.budget.crossings",
]
MIN_SPANS = 50


def table(doc, heading):
    """The rows of the first table after `heading`, as lists of cells with
    their back-quotes removed; a cell of several back-quoted words is a list
    of them."""
    start = doc.index(heading)
    rows = []
    for line in doc[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue
        rows.append([re.findall(r"`([^`]+)`", c) or [c] for c in cells])
    return rows[1:]  # the header


def findings(report):
    """(level, advice id, key, signal) of every finding of the report, and
    the names of the spans and metrics it holds."""
    found = []
    signals = collections.Counter()

    def walk(node):
        if isinstance(node, dict):
            for kind in ("span", "metric"):
                if kind in node and isinstance(node[kind], dict):
                    signals[(kind, node[kind].get("name"))] += 1
            result = node.get("live_check_result")
            if result:
                for advice in result.get("all_advice", []):
                    context = advice.get("context") or {}
                    key = context.get("attribute_key") or context.get("attribute_name")
                    found.append(
                        (
                            advice["level"],
                            advice["id"],
                            key or advice.get("signal_name"),
                            advice.get("message", ""),
                        )
                    )
            for name, value in node.items():
                if name != "live_check_result":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report["samples"])
    return found, signals


def main():
    report_path, layout, doc_path = sys.argv[1:4]
    report = json.load(open(report_path))
    doc = open(doc_path).read()
    allowed = {}
    for row in table(doc, "### Violations allowed"):
        layouts, advice, keys, count = row[0], row[1][0], row[2], int(row[3][0])
        for key in keys:
            if layout in layouts:
                allowed[(advice, key)] = count
    foreign = {key for row in table(doc, "### Keys of other libraries") for key in row[0]}
    improvements = [(row[0][0], row[1]) for row in table(doc, "### Improvements that stay")]

    found, signals = findings(report)
    problems = []
    spans = sum(n for (kind, _), n in signals.items() if kind == "span")
    if spans < MIN_SPANS:
        problems.append(f"only {spans} spans reached weaver (at least {MIN_SPANS} expected)")
    for metric in METRICS:
        if not signals[("metric", metric)]:
            problems.append(f"the metric {metric} never reached weaver")

    violations = collections.Counter()
    theirs = collections.Counter()
    kept = collections.Counter()
    for level, advice, key, message in found:
        if level == "violation":
            if key in foreign:
                theirs[(advice, key)] += 1
            else:
                violations[(advice, key, message)] += 1
        elif level == "improvement":
            if not any(
                advice == a and ("any" in keys or key in keys or key in foreign)
                for a, keys in improvements
            ):
                problems.append(f"improvement not listed: {advice} {key}: {message}")
            kept[advice] += 1

    ours = collections.Counter()
    for (advice, key, message), n in violations.items():
        ours[(advice, key)] += n
        if (advice, key) not in allowed:
            problems.append(f"violation: {key}: {message} (x{n})")
    for (advice, key), count in allowed.items():
        if ours[(advice, key)] != count:
            problems.append(
                f"{advice} {key}: {ours[(advice, key)]} findings, docs/ATTRIBUTES.md says {count}"
            )

    print(f"live check, layout {layout}: {spans} spans, "
          f"{len([s for s in signals if s[0] == 'metric'])} metrics")
    print(f"  violations on keys of ours: {sum(ours.values())}")
    for (advice, key), n in sorted(ours.items()):
        print(f"    {n:5}  {advice}  {key}  (listed, with its reason)")
    print(f"  violations on keys of other libraries: {sum(theirs.values())}")
    for (advice, key), n in sorted(theirs.items()):
        print(f"    {n:5}  {advice}  {key}")
    print(f"  improvements (each listed with its reason): {sum(kept.values())}")
    for advice, n in sorted(kept.items()):
        print(f"    {n:5}  {advice}")
    if problems:
        print("\nnot as docs/ATTRIBUTES.md (\"Checked by weaver\") says:", file=sys.stderr)
        for problem in sorted(set(problems)):
            print(f"  {problem}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
