"""Outcome records to and from the standard's files, for the FHIR commands.

Only participants' questionnaires are exported: a peer worker's own wellbeing (an outcome
row with ``subject = peer_worker``, standard 1.2) is about staff, not the people a
service supports, and never leaves as a QuestionnaireResponse (its ``subject`` would
name a worker as if a patient); :func:`read_outcomes` counts the rows it leaves out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from peerbench.schema.instruments import InstrumentRegistry

SUFFIX_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
"""Output file suffix → :class:`peerbench.io.tabular.FileFormat` value."""


def write_outcomes(records: Sequence[dict[str, Any]], out: Path) -> None:
    """Write outcome records as a canonical outcomes file; the format follows the suffix.

    Raises:
        ValueError: the suffix is not .jsonl, .csv or .parquet.
    """
    import pyarrow as pa

    from peerbench.io.tabular import FileFormat, write_table
    from peerbench.schema.arrow import arrow_schema

    file_format = SUFFIX_FORMATS.get(out.suffix.lower())
    if file_format is None:
        raise ValueError(f"{out.name}: the name must end in .jsonl, .csv or .parquet")
    schema = arrow_schema("outcome")
    rows = [
        {
            **{name: record.get(name) for name in schema.names},
            "date_administered": dt.date.fromisoformat(str(record["date_administered"])),
        }
        for record in records
    ]
    write_table(pa.Table.from_pylist(rows, schema=schema), out, FileFormat(file_format))


def read_outcomes(
    path: Path, registry: InstrumentRegistry, *, today: dt.date | None = None
) -> tuple[Iterator[dict[str, Any]], str | None, int]:
    """Participants' canonical outcome rows of a valid outcomes file (CSV, Excel, JSON
    Lines, Parquet).

    Returns:
        The participants' rows, spelled out a batch at a time (none when the file is not
        valid); when it is not valid, the validation report as text; and how many peer
        workers' own questionnaires were left out.
    """
    from peerbench.aggregate.subjects import participant_outcomes
    from peerbench.validators import validate
    from peerbench.validators.render_text import render_text

    result = validate([path], record_type="outcome", collect=True, registry=registry, today=today)
    if not result.report.valid:
        return iter(()), render_text(result.report), 0
    table = result.tables.get("outcome")
    if table is None:
        return iter(()), None, 0
    participants = participant_outcomes(table)
    batches = participants.to_batches(max_chunksize=4096)
    rows = (row for batch in batches for row in batch.to_pylist())
    return rows, None, table.num_rows - participants.num_rows
