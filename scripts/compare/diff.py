"""Compares the spans of the Python SDK and of the Rust SDK, scenario by
scenario and span by span: attribute keys and their JSON types, event names
and their attribute keys, status and parent.

  python3 scripts/compare/diff.py python.jsonl rust.jsonl differences.json

Every difference found is printed. A difference listed in differences.json
(the documented ones, each with its reason; docs/ATTRIBUTES.md says the same)
is printed as known; any other makes the exit status 1.
"""

import fnmatch
import json
import sys


def load(path):
    with open(path) as f:
        return {d["scenario"]: d["spans"] for d in map(json.loads, f)}


def kind(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def event_keys(span):
    """{event name: set of attribute keys}, events of one name merged."""
    keys = {}
    for event in span["events"]:
        keys.setdefault(event["name"], set()).update(event["attributes"])
    return keys


def differences(python, rust):
    """(scenario, span, what, key) for every difference."""
    for scenario, py_spans in python.items():
        rs_spans = {s["name"]: s for s in rust.get(scenario, [])}
        if scenario not in rust:
            yield scenario, "*", "scenario missing in Rust", scenario
            continue
        for py in py_spans:
            name = py["name"]
            rs = rs_spans.get(name)
            if rs is None:
                yield scenario, name, "span missing in Rust", name
                continue
            if py["status"] != rs["status"]:
                yield scenario, name, "status", f"{py['status']} != {rs['status']}"
            if py["parent"] != rs["parent"]:
                yield scenario, name, "parent", f"{py['parent']} != {rs['parent']}"
            pa, ra = py["attributes"], rs["attributes"]
            for key in sorted(set(pa) - set(ra)):
                yield scenario, name, "attribute only in Python", key
            for key in sorted(set(ra) - set(pa)):
                yield scenario, name, "attribute only in Rust", key
            for key in sorted(set(pa) & set(ra)):
                if kind(pa[key]) != kind(ra[key]):
                    yield scenario, name, "attribute type", f"{key}: {kind(pa[key])} != {kind(ra[key])}"
            pe, re_ = event_keys(py), event_keys(rs)
            for event in sorted(set(pe) - set(re_)):
                yield scenario, name, "event only in Python", event
            for event in sorted(set(re_) - set(pe)):
                yield scenario, name, "event only in Rust", event
            for event in sorted(set(pe) & set(re_)):
                for key in sorted(pe[event] - re_[event]):
                    yield scenario, name, "event attribute only in Python", f"{event}/{key}"
                for key in sorted(re_[event] - pe[event]):
                    yield scenario, name, "event attribute only in Rust", f"{event}/{key}"


def main(python_path, rust_path, known_path):
    python, rust = load(python_path), load(rust_path)
    with open(known_path) as f:
        known = json.load(f)["differences"]
    unexplained = 0
    explained = {}
    for scenario, span, what, key in differences(python, rust):
        reason = next((k["why"] for k in known
                       if k["what"] == what and fnmatch.fnmatchcase(key, k["key"])), None)
        if reason is None:
            unexplained += 1
            print(f"UNDOCUMENTED  {scenario} / {span}: {what}: {key}")
        else:
            explained.setdefault((what, reason), []).append(f"{scenario}/{span}: {key}")
    for (what, reason), where in explained.items():
        print(f"documented    {what} ({len(where)}): {reason}")
        for w in where:
            print(f"                {w}")
    print(f"\n{len(python)} scenarios, {unexplained} undocumented differences")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
