#!/usr/bin/env python3
"""Writes last9-genai/prices/bundled.json, the bundled price table, from
the model price list LiteLLM publishes in its PyPI package.

    python3 scripts/bundled-prices.py 1.110.2 2026-11-20

downloads that litellm release from PyPI (no dependencies) and keeps, at
their base list price (USD per million tokens: input, output, cache read,
cache write, and reasoning where it differs from output):

- the chat models of OpenAI, Anthropic, Google (Gemini API), Mistral,
  DeepSeek, Cohere and xAI, and the chat models Groq hosts;
- the Amazon Nova, Anthropic Claude, Meta Llama, Mistral, Cohere Command
  and DeepSeek chat models of AWS Bedrock, by their Bedrock model id
  (`anthropic.claude-3-5-sonnet-20241022-v2:0`), without a cross-region
  prefix (`us.`, `eu.`, `global.`...) and at the price without one (a model
  named only with one keeps its `global.`, else `us.`, else other price);
- the embedding models of OpenAI, Cohere, Gemini and Bedrock (Titan, Nova,
  Cohere Embed), priced for input only (output 0);

and writes them with the release and its date, which the crate reads as
the table's date. It says how many models each provider gave, and which
names two providers both price (the first in SOURCES keeps the name).
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

BEDROCK_CHAT = ("amazon.nova-", "anthropic.claude-", "meta.llama", "mistral.",
                "cohere.command-", "deepseek.")
# Provider (as the summary names it), its provider and mode in the source,
# the prefix of its names there (cut off), the start of its models. A name
# two providers give is kept for the first.
SOURCES = [
    ("openai", "openai", "chat", "", ("gpt-", "o1", "o3", "o4", "chatgpt-")),
    ("anthropic", "anthropic", "chat", "", ("claude-",)),
    ("gemini", "gemini", "chat", "gemini/", ("gemini-",)),
    ("mistral", "mistral", "chat", "mistral/", ("mistral-", "magistral-", "codestral-", "devstral-", "ministral-", "pixtral-", "open-mistral-")),
    ("deepseek", "deepseek", "chat", "deepseek/", ("deepseek-",)),
    ("bedrock", "bedrock", "chat", "", BEDROCK_CHAT),
    ("bedrock", "bedrock_converse", "chat", "", BEDROCK_CHAT),
    ("cohere", "cohere_chat", "chat", "", ("command-", "c4ai-aya-")),
    ("xai", "xai", "chat", "xai/", ("grok-",)),
    ("groq", "groq", "chat", "groq/", ("",)),
    ("openai", "openai", "embedding", "", ("text-embedding-",)),
    ("cohere", "cohere", "embedding", "", ("embed-",)),
    ("cohere", "cohere", "embedding", "cohere/", ("embed-",)),
    ("gemini", "gemini", "embedding", "gemini/", ("gemini-embedding-", "text-embedding-")),
    ("bedrock", "bedrock", "embedding", "", ("amazon.titan-embed-", "amazon.nova-", "cohere.embed-")),
]
DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})(-v\d+:\d+)?$")
# A Bedrock model only named with a cross-region prefix is priced from
# `global.` (the base price), else `us.`, else the first other.
CROSS_REGION_RANK = {"global": 1, "us": 2}
# Entries of this release wrong by far, left out rather than bundled.
WRONG = {
    "embed-multilingual-light-v3.0": "$100 per million input tokens, 1000x Cohere's list price",
}


def per_million(value):
    return None if value is None else round(value * 1_000_000, 6)


def model_id(provider, name, starts):
    """The key of `name` (its source prefix cut off) and its rank among the
    names with that key (lowest kept), or None when it is left out."""
    if provider == "bedrock":
        # Bedrock ids are kept whole, dates and versions included: users
        # send `anthropic.claude-3-5-sonnet-20241022-v2:0`. Names with a '/'
        # are regional or provisioned routes; with '@', not Bedrock ids.
        if "/" in name or "@" in name:
            return None
        region, _, rest = name.partition(".")
        if rest.startswith(starts):
            # A cross-region inference profile (`us.`, `eu.`, `apac.`...).
            return rest, CROSS_REGION_RANK.get(region, 3)
        return (name, 0) if name.startswith(starts) else None
    if not name.startswith(starts):
        return None
    if provider == "groq":
        # Groq names the models of other makers with the maker's prefix
        # (`groq/openai/gpt-oss-120b`). The crate's lookup cuts a name at
        # its last '/', so the last part is the key: `openai/gpt-oss-120b`
        # and `groq/openai/gpt-oss-120b` both find `gpt-oss-120b`, while a
        # key `openai/gpt-oss-120b` would be found by that name only and
        # put a Groq price under `openai/`. A provider before Groq that
        # prices the same name keeps it (the summary says so).
        name = name.rsplit("/", 1)[-1]
    elif "/" in name:
        # Other routes are not the provider's own list price.
        return None
    if provider != "cohere" and DATED.search(name):
        # Dated names find their undated entry. Cohere's month-dated names
        # (`command-a-03-2025`) have none, and the crate does not cut
        # that date: they are kept whole.
        return None
    return name, 0


def prices_of(entry, mode):
    if mode == "embedding":
        # Embeddings are priced by their input; the crate requires an output.
        prices = {"input": per_million(entry.get("input_cost_per_token")), "output": 0.0}
        return prices if prices["input"] else None
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
        return None
    if prices["input"] == 0 and prices["output"] == 0:
        return None
    return {k: v for k, v in prices.items() if v is not None}


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
    models = {}  # model: (provider, rank, prices)
    collisions = []
    for provider, source_provider, mode, prefix, starts in SOURCES:
        for name, entry in source.items():
            if not isinstance(entry, dict) or entry.get("litellm_provider") != source_provider:
                continue
            if entry.get("mode") != mode or not name.startswith(prefix) or name in WRONG:
                continue
            key = model_id(provider, name[len(prefix):], starts)
            prices = key and prices_of(entry, mode)
            if not prices:
                continue
            model, rank = key
            if model not in models:
                models[model] = (provider, rank, prices)
            elif models[model][0] == provider and rank < models[model][1]:
                models[model] = (provider, rank, prices)
            elif models[model][0] != provider or rank == 0 == models[model][1]:
                collisions.append((model, models[model][0], provider, name))
    out = os.path.join(os.path.dirname(__file__), "..", "last9-genai", "prices", "bundled.json")
    with open(out, "w") as f:
        f.write("{\n")
        f.write(f'  "source": "litellm {version} (PyPI), released {date}: base list prices, USD per million tokens",\n')
        f.write(f'  "date": "{date}",\n')
        f.write('  "models": {\n')
        items = sorted(models.items())
        for i, (model, (_, _, prices)) in enumerate(items):
            comma = "," if i + 1 < len(items) else ""
            f.write(f"    {json.dumps(model)}: {json.dumps(prices)}{comma}\n")
        f.write("  }\n}\n")
    print(f"{len(models)} models written to {os.path.normpath(out)}")
    for provider in dict.fromkeys(s[0] for s in SOURCES):
        print(f"  {provider}: {sum(p == provider for p, _, _ in models.values())}")
    for model, kept, dropped, name in collisions:
        print(f"  {model!r} priced by {kept}, not by {dropped} ({name})")
    for name, why in WRONG.items():
        if name in source:
            print(f"  left out {name!r}: {why}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
