#!/usr/bin/env python3
"""Writes last9-genai/prices/bundled.json, the bundled price table, from
the model price list LiteLLM publishes in its PyPI package.

    python3 scripts/bundled-prices.py 1.110.2 2026-11-20

downloads that litellm release from PyPI (no dependencies), keeps the chat
models of OpenAI, Anthropic, Google (Gemini API), Mistral and DeepSeek at
their base list price (USD per million tokens: input, output, cache read,
cache write, and reasoning where it differs from output), and writes them
with the release and its date, which the crate reads as the table's date.
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

# Provider, the prefix of its names in the source, the start of its models.
PROVIDERS = {
    "openai": ("", ("gpt-", "o1", "o3", "o4", "chatgpt-")),
    "anthropic": ("", ("claude-",)),
    "gemini": ("gemini/", ("gemini-",)),
    "mistral": ("mistral/", ("mistral-", "magistral-", "codestral-", "devstral-", "ministral-", "pixtral-", "open-mistral-")),
    "deepseek": ("deepseek/", ("deepseek-",)),
}
DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})(-v\d+:\d+)?$")


def per_million(value):
    return None if value is None else round(value * 1_000_000, 6)


def main(version, date):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"litellm=={version}",
             "--no-deps", "--only-binary=:all:", "-d", tmp, "-q"],
            check=True,
        )
        (wheel,) = glob.glob(os.path.join(tmp, "*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            source = json.loads(
                archive.read("litellm/model_prices_and_context_window_backup.json"))
    models = {}
    for name, entry in source.items():
        provider = entry.get("litellm_provider") if isinstance(entry, dict) else None
        if provider not in PROVIDERS or entry.get("mode") != "chat":
            continue
        prefix, starts = PROVIDERS[provider]
        if not name.startswith(prefix) or not name[len(prefix):].startswith(starts):
            continue
        if "/" in name[len(prefix):] or DATED.search(name):
            # Dated names find their undated entry; other routes are not
            # the provider's own list price.
            continue
        model = name[len(prefix):]
        prices = {
            "input": per_million(entry.get("input_cost_per_token")),
            "output": per_million(entry.get("output_cost_per_token")),
            "cache_read": per_million(entry.get("cache_read_input_token_cost")),
            "cache_write": per_million(entry.get("cache_creation_input_token_cost")),
        }
        reasoning = per_million(entry.get("output_cost_per_reasoning_token"))
        if reasoning is not None and reasoning != prices["output"]:
            prices["reasoning"] = reasoning
        if prices["input"] is None or prices["output"] is None:
            continue
        if prices["input"] == 0 and prices["output"] == 0:
            continue
        models[model] = {k: v for k, v in prices.items() if v is not None}
    out = os.path.join(os.path.dirname(__file__), "..", "last9-genai", "prices", "bundled.json")
    with open(out, "w") as f:
        f.write("{\n")
        f.write(f'  "source": "litellm {version} (PyPI), released {date}: base list prices, USD per million tokens",\n')
        f.write(f'  "date": "{date}",\n')
        f.write('  "models": {\n')
        items = sorted(models.items())
        for i, (model, prices) in enumerate(items):
            comma = "," if i + 1 < len(items) else ""
            f.write(f"    {json.dumps(model)}: {json.dumps(prices)}{comma}\n")
        f.write("  }\n}\n")
    print(f"{len(models)} models written to {os.path.normpath(out)}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
