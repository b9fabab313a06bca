"""Write a proposal as the commented YAML a coordinator edits (mapping language version 2).

Every choice carries a comment saying what was matched and how sure it is; what is
left to decide is a ``# TODO:`` line next to where the answer goes. Only headers, sheet
names, code labels and answer words are written, never a cell value that could identify
a person, so the file can be shared with a helpdesk.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from peerbench.intake.propose_model import Block, Said, SheetProposal

WIDTH = 100
"""Comment lines are wrapped to this width (continuation lines indented by two)."""
COMMENT_COLUMN = 44
"""Comments start at this column where the line is shorter, so they read as a column."""

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _\-./()&']*")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"})


def scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where that is unambiguous, else double-quoted."""
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and text.casefold() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Lines:
    """YAML lines with aligned trailing comments."""

    out: list[str] = field(default_factory=list)

    def add(self, depth: int, text: str, comment: str = "") -> None:
        line = "  " * depth + text
        if comment:
            line = f"{line.ljust(COMMENT_COLUMN - 1)} # {comment}"
        self.out.append(line.rstrip())

    def comment(self, depth: int, text: str) -> None:
        indent = "  " * depth
        width = max(WIDTH - len(indent) - 2, 40)
        parts = textwrap.wrap(text, width=width, subsequent_indent="  ", break_long_words=False)
        self.out.extend(f"{indent}# {part}" for part in parts)

    def todos(self, depth: int, todos: Iterable[str]) -> None:
        for todo in todos:
            self.comment(depth, f"TODO: {todo}")

    def said(self, depth: int, key: str, said: Said) -> None:
        self.add(depth, f"{scalar(key)}: {scalar(said.value)}", said.comment())


def render(
    sheets: Sequence[SheetProposal],
    *,
    files: Sequence[str],
    constants: dict[str, Said],
    date_format: Said | None,
    todos: Sequence[str],
    notes: Sequence[str],
    left_out: Sequence[str],
) -> str:
    """The whole mapping file."""
    lines = Lines()
    named = ", ".join(Path(file).name for file in files)  # never the folders: they may name people
    lines.comment(0, f"peerbench mapping — proposed by `peerbench map` from {named}.")
    lines.comment(0, "Edit the lines marked TODO ({count} left), then run `peerbench prepare`.")
    head = len(lines.out) - 1
    lines.comment(0, "Each choice says how sure it is: certain (the standard's own words),")
    lines.comment(0, "likely (from a pattern or the values), unsure (check it).")
    lines.comment(0, "Only headers and labels are written here, never a value from the data.")
    lines.add(0, "version: 2")
    if date_format is not None:
        lines.said(0, "date_format", date_format)
    lines.todos(0, todos)
    for note in notes:
        lines.comment(0, note)
    if constants:
        lines.add(0, "constants:")
        for name, said in constants.items():
            lines.said(1, name, said)
    if not sheets:
        lines.add(0, "sheets: {}", "no sheet matched a record type: add one by its name")
    else:
        lines.add(0, "sheets:")
    for sheet in sheets:
        _sheet(lines, sheet)
    for text in left_out:
        lines.comment(0, text)
    count = sum(1 for line in lines.out if line.lstrip().startswith("# TODO:"))
    lines.out[head] = lines.out[head].replace("{count}", str(count))
    return "\n".join(lines.out) + "\n"


def _sheet(lines: Lines, sheet: SheetProposal) -> None:
    name = Path(sheet.file).name
    where = f"sheet '{sheet.sheet}' of {name}" if sheet.sheet else f"file {name}"
    feeds = ", ".join(b.stem for b in sheet.blocks)
    lines.add(1, f"{scalar(sheet.key)}:", f"{where}: {feeds}")
    for note in sheet.notes:
        lines.comment(2, note)
    if sheet.header_row is not None:
        lines.add(2, f"header_row: {sheet.header_row}", "the rows above it are a title")
    if sheet.id_column is not None:
        said = sheet.id_column
        lines.add(
            2,
            f"id_column: {scalar(said.value)}",
            f"{said.reason}: pseudonymised at prepare ({said.confidence})",
        )
    _listed(lines, "identifiers", sheet.identifiers)
    if sheet.date_of_birth is not None:
        lines.add(2, "date_of_birth:")
        lines.said(3, "column", sheet.date_of_birth)
        if sheet.date_of_birth_at is not None:
            lines.said(3, "at", sheet.date_of_birth_at)
    _listed(lines, "skip", sheet.skip)
    if sheet.unknown:
        listed = ", ".join(f"'{h}'" for h in sheet.unknown)
        lines.comment(
            2, f"TODO: not matched: {listed}; map each in a block below, or list it under skip:"
        )
    lines.todos(2, sheet.todos)
    for block in sheet.blocks:
        _block(lines, block)


def _listed(lines: Lines, key: str, entries: dict[str, Said]) -> None:
    if not entries:
        return
    lines.add(2, f"{key}:")
    for header, said in entries.items():
        lines.add(3, f"- {scalar(header)}", said.comment())


def _block(lines: Lines, block: Block) -> None:
    empty = not (block.instrument or block.columns or block.values or block.constants)
    if empty and not block.timepoints:
        lines.add(2, f"{block.stem}: {{}}", "the sheet's name says so; nothing matched yet")
        lines.todos(3, block.todos)
        return
    lines.add(2, f"{block.stem}:")
    if block.instrument is not None:
        lines.said(3, "instrument", block.instrument)
    if block.columns:
        lines.add(3, "columns:")
        for header, said in block.columns.items():
            lines.said(4, header, said)
    if block.values:
        lines.add(3, "values:")
        for name, table in block.values.items():
            _values(lines, name, table, block.value_notes.get(name, {}))
    if block.constants:
        lines.add(3, "constants:")
        for name, said in block.constants.items():
            lines.said(4, name, said)
    if block.timepoints:
        lines.add(3, "timepoints:", "one row per person: one questionnaire per timepoint")
        for code, wide in block.timepoints.items():
            lines.add(4, f"{code}:")
            if wide.pattern is not None:
                lines.add(5, f"items: {scalar(wide.pattern)}", f"{len(wide.items)} item columns")
            elif wide.items:
                lines.add(5, "items:")
                for header in wide.items:
                    lines.add(6, f"- {scalar(header)}")
            if wide.total is not None:
                lines.add(5, f"total: {scalar(wide.total)}")
            if wide.date is not None:
                lines.said(5, "date", wide.date)
    lines.todos(3, block.todos)


def _values(lines: Lines, name: str, table: dict[str, str], notes: dict[str, str]) -> None:
    if len(table) > 12:  # a generated table (ages in years): one line per code
        _flow(lines, name, table)
        return
    lines.add(4, f"{name}:")
    for label, code in table.items():
        lines.add(5, f"{scalar(label)}: {scalar(code)}", notes.get(label, ""))


def _flow(lines: Lines, name: str, table: dict[str, str]) -> None:
    """A large generated table as one flow mapping, one line per code."""
    codes = list(dict.fromkeys(table.values()))
    lines.add(4, f"{name}: {{", "every whole age in years, banded")
    pairs = [
        f"{scalar(label)}: {scalar(code)}"
        for code in codes
        for label, c in table.items()
        if c == code
    ]
    text = ", ".join(pairs)
    for part in textwrap.wrap(text, width=WIDTH - 10, break_long_words=False):
        lines.add(5, part)
    lines.add(4, "}")
