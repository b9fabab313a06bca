"""The :class:`Chart` every chart function returns, and the shared rendering step.

A chart is rendered once, at build time, to static SVG by vl-convert from a Vega-Lite spec
(plain dicts in Altair's form, :mod:`peerbench.reports.vega`). No JavaScript reaches the
report and nothing is fetched: external data URLs are refused (``allowed_base_urls=[]``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa
import vl_convert

from peerbench.io.content_cache import ContentCache
from peerbench.reports import svg as svg_tools
from peerbench.reports.palette import vega_config
from peerbench.reports.suppression import SuppressedValue, as_suppressed

SVG_NAMESPACE = "chart-svg"

#: What a chart function accepts: a list of dicts, a pandas DataFrame or a pyarrow Table.
Rows: TypeAlias = Sequence[Mapping[str, Any]] | pd.DataFrame | pa.Table

#: A cell in a chart's data table: display text, or a marker for a hidden value.
Cell = str | SuppressedValue


@dataclasses.dataclass(frozen=True)
class Chart:
    """A rendered chart with everything needed to present it accessibly.

    Attributes:
        title: Short heading for the figure.
        svg: Static SVG from vl-convert, ready to inline (ids made unique, root labelled).
        alt: One plain-English sentence describing what the chart shows.
        data: The table behind the chart, one dict per row (column label → cell); hidden
            values stay as :class:`SuppressedValue` so the page can word and explain them.
        spec: The Vega-Lite spec the SVG was rendered from (for tests and re-rendering).
    """

    title: str
    svg: str
    alt: str
    data: list[dict[str, Cell]]
    spec: dict[str, Any] = dataclasses.field(repr=False, compare=False)

    @property
    def columns(self) -> list[str]:
        """Column labels of :attr:`data`: every key in order of first appearance."""
        return list(dict.fromkeys(key for row in self.data for key in row))

    @property
    def suppressed(self) -> list[SuppressedValue]:
        """Every hidden value in the data table."""
        return [c for row in self.data for c in row.values() if isinstance(c, SuppressedValue)]


def records(rows: Rows) -> list[dict[str, Any]]:
    """Plain dicts from a list of mappings, a pandas DataFrame or a pyarrow Table."""
    if isinstance(rows, pa.Table):
        return [dict(r) for r in rows.to_pylist()]
    if isinstance(rows, pd.DataFrame):
        return [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]
    return [dict(r) for r in rows]


def value_of(row: Mapping[str, Any], key: str) -> float | None:
    """The number at ``row[key]``, or ``None`` if it is missing, NaN or suppressed."""
    value = row.get(key)
    if value is None or value is pd.NA or as_suppressed(value) is not None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def cell(value: object, fmt: Any) -> Cell:
    """A data-table cell: the marker for a hidden value, else ``fmt(value)``."""
    marker = as_suppressed(value)
    return marker if marker is not None else str(fmt(value))


def count_hidden(rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> int:
    """How many values under ``keys`` in ``rows`` are hidden."""
    return sum(as_suppressed(r.get(k)) is not None for r in rows for k in keys)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 service"``, ``"3 services"``."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


def hidden_note(hidden: int, noun: str) -> str:
    """Alt-text tail such as " 2 services are hidden to protect privacy." ("" if none).

    Args:
        hidden: How many items are hidden.
        noun: Singular noun for one item (pluralised with "s").
    """
    if hidden == 0:
        return ""
    verb = "is" if hidden == 1 else "are"
    return f" {plural(hidden, noun)} {verb} hidden to protect privacy."


def render_svg(spec: dict[str, Any], cache: ContentCache | None = None) -> str:
    """vl-convert's SVG of a Vega-Lite ``spec``, from the result cache when this spec (and
    the same vl-convert, in the code fingerprint) was rendered before: each render costs
    ~0.5 s, and a report's charts are the same whenever its figures are."""
    cache = ContentCache.from_env() if cache is None else cache
    key = cache.key(SVG_NAMESPACE, spec) if cache.enabled else None
    if key is not None:
        stored = cache.get(SVG_NAMESPACE, key, ".svg")
        if stored is not None:
            return stored.decode("utf-8")
    svg: str = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    if key is not None:
        cache.put(SVG_NAMESPACE, key, svg.encode("utf-8"), ".svg")
    return svg


def render(
    spec: dict[str, Any], *, title: str, alt_text: str, data: list[dict[str, Cell]]
) -> Chart:
    """Render a Vega-Lite spec to static SVG and wrap it as a :class:`Chart`.

    Args:
        spec: The full Vega-Lite spec (:func:`peerbench.reports.vega.top_level`); its
            ``config`` and ``description`` are set here.
        title: Figure heading.
        alt_text: One-sentence description (also the SVG's ``<title>``).
        data: The data table shown behind the chart.

    Returns:
        The finished chart.
    """
    spec["config"] = vega_config()
    spec["description"] = alt_text
    svg = render_svg(spec)
    return Chart(
        title=title, svg=svg_tools.finish(svg, alt_text), alt=alt_text, data=data, spec=spec
    )
