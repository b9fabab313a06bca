"""The extract's human-readable documents: ``data_dictionary.md`` and ``README.md``.

Both are generated: field rows come from the template's data dictionary (itself read
from the record models), extra columns from :mod:`peerbench.extracts.columns`, and the
rules from the modules that apply them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from peerbench.extracts.columns import extra_columns
from peerbench.extracts.consent import CONSENT_RULE, NOT_EXTRACTED
from peerbench.extracts.rekey import REKEYED_IDS
from peerbench.schema.codelist_base import CodeList
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION
from peerbench.template.dictionary import dictionary_rows

REKEY_RULE = (
    "Participant keys are re-keyed for this extract: new key = first 32 hex digits of "
    "HMAC-SHA256(extract secret, pooled key), where the extract secret is "
    "HMAC-SHA256(server secret, 'peerbench-extract-v1:' + extract id). A participant's "
    "rows link within this extract, but not to the pool or to any other extract. "
    "Outcome record_id and feedback_id are replaced the same way, so rows cannot be "
    "matched between extracts either."
)
DISCLOSURE_NOTE = (
    "This is row-level, pseudonymised data released for approved research only. Do not "
    "share it beyond the approved project team, do not try to identify anyone, and apply "
    "disclosure control (no counts of 1–7, statistics on at least 10 people) to anything "
    "you publish from it."
)
LATEST_RULE = (
    "A record submitted in more than one period appears once: the row from the latest "
    "period is kept, and its _period is the period it was first submitted for."
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def data_dictionary(item_count: int) -> str:
    """``data_dictionary.md``: every column of every file, then the code lists used.

    Args:
        item_count: How many ``item_`` columns the CSV outcomes file has.
    """
    by_type: dict[str, list[tuple[str, ...]]] = {}
    for record_type, name, required, _tier, kind, list_name, rule, meaning in dictionary_rows(
        item_count
    ):
        if name == "participant_key" or name in REKEYED_IDS.get(record_type, ()):
            rule = f"{rule} Re-keyed for this extract (see below).".strip()
        by_type.setdefault(record_type, []).append(
            (f"`{name}`", kind, required, f"`{list_name}`" if list_name else "", meaning, rule)
        )
    extracted = {rt: m for rt, m in RECORD_TYPES.items() if rt not in NOT_EXTRACTED}
    used: dict[str, type[CodeList]] = {
        spec.codelist.codelist_name(): spec.codelist
        for model in extracted.values()
        for spec in field_specs(model)
        if spec.codelist is not None
    }
    lines = [
        f"# Data dictionary (Peer Support Outcomes Standard {STANDARD_VERSION})",
        "",
        "Generated from the standard's models. Each record type is one file, as CSV "
        "(UTF-8, ISO dates, `items` as `item_1 …`, `themes` joined by `;`) and as Parquet "
        "(lists kept as lists). Empty cells mean no value.",
        "",
    ]
    header = ("Field", "Type", "Required", "Code list", "Meaning", "Rule")
    for record_type, model in extracted.items():
        rows = by_type[record_type]
        for column in extra_columns(record_type):
            name = column.codelist.codelist_name() if column.codelist else ""
            rows.append(
                (f"`{column.name}`", "text", "optional", name and f"`{name}`", column.meaning, "")
            )
            if column.codelist is not None:
                used[name] = column.codelist
        lines += [f"## `{model.file_stem}` ({record_type})", "", model.summary, ""]
        lines += [*_table(header, rows), ""]
    lines += ["## Re-keying", "", REKEY_RULE, "", "## Consent", "", CONSENT_RULE, ""]
    lines += ["## Code lists", ""]
    for used_name in sorted(used):
        codelist = used[used_name]
        codes = [(f"`{m.value}`", m.label) for m in codelist]
        lines += [f"### `{used_name}`", "", codelist.__codelist_description__, ""]
        lines += [*_table(("Code", "Label"), codes), ""]
    return "\n".join(lines)


STATISTICAL_NOTE = (
    "Variable labels are the field meanings; value labels come from the code lists. The "
    "SPSS files keep each code as text (with its label); the Stata files store a coded "
    "column as the code's position (from 1) in its code list, labelled. Yes/no columns "
    "are 0/1 labelled no/yes. SPSS names the lineage columns `src_organisation_id`, "
    "`src_period`, `src_standard_version`. An empty text cell reads back as an empty string."
)


def _formats_section(formats: Sequence[str]) -> list[str]:
    if not formats:
        return []
    names = {"dta": "Stata (`.dta`, version 15)", "sav": "SPSS (`.sav`)"}
    listed = " and ".join(names[f] for f in formats)
    return ["## Stata and SPSS", "", f"Each record type is also given as {listed}, "
            "in the flattened form of the CSV. " + STATISTICAL_NOTE, ""]  # fmt: skip


def readme(
    *,
    extract_id: str,
    project: str,
    created: str,
    row_counts: Mapping[str, int],
    formats: Sequence[str] = (),
) -> str:
    """``README.md`` for one extract: what it is, what is in it, and the rules it obeys.

    Args:
        formats: Statistical formats also written (``dta``, ``sav``).
    """
    rows = [(f"`{RECORD_TYPES[rt].file_stem}`", f"{count:,}") for rt, count in row_counts.items()]
    lines = [
        f"# peerbench research extract `{extract_id}`",
        "",
        f"- Project: **{project}**",
        f"- Created: {created}",
        f"- Standard: Peer Support Outcomes Standard {STANDARD_VERSION}",
        "",
        "## Files",
        "",
        "Each record type is given as CSV and Parquet (same rows). `datapackage.json` "
        "describes every file as a Frictionless Tabular Data Package; `data_dictionary.md` "
        "explains every column and code.",
        "",
        *_table(("File", "Rows"), rows),
        "",
        "How each questionnaire is scored (items, reverse-scored items, missing-item rules, "
        "conversion tables, licence notes) is in `scoring_rules.csv`, `scoring_items.csv` and "
        "`scoring_conversions.csv`, and in words at the end of `data_dictionary.md`.",
        "",
        *_formats_section(formats),
        "## Consent",
        "",
        CONSENT_RULE,
        "",
        "## Re-keying",
        "",
        REKEY_RULE,
        "",
        "## Harmonisation",
        "",
        "Columns follow the standard; `_organisation_id`, `_period` and "
        "`_standard_version` say where each row came from; participants gain "
        "`ethnic_group` (the five ONS 2021 groups) beside `ethnicity`. " + LATEST_RULE,
        "",
        "## Disclosure",
        "",
        DISCLOSURE_NOTE,
        "",
    ]
    return "\n".join(lines)
