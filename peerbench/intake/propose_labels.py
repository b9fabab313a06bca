"""A mapped column's labels: which need a ``values`` entry, which are left to decide."""

from __future__ import annotations

from peerbench.intake.propose_match import field_spec, vocabulary
from peerbench.intake.propose_model import Block, Said
from peerbench.intake.propose_values import (
    distinct,
    identifier_kind,
    match_values,
    whole_numbers,
)
from peerbench.schema.codelists import AgeBand
from peerbench.schema.header_words import normalise, words


def age_band_table() -> dict[str, str]:
    """Every whole age 0..120 -> its age band code: the same table whatever the data holds."""
    uppers = [
        (24, "18_24"),
        (34, "25_34"),
        (44, "35_44"),
        (54, "45_54"),
        (64, "55_64"),
        (74, "65_74"),
    ]
    table: dict[str, str] = {}
    for age in range(121):
        if age < 18:
            code = AgeBand.UNDER_18.value
        elif age >= 75:
            code = AgeBand.AGE_75_PLUS.value
        else:
            code = next(c for upper, c in uppers if age <= upper)
        table[str(age)] = code
    return table


def propose_values_of(block: Block, header: str, name: str, cells: list[str]) -> None:
    """The ``values`` entries and TODOs for column ``header`` mapped to field ``name``."""
    spec = field_spec(block.stem, name)
    if name == "age_band" and distinct(cells) and whole_numbers(cells) is not None:
        block.values[name] = age_band_table()
        block.columns[header] = Said(name, "likely", f"'{header}' holds ages in years: banded")
        return
    extra: dict[str, str] = {}
    if spec.codelist is not None:
        lookup = spec.codelist.lookup()
        local = dict(vocabulary().values.get(name, {}))
        if name == "timepoint":
            local.update(vocabulary().timepoints)
        for label in distinct(cells):
            code = local.get(words(label))
            if code is not None and normalise(label) not in lookup:
                extra[label] = code
        cells = [c for c in cells if c.strip() not in extra]
    if spec.codelist is None:
        if spec.kind == "boolean":
            odd = [v for v in distinct(cells) if normalise(v) not in _BOOLEAN]
            if odd:
                block.todos.append(
                    f"'{header}' ({name}) holds {len(odd)} answer(s) other than "
                    "yes/no: check them before prepare"
                )
        return
    match = match_values(spec, cells)
    mapped = {**extra, **match.mapped}
    if mapped:
        block.values[name] = mapped
        notes = {label: "a usual word for this code (likely)" for label in extra}
        for label in match.mapped:
            guessed = label in match.guessed
            notes[label] = "nearest code (unsure)" if guessed else "the label, spelt apart (likely)"
        block.value_notes[name] = notes
    if match.guessed:
        listed = ", ".join(f"'{label}'" for label in match.guessed)
        block.todos.append(f"values: {name}: check {listed}, mapped to the nearest code")
    shown = [label for label in match.unmatched if _plain_label(label)]
    if match.unmatched and len(shown) == len(match.unmatched) and len(shown) <= 20:
        labels = ", ".join(f"'{label}'" for label in shown)
        block.todos.append(
            f"{name}: labels not in the {spec.codelist.codelist_name()} code list: "
            f"{labels}; add them under values: {name}:"
        )
    elif match.unmatched:
        block.todos.append(
            f"{name}: {len(match.unmatched)} labels are not in the "
            f"{spec.codelist.codelist_name()} code list"
        )


def _plain_label(label: str) -> bool:
    """A label short and plain enough to write into the YAML (never a contact detail)."""
    return len(label) <= 40 and identifier_kind([label]) is None


_BOOLEAN = frozenset({"true", "false", "yes", "no", "y", "n", "1", "0"})
