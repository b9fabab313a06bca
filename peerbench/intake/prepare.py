"""From a spreadsheet to standard files: map, pseudonymise, drop identifiers, write, validate.

``prepare`` is the one path from a coordinator's own spreadsheet to files that can be
submitted: the mapping is applied (:mod:`peerbench.intake.transform`), local participant
ids become pseudonymous keys, every direct identifier is dropped (none reaches a written
file: only standard fields are written), the standard files are written into a folder
with a ``peerbench.json`` manifest, and they are validated by the same engine as
``peerbench validate``, with every finding at the row the coordinator sees in Excel.

The folder is written whole or not at all: everything goes to a hidden folder beside it,
which replaces it by a rename once every file is written and checked.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from peerbench.extracts.folder_package import write_folder_package
from peerbench.intake.grid import read_grids
from peerbench.intake.mapping import MappingFile
from peerbench.intake.pseudonymise import pseudonymise_column
from peerbench.intake.transform import Origin, apply_mapping
from peerbench.intake.wide import rederive_record_ids
from peerbench.io.formulas import write_csv
from peerbench.schema.instruments.registry import InstrumentRegistry
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION
from peerbench.validators.engine import Options, validate_sources
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.mapping import ITEM_COLUMN, standard_columns
from peerbench.validators.readers import open_sources
from peerbench.validators.readers.version import MANIFEST_NAME
from peerbench.validators.report import DEFAULT_MAX_FINDINGS, Finding, Report
from peerbench.validators.source import RowOrigins

__all__ = [
    "PrepareError",
    "PrepareResult",
    "PreparedFile",
    "Staged",
    "prepare",
    "row_origins",
    "write_prepared",
]

ID_FIELDS = ("participant_key", "worker_key")
"""Fields holding local ids until prepare pseudonymises them: people (participants, the
people referred, a worker's own questionnaires) and peer workers, under the same key."""
PREPARED_BY = "peerbench prepare"
"""The manifest's ``prepared_by``: marks a folder ``prepare`` may replace."""


class PrepareError(ValueError):
    """The output folder cannot be used (it holds files ``prepare`` did not write)."""


@dataclass(frozen=True)
class Staged:
    """One record type's mapped rows, ready to be pseudonymised and written.

    Attributes:
        table: Standard column names, text cells; ``participant_key`` still holds the
            LOCAL id (it is pseudonymised here, and the local id is never written).
        origins: Where each row came from in the user's spreadsheet.
        derived_ids: Per row, whether its ``record_id`` was derived by the mapping (a
            wide layout); derived again here from the pseudonymous key. Empty: none.
    """

    table: pa.Table
    origins: RowOrigins
    derived_ids: Sequence[bool] = ()


@dataclass(frozen=True)
class PreparedFile:
    """A standard file ``prepare`` wrote."""

    record_type: str
    path: Path
    rows: int


@dataclass
class PrepareResult:
    """What ``prepare`` did.

    Attributes:
        out_dir: The folder written.
        files: The standard files written, in record-type order.
        dropped: Original place (``clients.xlsx#Clients``) → the identifier columns
            dropped there (declared, the date of birth once the age band is derived,
            or detected).
        not_collected: Record types the spreadsheet does not feed (left out: a note).
        report: The validation report, findings at the original rows.
    """

    out_dir: Path
    files: list[PreparedFile]
    dropped: dict[str, list[str]]
    not_collected: list[str]
    report: Report
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether the files written are valid (warnings allowed)."""
        return self.report.valid

    @property
    def rows(self) -> int:
        """Records written, over every file."""
        return sum(f.rows for f in self.files)


def file_name(record_type: str) -> str:
    """``participant`` → ``participants.csv``."""
    return f"{RECORD_TYPES[record_type].file_stem}.csv"


def _standard_only(record_type: str, table: pa.Table) -> tuple[pa.Table, list[str]]:
    """Only the record type's standard columns (items as ``item_N``); the rest, named."""
    allowed = set(standard_columns(record_type))
    extra = [
        name
        for name in table.column_names
        if name not in allowed and not (record_type == "outcome" and ITEM_COLUMN.match(name))
    ]
    return table.drop_columns(extra), extra


def _pseudonymised(table: pa.Table, secret: bytes) -> pa.Table:
    for name in ID_FIELDS:
        if name in table.column_names:
            position = table.column_names.index(name)
            table = table.set_column(position, name, pseudonymise_column(table[name], secret))
    return table


def check_out_dir(out_dir: Path) -> None:
    """Refuse a folder ``prepare`` did not write, before any work is done.

    Raises:
        PrepareError: ``out_dir`` is a file, or a non-empty folder without a manifest
            that says ``prepare`` wrote it.
    """
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise PrepareError(f"{out_dir} is a file; give a folder for the prepared files")
    if not any(out_dir.iterdir()):
        return
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("prepared_by") != PREPARED_BY:
        raise PrepareError(
            f"{out_dir} already holds files that peerbench prepare did not write; "
            "give a new or empty folder (nothing was written)"
        )


def _write(staged: dict[str, Staged], secret: bytes, folder: Path) -> list[PreparedFile]:
    files = []
    for record_type in RECORD_TYPES:  # a fixed order: the manifest and messages are stable
        if record_type not in staged or staged[record_type].table.num_rows == 0:
            continue
        part = staged[record_type]
        table = _pseudonymised(part.table, secret)
        if part.derived_ids:  # never from the local id: from the pseudonym
            table = rederive_record_ids(table, part.derived_ids)
        path = folder / file_name(record_type)
        write_csv(table, path)
        files.append(PreparedFile(record_type, path, table.num_rows))
    manifest = {
        "standard_version": STANDARD_VERSION,
        "prepared_by": PREPARED_BY,
        "files": {f.path.name: {"record_type": f.record_type, "rows": f.rows} for f in files},
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    write_folder_package(
        folder,
        {f.record_type: f.path for f in files},
        name="peerbench-prepared",
        title="Standard files prepared by peerbench prepare",
        description="Peer-support outcome records mapped from an organisation's own "
        f"spreadsheets to the Peer Support Outcomes Standard {STANDARD_VERSION}, with "
        "local ids pseudonymised and direct identifiers dropped.",
    )
    return files


def _validate(
    folder: Path,
    shown_as: Path,
    staged: dict[str, Staged],
    findings: Sequence[Finding],
    today: dt.date | None,
    registry: InstrumentRegistry | None,
    max_findings: int,
) -> Report:
    by_name = {file_name(r): s.origins for r, s in staged.items()}
    sources = open_sources(folder)
    for source in sources:
        name = Path(source.file).name
        source.origins = by_name.get(name)
        source.file = str(shown_as / name)  # the name the user will find it under
    options = Options(max_findings=max_findings, today=today, registry=registry)
    report = validate_sources(sources, options).report
    report.extend(findings)
    return report


def _swap_in(folder: Path, out_dir: Path) -> None:
    """Put ``folder`` where ``out_dir`` is, replacing a folder ``prepare`` wrote before."""
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old / out_dir.name)
        os.replace(folder, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(folder, out_dir)


def write_prepared(
    staged: dict[str, Staged],
    secret: bytes,
    out_dir: Path,
    *,
    findings: Sequence[Finding] = (),
    dropped: dict[str, list[str]] | None = None,
    today: dt.date | None = None,
    registry: InstrumentRegistry | None = None,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    shown_as: Path | None = None,
) -> PrepareResult:
    """Pseudonymise, write and validate mapped tables, all or nothing.

    Args:
        staged: Record type → its mapped rows (local ids) and their origins.
        secret: The organisation's key (``peerbench keygen``).
        out_dir: The folder to write (new, empty, or written by ``prepare`` before).
        findings: Findings of reading and mapping (layout notes, unmapped columns…),
            added to the report.
        dropped: Identifier columns already dropped by the mapping, per original place.
        today: Dates after this are in the future (default: today).
        registry: Instrument registry (default: the built-in one).
        max_findings: List at most this many findings (all are counted).
        shown_as: The folder the report names the files in (default ``out_dir``; a
            command that prepares into a temporary folder shows bare file names).

    Raises:
        PrepareError: ``out_dir`` holds files ``prepare`` did not write.
    """
    out_dir = Path(out_dir)
    shown = out_dir if shown_as is None else shown_as
    check_out_dir(out_dir)
    dropped = {k: list(v) for k, v in (dropped or {}).items()}
    notes: list[str] = []
    clean: dict[str, Staged] = {}
    for record_type, part in staged.items():
        table, extra = _standard_only(record_type, part.table)
        if extra:  # never written: only standard fields leave the organisation
            notes.append(
                f"{file_name(record_type)}: columns outside the standard were not written: "
                + ", ".join(extra)
            )
        clean[record_type] = Staged(table, part.origins, part.derived_ids)
    not_collected = [r for r in RECORD_TYPES if r not in clean or clean[r].table.num_rows == 0]
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        files = _write(clean, secret, folder)
        report = _validate(folder, shown, clean, findings, today, registry, max_findings)
        _swap_in(folder, out_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    final = [PreparedFile(f.record_type, out_dir / f.path.name, f.rows) for f in files]
    return PrepareResult(out_dir, final, dropped, not_collected, report, notes)


def row_origins(origins: Sequence[Origin]) -> RowOrigins:
    """The validators' form of the mapping's per-record origins."""
    names: dict[str, int] = {}
    index = [names.setdefault(origin.display, len(names)) for origin in origins]
    return RowOrigins(
        tuple(names),
        np.array(index, dtype=np.int32),
        np.array([origin.row for origin in origins], dtype=np.int64),
    )


def prepare(
    paths: Sequence[Path],
    mapping: MappingFile,
    key: bytes,
    out_dir: Path,
    *,
    today: dt.date | None = None,
    registry: InstrumentRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    shown_as: Path | None = None,
) -> PrepareResult:
    """Spreadsheets and a mapping file in; pseudonymised, validated standard files out.

    Args:
        paths: The spreadsheets (CSV, XLSX), as the user named them.
        mapping: The mapping file (:func:`peerbench.intake.mapping.load_mapping`).
        key: The organisation's secret (:func:`peerbench.schema.pseudonym.read_key_file`).
        out_dir: The folder to write (new, empty, or written by ``prepare`` before).
        today: Dates after this are in the future (default: today).
        registry: Instrument registry (default: the built-in one).
        limits: Resource limits for reading the spreadsheets.
        max_findings: List at most this many findings (all are counted).
        shown_as: The folder the report names the files in (default ``out_dir``).

    Raises:
        PrepareError: ``out_dir`` holds files ``prepare`` did not write.
        FileNotFoundError: a spreadsheet does not exist.
    """
    check_out_dir(Path(out_dir))
    grids = [grid for path in paths for grid in read_grids(Path(path), limits)]
    mapped = apply_mapping(grids, mapping, registry=registry)
    staged = {
        record_type: Staged(part.table, row_origins(part.origins), part.derived_ids)
        for record_type, part in mapped.tables.items()
    }
    result = write_prepared(
        staged,
        key,
        Path(out_dir),
        findings=mapped.findings,
        dropped=mapped.dropped_columns,
        today=today,
        registry=registry,
        max_findings=max_findings,
        shown_as=shown_as,
    )
    if not result.files:  # an empty folder is never "valid": something was mis-mapped
        for path in paths:
            result.report.add(
                "file-empty", file=str(path), detail=" the mapping made into a record"
            )
    return result
