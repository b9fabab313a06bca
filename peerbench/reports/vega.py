"""Vega-Lite specs as plain dicts, in the exact form Altair's ``to_dict`` gives.

Building a chart through Altair's objects cost ~0.1 s a chart (every channel, mark and
property is a schema object, its shorthand parsed and its encoding types inferred), far
more than rendering from the SVG cache. The charts write their specs with these helpers
instead. The dicts keep Altair's key order and its dataset names, so the spec, the SVG
cache key and vl-convert's input stay byte for byte what they were; the tests check every
chart's spec against Altair's and against the Vega-Lite JSON schema.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: The Vega-Lite schema Altair 6.3 writes into every spec.
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
#: Altair's default ``config`` (the report's own replaces it at render time).
DEFAULT_CONFIG: dict[str, Any] = {"view": {"continuousWidth": 300, "continuousHeight": 300}}

_TYPES = {"Q": "quantitative", "N": "nominal", "O": "ordinal", "T": "temporal"}

Spec = dict[str, Any]


def _sorted(props: dict[str, Any]) -> Spec:
    # Altair's schema classes take their properties in alphabetical order.
    return {key: props[key] for key in sorted(props)}


def field(shorthand: str, **props: Any) -> Spec:
    """A channel on a field: ``field("share:Q", title="Share")`` (Altair's shorthand)."""
    name, _, code = shorthand.partition(":")
    return _sorted({"field": name, **props, **({"type": _TYPES[code]} if code else {})})


def props(**values: Any) -> Spec:
    """An axis, scale, legend or other schema object: its properties in Altair's order."""
    return _sorted(values)


def mark(kind: str, **values: Any) -> Spec:
    """A mark definition: its type first, then its properties."""
    return {"type": kind, **_sorted(values)}


def encoding(**channels: Spec) -> Spec:
    """An encoding: channels in Altair's order."""
    return _sorted(channels)


def view(mark_def: Spec, channels: Spec, data: list[dict[str, Any]] | None = None) -> Spec:
    """One layer (or a single-view chart's body): inline ``data`` (if any), mark, encoding."""
    return {**({} if data is None else {"data": data}), "mark": mark_def, "encoding": channels}


def dataset_name(values: list[dict[str, Any]]) -> str:
    """Altair's name for inline data: a hash of its values (so equal data share a name)."""
    if values == [{}]:
        return "empty"
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def top_level(body: Spec, **properties: Any) -> Spec:
    """The full spec: Altair's default config, ``body`` (``layer`` and/or a view),
    ``properties`` (width, height, resolve, …), the schema URL and every inline data set
    moved to ``datasets`` under its name, as Altair consolidates them.

    Args:
        body: ``{"layer": [...]}`` (optionally with shared ``data``) or a single view;
            any ``data`` given as a list of rows is inline.
        **properties: Top-level properties.
    """
    datasets: dict[str, list[dict[str, Any]]] = {}

    def named(part: Spec) -> Spec:
        values = part.get("data")
        if not isinstance(values, list):
            return part
        name = dataset_name(values)
        datasets.setdefault(name, values)
        return {**part, "data": {"name": name}}

    spec: Spec = {"config": DEFAULT_CONFIG | {"view": dict(DEFAULT_CONFIG["view"])}}
    layers = body.get("layer")
    if layers is not None:
        spec["layer"] = [named(layer) for layer in layers]
        rest = {key: value for key, value in body.items() if key != "layer"}
        spec |= _sorted({**named(rest), **properties})
    else:
        spec |= named(body) | _sorted(properties)
    spec["$schema"] = SCHEMA_URL
    spec["datasets"] = datasets
    return spec
