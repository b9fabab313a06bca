"""Wide layouts (one row per person, columns per timepoint) and outcome record ids.

The commonest shape in small services is one row per person with a block of columns
for each questionnaire round ("Q1 start" … "Q14 start", "Q1 3m" …). Each round with at
least one answer or a total becomes one outcome record, its ``timepoint`` the round's
key in the mapping.

Outcome records need a ``record_id``. When the spreadsheet has none, it is derived
from the participant key, the instrument and the timepoint by :func:`outcome_record_id`
(the same inputs always give the same id, so a resubmission replaces, not duplicates).
The transform derives it from the LOCAL id; ``prepare`` derives it again from the
pseudonymous ``participant_key`` with :func:`rederive_record_ids`, so no id in the
output is computed from a direct identifier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from peerbench.intake.layout import row_list
from peerbench.intake.mapping import ITEM_NUMBER, RecordBlock, WideTimepoint
from peerbench.io.headers import normalise_header
from peerbench.schema.instruments import InstrumentRegistry, UnknownInstrumentError

__all__ = ["WideColumns", "outcome_record_id", "rederive_record_ids", "wide_columns"]

_ID_DOMAIN = "peerbench-outcome-record-v1"
_ID_CHARS = 32
_SCAN_LIMIT = 500
"""Most items a pattern is expanded to when the instrument's item count is unknown."""


def outcome_record_id(
    participant_key: str, instrument: str, timepoint: str, occasion: str = ""
) -> str:
    """The derived ``record_id`` of one questionnaire: 32 lower-case hex characters.

    Args:
        participant_key: The participant's key (pseudonymous in anything written out).
        instrument: The instrument code (case ignored).
        timepoint: The timepoint code.
        occasion: What tells two records of one timepoint apart, used for ``other``
            (the date administered or days since start); empty otherwise.
    """
    parts = (_ID_DOMAIN, participant_key, instrument.strip().upper(), timepoint, occasion)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:_ID_CHARS]


def occasion_of(timepoint: str | None, date: str | None, days: str | None) -> str:
    """The ``occasion`` part of a derived id: only an ``other`` timepoint needs one."""
    if timepoint != "other":
        return ""
    return date or days or ""


def rederive_record_ids(table: pa.Table, derived: Sequence[bool]) -> pa.Table:
    """``table`` with each derived ``record_id`` computed again from its current columns.

    Call after ``participant_key`` has been pseudonymised; rows whose record id came
    from the spreadsheet (``derived`` False) keep it.

    Args:
        table: An outcome table from :func:`peerbench.intake.transform.apply_mapping`.
        derived: Per row, whether its record id was derived (``MappedTable.derived_ids``).
    """
    if "record_id" not in table.column_names or not any(derived):
        return table
    columns = {
        name: table.column(name).to_pylist() if name in table.column_names else [None] * len(table)
        for name in ("record_id", "participant_key", "instrument", "timepoint")
    }
    dates = (
        table.column("date_administered").to_pylist()
        if "date_administered" in table.column_names
        else [None] * len(table)
    )
    days = (
        table.column("days_since_start").to_pylist()
        if "days_since_start" in table.column_names
        else [None] * len(table)
    )
    ids = list(columns["record_id"])
    for row, is_derived in enumerate(derived):
        if not is_derived:
            continue
        ids[row] = outcome_record_id(
            columns["participant_key"][row] or "",
            columns["instrument"][row] or "",
            columns["timepoint"][row] or "",
            occasion_of(columns["timepoint"][row], dates[row], days[row]),
        )
    index = table.column_names.index("record_id")
    return table.set_column(index, "record_id", pa.array(ids, type=pa.string()))


@dataclass(frozen=True)
class WideColumns:
    """The columns of one timepoint of a wide layout, as column indexes of the sheet.

    Attributes:
        timepoint: The timepoint code.
        items: ``(item number, column index, header)`` for each item found.
        total: ``(column index, header)`` of the typed total, if any.
        date: ``(column index, header)`` of the date completed, if any.
        missing: ``(header, detail)`` for each header the mapping names that the sheet
            lacks; an items pattern is one entry naming the item numbers missing.
    """

    timepoint: str
    items: tuple[tuple[int, int, str], ...]
    total: tuple[int, str] | None
    date: tuple[int, str] | None
    missing: tuple[tuple[str, str], ...]


def wide_columns(
    block: RecordBlock,
    headers: dict[str, int],
    originals: list[str],
    registry: InstrumentRegistry,
) -> list[WideColumns]:
    """Find each timepoint's columns in a sheet.

    A pattern (``"Q{n} start"``) is expanded for n = 1 … the item count of the block's
    instrument; when the instrument is not a constant (or not registered), for n = 1, 2,
    … while the sheet has the header.

    Args:
        block: The outcomes block with ``timepoints``.
        headers: Normalised header → column index.
        originals: The headers as written, by column index.
        registry: For the instrument's item count.
    """
    count = _item_count(block.instrument, registry)
    out = []
    for timepoint, spec in block.timepoints.items():
        items, missing = _items(spec, count, headers, originals)
        total = _one(spec.total, headers, originals, missing)
        date = _one(spec.date, headers, originals, missing)
        out.append(WideColumns(timepoint, tuple(items), total, date, tuple(missing)))
    return out


def _item_count(instrument: str | None, registry: InstrumentRegistry) -> int | None:
    if instrument is None:
        return None
    try:
        return registry.get(instrument).item_count
    except UnknownInstrumentError:
        return None


def _items(
    spec: WideTimepoint, count: int | None, headers: dict[str, int], originals: list[str]
) -> tuple[list[tuple[int, int, str]], list[tuple[str, str]]]:
    items: list[tuple[int, int, str]] = []
    missing: list[tuple[str, str]] = []
    pattern = spec.items if isinstance(spec.items, str) else None
    if pattern is not None and count is None:
        for number in range(1, _SCAN_LIMIT + 1):
            index = headers.get(normalise_header(pattern.replace(ITEM_NUMBER, str(number))))
            if index is None:
                break
            items.append((number, index, originals[index]))
        if not items:
            missing.append((pattern, " for item 1"))
        return items, missing
    absent: list[int] = []
    for number, header in enumerate(spec.item_headers(count or 0), start=1):
        index = headers.get(normalise_header(header))
        if index is None:
            absent.append(number)
            if pattern is None:
                missing.append((header, ""))
        else:
            items.append((number, index, originals[index]))
    if pattern is not None and absent:
        missing.append((pattern, f" for {row_list(absent).replace('row', 'item')}"))
    return items, missing


def _one(
    header: str | None,
    headers: dict[str, int],
    originals: list[str],
    missing: list[tuple[str, str]],
) -> tuple[int, str] | None:
    if header is None:
        return None
    index = headers.get(normalise_header(header))
    if index is None:
        missing.append((header, ""))
        return None
    return index, originals[index]
