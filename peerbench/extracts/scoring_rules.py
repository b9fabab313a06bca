"""How each questionnaire in an extract is scored, as data and as text.

Everything here is read from the instrument registry
(:mod:`peerbench.schema.instruments`), so the package describes the very rules
peerbench applied: nothing is typed by hand. Three small tables go into the extract
(CSV, described in ``datapackage.json``), and :func:`scoring_text` renders the same
rows as Markdown for the data dictionary.

- ``scoring_rules``: one row per instrument (method, range, reverse-scored items,
  missing-item rule, direction, licence, copyright, sources);
- ``scoring_items``: one row per item (response range, reverse-scored or not);
- ``scoring_conversions``: conversion tables (a raw sum to a metric score, a value
  set's decrement per dimension level, the cut points of licensed levels).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.instruments import InstrumentDefinition, InstrumentRegistry

RULES = "scoring_rules"
ITEMS = "scoring_items"
CONVERSIONS = "scoring_conversions"
LIST_JOIN = ";"


@dataclass(frozen=True)
class Column:
    """One column of a scoring table: name, arrow type, Table Schema type, meaning."""

    name: str
    arrow: pa.DataType
    kind: str
    meaning: str
    required: bool = False
    key: bool = False


RULE_COLUMNS = (
    Column(
        "instrument", pa.string(), "string", "Instrument code (outcomes.instrument).", True, True
    ),
    Column("name", pa.string(), "string", "Full name of the instrument.", True),
    Column("version", pa.string(), "string", "Version of the definition.", True),
    Column("item_count", pa.int64(), "integer", "Number of items (item_1 … item_N).", True),
    Column("response_min", pa.int64(), "integer", "Lowest answer code of an item.", True),
    Column("response_max", pa.int64(), "integer", "Highest answer code of an item.", True),
    Column("reverse_items", pa.string(), "string", "Reverse-scored items, numbers joined by ';'."),
    Column("scoring_method", pa.string(), "string", "How answers become a score.", True),
    Column("multiplier", pa.float64(), "number", "Multiplier of a scaled mean."),
    Column("score_min", pa.float64(), "number", "Lowest possible score."),
    Column("score_max", pa.float64(), "number", "Highest possible score."),
    Column("direction", pa.string(), "string", "Which way a score moves when better.", True),
    Column("missing_max", pa.int64(), "integer", "Most items that may be missing.", True),
    Column("missing_prorate", pa.bool_(), "boolean", "Whether a short form is pro-rated.", True),
    Column("missing_note", pa.string(), "string", "The missing-item rule in words."),
    Column("licence", pa.string(), "string", "Licence terms of the instrument.", True),
    Column("copyright", pa.string(), "string", "Copyright notice, if any."),
    Column("registration_required", pa.bool_(), "boolean", "Whether users must register.", True),
    Column("scoring_source", pa.string(), "string", "Where the scoring rule comes from."),
    Column("missing_source", pa.string(), "string", "Where the missing-item rule comes from."),
    Column("source", pa.string(), "string", "The instrument's reference.", True),
)
ITEM_COLUMNS = (
    Column("instrument", pa.string(), "string", "Instrument code.", True, True),
    Column("item", pa.int64(), "integer", "Item number (item_N, items[N-1]).", True, True),
    Column("label", pa.string(), "string", "Short label of the item.", True),
    Column("min", pa.int64(), "integer", "Lowest answer code.", True),
    Column("max", pa.int64(), "integer", "Highest answer code.", True),
    Column("reverse", pa.bool_(), "boolean", "Scored as min + max - answer.", True),
)
CONVERSION_COLUMNS = (
    Column("instrument", pa.string(), "string", "Instrument code.", True),
    Column(
        "table",
        pa.string(),
        "string",
        "lookup (raw sum → score), value_set:NAME (decrement per item level), "
        "value_set_constant:NAME, levels (score cut points).",
        True,
    ),
    Column("item", pa.int64(), "integer", "The item (a value set's dimension), if any."),
    Column("key", pa.float64(), "number", "Raw sum, item level, or level number.", True),
    Column("value", pa.float64(), "number", "Converted score, decrement, or upper cut point."),
    Column("label", pa.string(), "string", "Label of a level, if any."),
    Column("source", pa.string(), "string", "Where the table comes from."),
)
TABLES: dict[str, tuple[Column, ...]] = {
    RULES: RULE_COLUMNS,
    ITEMS: ITEM_COLUMNS,
    CONVERSIONS: CONVERSION_COLUMNS,
}


def instruments_held(outcomes: pa.Table | None, registry: InstrumentRegistry) -> list[str]:
    """The registered instrument codes that occur in ``outcomes``, sorted."""
    if outcomes is None or "instrument" not in outcomes.column_names:
        return []
    codes = pc.unique(outcomes["instrument"].drop_null()).to_pylist()
    return sorted(str(code) for code in codes if code in registry)


def _rule_row(d: InstrumentDefinition) -> dict[str, Any]:
    return {
        "instrument": d.code,
        "name": d.name,
        "version": d.version,
        "item_count": d.item_count,
        "response_min": d.response_min,
        "response_max": d.response_max,
        "reverse_items": LIST_JOIN.join(str(i) for i in d.reverse_items) or None,
        "scoring_method": d.scoring.method.value,
        "multiplier": d.scoring.multiplier,
        "score_min": d.score_min,
        "score_max": d.score_max,
        "direction": d.direction.value,
        "missing_max": d.missing.max_missing,
        "missing_prorate": d.missing.prorate,
        "missing_note": d.missing.note or None,
        "licence": d.licence,
        "copyright": d.copyright,
        "registration_required": d.registration_required,
        "scoring_source": d.scoring.source or None,
        "missing_source": d.missing.source or None,
        "source": d.source,
    }


def _conversion_rows(d: InstrumentDefinition) -> Iterable[dict[str, Any]]:
    base = {"instrument": d.code, "item": None, "label": None, "source": d.scoring.source or None}
    for raw, score in sorted((d.scoring.lookup or {}).items()):
        yield {**base, "table": "lookup", "key": float(raw), "value": score}
    value_set = d.scoring.value_set
    if value_set is not None:
        named = {**base, "source": value_set.source}
        yield {
            **named,
            "table": f"value_set_intercept:{value_set.name}",
            "key": 0.0,
            "value": value_set.intercept,
        }
        yield {
            **named,
            "table": f"value_set_constant:{value_set.name}",
            "key": 0.0,
            "value": value_set.constant,
        }
        for item, decrements in sorted(value_set.decrements.items()):
            for level, decrement in enumerate(decrements, start=1):
                yield {
                    **named,
                    "table": f"value_set:{value_set.name}",
                    "item": item,
                    "key": float(level),
                    "value": decrement,
                }
    if d.levels is not None:
        labels = d.levels.labels or []
        for number in range(1, len(d.levels.cut_points) + 2):
            cut = d.levels.cut_points[number - 1] if number <= len(d.levels.cut_points) else None
            yield {
                **base,
                "table": "levels",
                "key": float(number),
                "value": cut,
                "label": labels[number - 1] if labels else None,
                "source": d.levels.source or None,
            }


def _table(columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> pa.Table:
    schema = pa.schema([pa.field(c.name, c.arrow, nullable=not c.required) for c in columns])
    return pa.Table.from_pylist(list(rows), schema=schema)


def scoring_tables(codes: Sequence[str], registry: InstrumentRegistry) -> dict[str, pa.Table]:
    """The three scoring tables for the instruments ``codes``, from ``registry``."""
    definitions = [registry.get(code) for code in codes]
    items = [
        {
            "instrument": d.code,
            "item": i.number,
            "label": i.label,
            "min": i.min,
            "max": i.max,
            "reverse": i.reverse,
        }
        for d in definitions
        for i in d.items()
    ]
    return {
        RULES: _table(RULE_COLUMNS, [_rule_row(d) for d in definitions]),
        ITEMS: _table(ITEM_COLUMNS, items),
        CONVERSIONS: _table(
            CONVERSION_COLUMNS, [row for d in definitions for row in _conversion_rows(d)]
        ),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def scoring_text(tables: dict[str, pa.Table]) -> str:
    """The scoring tables as Markdown: one section per instrument, from the same rows."""
    rules = tables[RULES].to_pylist()
    if not rules:
        return "## Scoring rules\n\nThis extract holds no outcome measurements.\n"
    lines = [
        "## Scoring rules",
        "",
        "How each questionnaire in this extract is scored, from the instrument registry "
        f"peerbench used; the same facts are data in `{RULES}.csv`, `{ITEMS}.csv` and "
        f"`{CONVERSIONS}.csv`.",
        "",
    ]
    items = tables[ITEMS].to_pylist()
    conversions = tables[CONVERSIONS].to_pylist()
    for rule in rules:
        code = rule["instrument"]
        lines += [f"### `{code}`: {rule['name']} (version {rule['version']})", ""]
        lines += [
            f"- **{c.meaning}** `{c.name}`: {_cell(rule[c.name]) or 'none'}"
            for c in RULE_COLUMNS[3:]
        ]
        own = [i for i in items if i["instrument"] == code]
        lines += ["", "| Item | Label | Min | Max | Reverse |", "|---|---|---|---|---|"]
        lines += [
            f"| {i['item']} | {_cell(i['label'])} | {i['min']} | {i['max']} | "
            f"{_cell(i['reverse'])} |"
            for i in own
        ]
        table = [c for c in conversions if c["instrument"] == code]
        if table:
            lines += ["", "| Table | Item | Key | Value | Label |", "|---|---|---|---|---|"]
            lines += [
                f"| {_cell(c['table'])} | {_cell(c['item'])} | {_cell(c['key'])} | "
                f"{_cell(c['value'])} | {_cell(c['label'])} |"
                for c in table
            ]
        lines.append("")
    return "\n".join(lines)
