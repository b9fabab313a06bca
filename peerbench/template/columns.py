"""The columns a template shows for each record type, derived from the models.

Templates are flat files, so the two list fields travel as the standard's CSV
convention has them: ``items`` becomes ``item_1`` … ``item_N`` and ``themes`` stays
one column of codes separated by ``;``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from peerbench.io.tabular import ITEM_PREFIX, LIST_SEPARATOR
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.record_base import Record

FALLBACK_ITEM_COUNT = 14
"""Largest built-in instrument (WEMWBS); used only if the registry cannot be loaded."""


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a template sheet.

    Attributes:
        header: The header cell text, exactly as the standard spells it.
        spec: The field the column carries (for item columns, one element of ``items``).
        note: Plain-English text for the header cell's comment.
    """

    header: str
    spec: FieldSpec
    note: str


def max_item_count() -> int:
    """The most items any registered instrument has: how many ``item_N`` columns to offer."""
    try:
        from peerbench.schema.instruments import default_registry
    except ImportError:  # pragma: no cover - the registry ships with the package today
        return FALLBACK_ITEM_COUNT
    return max((d.item_count for d in default_registry()), default=FALLBACK_ITEM_COUNT)


def _note(spec: FieldSpec) -> str:
    parts = [spec.meaning, "Required." if spec.required else "Optional."]
    if spec.codelist is not None:
        parts.append(f"Choose from the list ({spec.codelist.codelist_name()}).")
    if spec.kind == "codes":
        parts.append(f"For several, separate the codes with '{LIST_SEPARATOR}'.")
    if spec.kind == "boolean":
        parts.append("true or false.")
    if spec.kind == "date":
        parts.append("Date as YYYY-MM-DD.")
    if spec.rule:
        parts.append(spec.rule)
    return " ".join(parts)


def template_columns(model: type[Record], item_count: int | None = None) -> list[TemplateColumn]:
    """The template columns of ``model`` in declaration order.

    Args:
        model: A record type.
        item_count: How many ``item_N`` columns replace ``items``; defaults to
            :func:`max_item_count`.
    """
    columns: list[TemplateColumn] = []
    for spec in field_specs(model):
        if spec.kind != "integers":
            columns.append(TemplateColumn(spec.name, spec, _note(spec)))
            continue
        count = max_item_count() if item_count is None else item_count
        for number in range(1, count + 1):
            # Each item column is an optional integer; the instrument decides its range.
            item = replace(spec, name=f"{ITEM_PREFIX}{number}", kind="integer", required=False)
            note = (
                f"Answer to question {number} of the questionnaire, as a number. "
                "Leave empty if not answered or if the questionnaire has fewer questions."
            )
            columns.append(TemplateColumn(item.name, item, note))
    return columns
