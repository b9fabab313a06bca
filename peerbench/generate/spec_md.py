"""Fill the generated blocks of SPEC.md from the models, registry and catalogue.

SPEC.md is prose written by people with blocks between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` that only this module
writes. ``render_spec`` returns the text with every block brought up to date.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from peerbench.generate.spec_tables import (
    codelists_section,
    fields_section,
    markdown_table,
    record_types_table,
)
from peerbench.schema.instruments import InstrumentDefinition, default_registry


def _scale(definition: InstrumentDefinition) -> str:
    text = f"{definition.item_count} × {definition.response_min}–{definition.response_max}"
    extra = [
        f"item {n}: {o.min}–{o.max}"
        for n, o in sorted(definition.item_overrides.items())
        if o.min is not None
    ]
    return text + (f" ({'; '.join(extra)})" if extra else "")


def _thresholds(definition: InstrumentDefinition) -> str:
    parts = []
    if definition.caseness is not None:
        word = "≥" if definition.caseness.rule.value == "at_or_above" else "<"
        parts.append(f"caseness {word}{definition.caseness.threshold:g}")
    if definition.reliable_change is not None:
        parts.append(f"reliable change {definition.reliable_change.threshold:g}")
    elif definition.direction.value != "none":
        parts.append("reliable change: Jacobson–Truax RCI")
    return "; ".join(parts)


def instruments_table() -> str:
    """One row per built-in instrument."""
    rows = []
    for d in default_registry():
        missing = (
            "none allowed"
            if d.missing.max_missing == 0
            else (
                f"≤{d.missing.max_missing} missing" + (", pro-rated" if d.missing.prorate else "")
            )
        )
        score_range = (
            f"{d.score_min:g}–{d.score_max:g}"
            if d.score_min is not None and d.score_max is not None
            else "—"
        )
        rows.append(
            (
                f"`{d.code}`",
                d.name,
                _scale(d),
                d.scoring.method.value,
                score_range,
                d.direction.value.replace("_", " "),
                ", ".join(f"{b.label} {b.min:g}–{b.max:g}" for b in d.bands) or "—",
                _thresholds(d) or "—",
                missing,
                d.licence,
            )
        )
    return markdown_table(
        [
            "Code",
            "Name",
            "Items × scale",
            "Scoring",
            "Score range",
            "Direction",
            "Bands",
            "Thresholds",
            "Missing items",
            "Licence",
        ],
        rows,
    )


def errors_table() -> str:
    """The error catalogue."""
    from peerbench.validators.catalogue import CATALOGUE

    return markdown_table(
        ["Code", "Severity", "What it means", "Message", "How to fix"],
        [(f"`{e.code}`", e.severity.value, e.title, e.message, e.hint) for e in CATALOGUE.values()],
    )


BLOCKS: dict[str, Callable[[], str]] = {
    "record-types": record_types_table,
    "fields": fields_section,
    "codelists": codelists_section,
    "instruments": instruments_table,
    "errors": errors_table,
}


def render_spec(text: str) -> str:
    """Return SPEC.md ``text`` with every generated block re-rendered.

    Raises:
        ValueError: a block is missing its markers.
    """
    for name, render in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise ValueError(f"SPEC.md has no <!-- generated:{name} --> block")
        body = render().rstrip("\n") + "\n"

        def replace(match: re.Match[str], body: str = body) -> str:
            return match.group(1) + body + match.group(2)

        text = pattern.sub(replace, text)
    return text
