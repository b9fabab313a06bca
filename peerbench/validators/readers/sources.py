"""Building :class:`Source` objects and their file-level findings, shared by every reader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from peerbench.schema.labels import field_form
from peerbench.validators.catalogue import entry
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.record_names import is_standard_column
from peerbench.validators.report import DEFAULT_MAX_FINDINGS, Finding
from peerbench.validators.source import Source

if TYPE_CHECKING:  # a mapping file's model (pydantic) loads only with a mapping
    from peerbench.validators.mapping import Mapping

MAX_READER_FINDINGS = DEFAULT_MAX_FINDINGS
"""Cap on findings one source collects while reading (one formula per cell adds up)."""


def no_records(file: str, record_type: str | None, why: str) -> Finding:
    """``record-type-empty``: a file or sheet that names its record type but holds no rows.

    A template's sheet left with only its header is how a record type that is not
    collected is sent: a note, never an error (a file with no header at all is still
    ``file-empty``).
    """
    return finding("record-type-empty", file=file, detail=f"{record_type} records ({why})")


@dataclass(frozen=True)
class OpenOptions:
    """What the caller asked for, passed unchanged to each format's reader.

    Attributes:
        record_type: Record type that overrides names (canonical form), or None.
        mapping: Header and label mapping, or None.
        batch_rows: Rows per batch.
        standard_version: Version declared by the folder's ``peerbench.json``, if any.
        limits: The resource limits every file is read within.
    """

    record_type: str | None
    mapping: Mapping | None
    batch_rows: int
    standard_version: str | None = None
    limits: Limits = DEFAULT_LIMITS


def finding(
    code: str,
    *,
    file: str,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    detail: str = "",
) -> Finding:
    """A finding with its message filled in from the catalogue (as ``Report.add`` does)."""
    catalogue_entry = entry(code)
    text = None if value is None else str(value)
    return Finding(
        code=code,
        severity=catalogue_entry.severity,
        message=catalogue_entry.message.format(
            column=column or "", value=text or "", detail=detail
        ),
        file=file,
        row=row,
        column=column,
        value=text,
    )


def add_finding(source: Source, new: Finding) -> None:
    """Append a finding found while reading, up to :data:`MAX_READER_FINDINGS`."""
    if len(source.findings) < MAX_READER_FINDINGS:
        source.findings.append(new)


def map_headers(headers: list[str], record_type: str | None, mapping: Mapping | None) -> list[str]:
    """Headers as the engine sees them: renamed by the mapping if it applies, else trimmed
    and, when written as words (``Service ID``, ``Participant key``), given the name of
    the standard field they spell (:func:`~peerbench.schema.labels.field_form`)."""
    if mapping is None or not mapping.applies_to(record_type):
        return [standard_header(header, record_type) for header in headers]
    return [mapping.rename(header) for header in headers]


@lru_cache(maxsize=4096)  # JSON Lines readers ask once per key of every record
def standard_header(header: str, record_type: str | None) -> str:
    """``header`` trimmed, or the standard field it spells in another case or spacing."""
    name = header.strip()
    if is_standard_column(name, record_type):
        return name
    form = field_form(name)
    return form if form and is_standard_column(form, record_type) else name


def resolve_record_type(detected: str | None, options: OpenOptions) -> str | None:
    """The caller's override, else the type named by the file, else the mapping's type."""
    if options.record_type is not None:
        return options.record_type
    if detected is not None:
        return detected
    return None if options.mapping is None else options.mapping.record_type


def new_source(
    file: str,
    record_type: str | None,
    file_format: str,
    original_columns: list[str],
    options: OpenOptions,
    *,
    encoding: str | None = None,
    standard_version: str | None = None,
) -> Source:
    """A source with mapped columns and no batches yet (the reader attaches them)."""
    return Source(
        file=file,
        record_type=record_type,
        file_format=file_format,
        columns=map_headers(original_columns, record_type, options.mapping),
        original_columns=list(original_columns),
        batches=iter(()),
        encoding=encoding,
        standard_version=standard_version,
    )


def failed_source(
    file: str, record_type: str | None, file_format: str, *findings: Finding
) -> Source:
    """A source that yields no rows, carrying the findings that say why."""
    return Source(
        file=file,
        record_type=record_type,
        file_format=file_format,
        columns=[],
        original_columns=[],
        batches=iter(()),
        findings=list(findings),
    )
