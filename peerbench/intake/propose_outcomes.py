"""Outcome columns of a sheet: items, totals and dates, long or wide, and the instrument."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from peerbench.intake.cells import is_no_answer
from peerbench.intake.propose_match import (
    HeaderRole,
    split_timepoint,
    vocabulary,
)
from peerbench.intake.propose_model import Block, Said, SheetProposal, WideTimepoint
from peerbench.intake.propose_values import (
    distinct,
    exported_number,
    guess_instrument,
    response_labels,
    whole_numbers,
)
from peerbench.schema.codelists import Timepoint
from peerbench.schema.header_words import normalise, words
from peerbench.schema.instruments.definition import InstrumentDefinition


def propose_outcomes(
    proposal: SheetProposal,
    roles: dict[str, HeaderRole],
    values: dict[str, list[str]],
    blocks: dict[str, Block],
    definitions: Sequence[InstrumentDefinition],
    sheet_name: str,
) -> None:
    """Item, total and date columns: a long block (item_N columns) or wide timepoints."""
    by_code = {d.code: d for d in definitions}
    for header, role in list(roles.items()):  # "PHQ9" holding scores of 0-27 is the total
        definition = by_code.get(role.instrument or "")
        is_item = role.role == "item" and definition is not None
        numbers = whole_numbers(values[header]) if is_item else None
        highest = 0 if definition is None else max(item.max for item in definition.items())
        if numbers and definition is not None and max(numbers) > highest:
            roles[header] = replace(role, role="total", number=None, confidence="likely")
    parts = [(h, r) for h, r in roles.items() if r.role in ("item", "total", "date")]
    items = [(h, r) for h, r in parts if r.role == "item"]
    if not items and not any(r.role == "total" for _, r in parts):
        for h, _r in parts:
            proposal.unknown.append(h)
        return
    block = blocks.setdefault("outcomes", Block("outcomes"))
    named = next((r.instrument for _, r in parts if r.instrument), None)
    if named is None:
        stem = re.sub(r"\.(csv|xlsx|xlsm)$", "", sheet_name, flags=re.IGNORECASE)
        tokens = {_squashed(token) for token in re.split(r"[\s_().]+", stem)}
        found = [d.code for d in definitions if d.code in tokens]  # "CORE-10", "WEMWBS scores"
        named = found[0] if len(found) == 1 else None
    count = max((r.number or 0 for _, r in items), default=0)
    answers: dict[int, list[str]] = {}
    for header, role in items:
        answers.setdefault(role.number or 0, []).extend(c for c in values[header] if c.strip())
    column = next((h for h, s in block.columns.items() if s.value == "instrument"), None)
    if column is None:
        _instrument(block, count, answers, definitions, named)
    else:
        codes = {d.code for d in definitions}
        odd = [v for v in distinct(values[column]) if _squashed(v) not in codes][:12]
        if odd:
            listed = ", ".join(f"'{v}'" for v in odd)
            block.todos.append(
                f"instrument: '{column}' holds {listed}, not registry codes "
                f"({', '.join(sorted(codes))}); if the sheet is all one questionnaire, "
                "replace the column's mapping with instrument: CODE"
            )
    wide = any(r.timepoint for _, r in parts if r.role != "date")
    if not wide:
        taken = {s.value for s in block.columns.values()}
        for header, role in parts:
            name = {
                "item": f"item_{role.number}",
                "total": "total_score",
                "date": "date_administered",
            }[role.role]
            if name in taken:
                proposal.unknown.append(header)
                continue
            taken.add(name)
            block.columns[header] = Said(
                name, role.confidence, f"matched header '{header}' to {name}"
            )
        return
    by_timepoint: dict[str, list[tuple[str, HeaderRole]]] = {}
    for header, role in parts:
        if role.timepoint is None:
            proposal.unknown.append(header)
        else:
            by_timepoint.setdefault(role.timepoint, []).append((header, role))
    order = list(vocabulary_timepoint_order())
    for timepoint in sorted(by_timepoint, key=order.index):
        layout = _wide(by_timepoint[timepoint], timepoint, blocks)
        block.timepoints[timepoint] = layout
        if layout.date is None or layout.date.confidence == "unsure":
            _named_date(proposal, roles, block, timepoint)
        numbers = sorted(r.number or 0 for _, r in by_timepoint[timepoint] if r.role == "item")
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            block.todos.append(
                f"timepoints: {timepoint}: the item columns are not numbered 1 to "
                f"{len(numbers)} (found {', '.join(map(str, numbers))}); items: must list "
                "every item's header in order"
            )
        said = [h for h, _ in by_timepoint[timepoint]]
        if any(set(words(h).split()) & vocabulary().ambiguous_timepoints for h in said):
            block.todos.append(
                f"timepoints: {timepoint} is read from '{said[0]}'; if that is a fixed review "
                "rename it month_3, month_6 or month_12 (end means the end of support)"
            )
        _date_only_engagement(blocks, layout)
        date = block.timepoints[timepoint].date
        if date is not None and date.confidence == "unsure":
            block.todos.append(
                f"timepoints: {timepoint}: no questionnaire date column; '{date.value}' is "
                "used as the date it was completed: check, or give the right column"
            )
        if date is None:
            block.todos.append(
                f"timepoints: {timepoint}: no date column found; add date: with "
                "the column holding when it was completed"
            )


def _named_date(
    proposal: SheetProposal, roles: dict[str, HeaderRole], block: Block, timepoint: str
) -> None:
    """A header naming the timepoint and a date (``End date``) is that timepoint's date.

    Such a header may have matched an engagement date as well (``Start date``); in a
    wide layout the questionnaire date is the likelier reading, and it may feed both.
    """
    for header in roles:
        code, rest = split_timepoint(words(header))
        if code == timepoint and rest in vocabulary().date_words:
            block.timepoints[timepoint].date = Said(
                header, "likely", f"'{header}' names the {timepoint} and a date"
            )
            if header in proposal.unknown:
                proposal.unknown.remove(header)
                proposal.todos[:] = [t for t in proposal.todos if not t.startswith(f"'{header}'")]
            return


def _date_only_engagement(blocks: dict[str, Block], layout: WideTimepoint) -> None:
    """An engagement made of one date column that is a questionnaire's date is no engagement."""
    engagements = blocks.get("engagements")
    if engagements is None or layout.date is None or len(engagements.columns) != 1:
        return
    if layout.date.value in engagements.columns and layout.date.confidence != "unsure":
        del blocks["engagements"]


def vocabulary_timepoint_order() -> tuple[str, ...]:
    """Timepoint codes in the code list's order (baseline first)."""
    return tuple(member.value for member in Timepoint)


def _instrument(
    block: Block,
    count: int,
    answers: dict[int, list[str]],
    definitions: Sequence[InstrumentDefinition],
    named: str | None,
) -> None:
    guess = guess_instrument(count, answers, definitions, named)
    if guess.code is None:
        block.todos.append(
            f"instrument: {guess.reason}; register it (peerbench instruments "
            "register) and set instrument: to its code"
        )
        return
    block.instrument = Said(guess.code, guess.confidence, f"guessed from {guess.reason}")
    if guess.others:
        block.todos.append(
            f"instrument: {guess.code} is a guess; the columns also fit "
            f"{', '.join(guess.others)}: keep the one you use"
        )
    elif guess.confidence == "unsure":
        block.todos.append(f"instrument: check {guess.code} ({guess.reason})")
    definition = next(d for d in definitions if d.code == guess.code)
    every = [cell for cells in answers.values() for cell in cells]
    worded = [a for a in distinct(every) if whole_numbers([exported_number(a)]) is None]
    labels = response_labels(definition)
    unknown = [w for w in worded if normalise(w) not in labels and not is_no_answer(w)]
    if unknown and len(unknown) <= 12:
        listed = ", ".join(f"'{w}'" for w in unknown)
        block.todos.append(
            f"answers: {listed} are not among {guess.code}'s answer words; add "
            f"each under answers: with its number ({definition.response_min} "
            f"to {definition.response_max})"
        )
    elif unknown:
        block.todos.append(
            f"answers: {len(unknown)} answer words are not among "
            f"{guess.code}'s; add them under answers:"
        )


def _pattern(items: list[tuple[str, int]]) -> str | None:
    """``Q{n} start`` if every header is the pattern with its item number, else None."""
    if [n for _, n in items] != list(range(1, len(items) + 1)):
        return None
    common: set[str] | None = None
    for header, number in items:
        spans = [m.span() for m in re.finditer(rf"(?<!\d){number}(?!\d)", header)]
        found = {header[:a] + "{n}" + header[b:] for a, b in spans}
        common = found if common is None else common & found
    return min(common) if common else None


def _wide(
    parts: list[tuple[str, HeaderRole]], timepoint: str, blocks: dict[str, Block]
) -> WideTimepoint:
    items = sorted(((h, r.number or 0) for h, r in parts if r.role == "item"), key=lambda x: x[1])
    wide = WideTimepoint(items=[h for h, _ in items], pattern=_pattern(items))
    wide.total = next((h for h, r in parts if r.role == "total"), None)
    date = next((h for h, r in parts if r.role == "date"), None)
    if date is not None:
        wide.date = Said(date, "certain", f"'{date}' is the {timepoint} date")
        return wide
    engagement = blocks.get("engagements")
    fallback = {"baseline": "start_date", "end": "end_date"}.get(timepoint)
    if engagement is not None and fallback is not None:
        for header, said in engagement.columns.items():
            if said.value == fallback:
                wide.date = Said(header, "unsure", f"no {timepoint} date: the {fallback} column")
    return wide


def _squashed(text: str) -> str:
    """An instrument code however typed (``phq-9`` -> ``PHQ9``), as the transform reads it."""
    return "".join(ch for ch in text.upper() if ch.isalnum() or ch == "_")
