"""Shared by the comparison scripts: a response as the provider SDKs return
it, objects with attributes rather than dictionaries."""

from types import SimpleNamespace


def obj(value):
    """`value` (parsed JSON) as objects with attributes, as the OpenAI and
    Anthropic SDKs return responses: the Python SDK reads them so."""
    if isinstance(value, dict):
        return SimpleNamespace(**{k: obj(v) for k, v in value.items()})
    if isinstance(value, list):
        return [obj(v) for v in value]
    return value
