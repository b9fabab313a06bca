"""Markdown tables for SPEC.md, rendered from the models, code lists and catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import ALL_CODELISTS, ETHNICITY_GROUP, Ethnicity
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES

_KIND_LABELS = {
    "string": "text",
    "integer": "integer",
    "number": "number",
    "boolean": "true/false",
    "date": "date",
    "code": "code",
    "codes": "list of codes",
    "integers": "list of integers",
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _type_text(spec: FieldSpec) -> str:
    text = _KIND_LABELS[spec.kind]
    if spec.codelist is not None:
        text += (
            f" ([`{spec.codelist.codelist_name()}`](#code-list-{spec.codelist.codelist_name()}))"
        )
    return text


def _constraint_text(spec: FieldSpec) -> str:
    parts = []
    if spec.minimum is not None or spec.maximum is not None:
        parts.append(
            f"{spec.minimum if spec.minimum is not None else '…'}–"
            f"{spec.maximum if spec.maximum is not None else '…'}"
        )
    if spec.pattern:
        parts.append(f"pattern `{spec.pattern}`")
    if spec.max_length:
        parts.append(
            f"at most {spec.max_length} {'items' if spec.kind == 'codes' else 'characters'}"
        )
    if spec.rule:
        parts.append(spec.rule)
    return "; ".join(parts)


def record_types_table() -> str:
    """Overview of every record type: file stem, tier, key, summary."""
    return markdown_table(
        ["Record type", "File name", "Tier", "Key", "What one row is"],
        [
            (
                f"[`{m.record_type}`](#record-{m.record_type})",
                f"`{m.file_stem}.csv` / `.parquet` / `.jsonl`",
                m.tier.value,
                ", ".join(f"`{k}`" for k in m.primary_key),
                m.summary,
            )
            for m in RECORD_TYPES.values()
        ],
    )


def fields_section() -> str:
    """One sub-section per record type with its field table and cross-field rules."""
    parts = []
    for model in RECORD_TYPES.values():
        parts.append(f'<a id="record-{model.record_type}"></a>\n')
        parts.append(f"### `{model.record_type}` — {model.__doc__}\n")
        parts.append(
            f"File `{model.file_stem}.*`; tier **{model.tier.value}**; key "
            + ", ".join(f"`{k}`" for k in model.primary_key)
            + f". {model.summary}\n"
        )
        parts.append(
            markdown_table(
                ["Field", "Type", "Required", "Tier", "Constraints and rules", "Meaning"],
                [
                    (
                        f"`{s.name}`",
                        _type_text(s),
                        "required" if s.required else "optional",
                        s.tier,
                        _constraint_text(s),
                        s.meaning,
                    )
                    for s in field_specs(model)
                ],
            )
        )
        if model.rules:
            parts.append(
                "\nRules across fields: "
                + " ".join(f"{r.describe()} (`{r.code}`)" for r in model.rules)
            )
        parts.append("")
    return "\n".join(parts)


def _codelist_rows(codelist: type[CodeList]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for member in codelist:
        synonyms = ", ".join(member.synonyms)
        if codelist is Ethnicity:
            group = ETHNICITY_GROUP[Ethnicity(member.value)].value
            rows.append((f"`{member.value}`", member.label, f"`{group}`", synonyms))
        else:
            rows.append((f"`{member.value}`", member.label, synonyms))
    return rows


def codelists_section() -> str:
    """One table per code list."""
    parts = []
    for codelist in ALL_CODELISTS:
        name = codelist.codelist_name()
        parts.append(f'<a id="code-list-{name}"></a>\n')
        parts.append(f"#### `{name}`\n\n{codelist.__codelist_description__}\n")
        header = ["Code", "Label", "Also accepted (mapping)"]
        if codelist is Ethnicity:
            header.insert(2, "5-group roll-up")
        parts.append(markdown_table(header, _codelist_rows(codelist)))
        parts.append("")
    return "\n".join(parts)
