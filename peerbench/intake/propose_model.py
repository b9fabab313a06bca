"""What ``peerbench map`` proposes: plain data, rendered as YAML by ``propose_yaml``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from peerbench.intake.propose_match import Confidence


@dataclass(frozen=True)
class SheetInput:
    """One sheet as the proposer sees it: the header, the data rows, and where they are.

    Attributes:
        key: The sheet's key in the mapping (sheet name, or the CSV file's name).
        file: The file as the user named it.
        sheet: The sheet name, or None for a CSV file.
        headers: The header row's cells.
        rows: The data rows, title, blank and total rows already set aside.
        header_row: Spreadsheet row of the header, when it is not the first row.
        notes: What the layout finder set aside (title, blank, total rows).
        row_numbers: The spreadsheet row of each data row (for the preview).
    """

    key: str
    file: str
    sheet: str | None
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    header_row: int | None = None
    notes: Sequence[str] = ()
    row_numbers: Sequence[int] = ()


@dataclass(frozen=True)
class Said:
    """A value with the comment that says why it was chosen and how sure that is."""

    value: str
    confidence: Confidence
    reason: str

    def comment(self) -> str:
        """``matched header 'Gender' to sex (certain)``."""
        return f"{self.reason} ({self.confidence})"


@dataclass
class WideTimepoint:
    """One timepoint of a wide layout: its item columns, total and date."""

    items: list[str]
    pattern: str | None = None
    """``Q{n} start`` when every item header follows it, else None (list ``items``)."""
    total: str | None = None
    date: Said | None = None


@dataclass
class Block:
    """What one sheet feeds into one record type (``participants``, ``outcomes`` …)."""

    stem: str
    columns: dict[str, Said] = field(default_factory=dict)
    """Header -> field (``Said.value``)."""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    value_notes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Field -> local label -> why it was mapped to its code (the YAML comment)."""
    constants: dict[str, Said] = field(default_factory=dict)
    instrument: Said | None = None
    timepoints: dict[str, WideTimepoint] = field(default_factory=dict)
    todos: list[str] = field(default_factory=list)


@dataclass
class SheetProposal:
    """The proposal for one sheet of a workbook, or one CSV file."""

    key: str
    """Sheet name, or the CSV file's name."""
    file: str
    sheet: str | None
    header_row: int | None = None
    id_column: Said | None = None
    identifiers: dict[str, Said] = field(default_factory=dict)
    date_of_birth: Said | None = None
    date_of_birth_at: Said | None = None
    """The column the age is taken at, when the default (the row's engagement start or
    outcome date) does not exist on this sheet."""
    hint: str | None = None
    """The record type the sheet's name says it holds, if it says."""
    skip: dict[str, Said] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Headers nothing matched: left for the coordinator (reported by prepare)."""
    todos: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    date_formats: dict[str, tuple[str | None, Confidence, str]] = field(default_factory=dict)

    def block(self, stem: str) -> Block | None:
        """The block feeding ``stem``, if any."""
        return next((b for b in self.blocks if b.stem == stem), None)

    def todo_count(self) -> int:
        """TODO lines of this sheet and its blocks."""
        return len(self.todos) + sum(len(b.todos) for b in self.blocks)
