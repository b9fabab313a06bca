"""Build a researcher extract: harmonise, keep consented rows, re-key, write, document."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from peerbench.extracts.consent import CONSENT_RULE, consented
from peerbench.extracts.datapackage import descriptor
from peerbench.extracts.documents import REKEY_RULE, data_dictionary, readme
from peerbench.extracts.harmonise import harmonise
from peerbench.extracts.manifest import ExtractManifest
from peerbench.extracts.rekey import extract_secret, rekey
from peerbench.extracts.scoring_rules import instruments_held, scoring_tables, scoring_text
from peerbench.extracts.staging import check_target, staged_folder
from peerbench.extracts.statistical import parse_formats, write_statistical
from peerbench.io.formulas import write_csv
from peerbench.io.parquet_layout import write_parquet
from peerbench.io.tabular import ITEM_PREFIX, to_flat
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.fields import ID_PATTERN
from peerbench.schema.instruments import InstrumentRegistry, default_registry
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION

DATAPACKAGE_NAME = "datapackage.json"
DICTIONARY_NAME = "data_dictionary.md"
README_NAME = "README.md"
EXTRACT_ID_KEY = b"peerbench.extract_id"
_ID = re.compile(ID_PATTERN)


def new_extract_id(now: dt.datetime | None = None) -> str:
    """A fresh extract id: ``ext-YYYYMMDD-`` and 12 random hex digits."""
    day = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d")
    return f"ext-{day}-{secrets.token_hex(6)}"


def prepare(tables: Mapping[str, pa.Table], *, extract_id: str, salt: bytes) -> dict[str, pa.Table]:
    """The extract's tables in memory: harmonised, consented rows only, re-keyed.

    Args:
        tables: Record type (or file stem) → pooled or canonical rows.
        extract_id: The extract's id.
        salt: The server secret the extract secret is derived from.
    """
    secret = extract_secret(salt, extract_id)
    kept = consented(harmonise(tables))
    return {rt: rekey(table, rt, secret) for rt, table in kept.items()}


def _write_tables(folder: Path, record_type: str, table: pa.Table, extract_id: str) -> pa.Table:
    stem = RECORD_TYPES[record_type].file_stem
    metadata = {**(arrow_schema(record_type).metadata or {}), EXTRACT_ID_KEY: extract_id.encode()}
    table = table.replace_schema_metadata(metadata)
    write_parquet(table, folder / f"{stem}.parquet")
    flat = to_flat(table)
    write_csv(flat, folder / f"{stem}.csv")  # formula-like text quoted; Parquet raw
    return flat


def build_extract(
    tables: Mapping[str, pa.Table],
    *,
    project: str,
    extract_id: str,
    salt: bytes,
    out_dir: Path,
    created: dt.datetime | None = None,
    registry: InstrumentRegistry | None = None,
    also: Sequence[str] = (),
) -> ExtractManifest:
    """Write a harmonised, consented, re-keyed and documented extract folder.

    The folder holds each record type as CSV and Parquet, ``datapackage.json``,
    ``data_dictionary.md`` and ``README.md``, and the scoring rules of every
    instrument the outcomes hold (``scoring_*.csv``, and as text in the dictionary).
    Every file is readable by its owner only. It is built under a temporary name and
    renamed into place, so a failure leaves no partial folder.

    Args:
        tables: Record type (or file stem) → rows, from the pooled store (with lineage)
            or a folder of standard files. Missing record types give empty files.
        project: The approved research project the extract is for.
        extract_id: The extract's id (letters, digits, ``._-``); new for every extract.
        salt: The server secret (at least 16 bytes); with ``extract_id`` it makes the
            extract's own participant keys (:mod:`peerbench.extracts.rekey`).
        out_dir: The folder to create; it must not exist or be empty.
        created: Timestamp to record (default: now, UTC).
        registry: The instrument registry whose scoring rules the extract carries, for
            every instrument its outcomes hold (default: the built-in one).
        also: Statistical formats to write as well (``dta``, ``sav``):
            :mod:`peerbench.extracts.statistical`.

    Raises:
        ValueError: a bad extract id, project, salt or format.
        FileExistsError: ``out_dir`` exists and is not empty.
    """
    if not _ID.match(extract_id):
        raise ValueError(f"{extract_id!r} is not a valid extract id")
    if not project.strip():
        raise ValueError("an extract needs the project it is for")
    formats = parse_formats(also)
    check_target(out_dir)
    when = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    stamp = when.isoformat().replace("+00:00", "Z")
    prepared = prepare(tables, extract_id=extract_id, salt=salt)
    row_counts = {rt: table.num_rows for rt, table in prepared.items()}
    with staged_folder(out_dir) as folder:
        files: dict[str, tuple[list[str], list[str], int]] = {}
        item_count = 0
        for record_type, table in prepared.items():
            flat = _write_tables(folder, record_type, table, extract_id)
            files[record_type] = (flat.column_names, table.column_names, table.num_rows)
            item_count = max(
                item_count, sum(1 for c in flat.column_names if c.startswith(ITEM_PREFIX))
            )
        scoring = scoring_tables(
            instruments_held(prepared.get("outcome"), registry or default_registry()),
            registry or default_registry(),
        )
        for name, scoring_table in scoring.items():
            write_csv(scoring_table, folder / f"{name}.csv")
        package = descriptor(
            extract_id=extract_id,
            project=project,
            created=stamp,
            description=f"{CONSENT_RULE} {REKEY_RULE}",
            files=files,
            scoring={name: t.num_rows for name, t in scoring.items()},
        )
        (folder / DATAPACKAGE_NAME).write_text(
            json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (folder / DICTIONARY_NAME).write_text(
            data_dictionary(item_count) + "\n" + scoring_text(scoring), encoding="utf-8"
        )
        (folder / README_NAME).write_text(
            readme(
                extract_id=extract_id,
                project=project,
                created=stamp,
                row_counts=row_counts,
                formats=formats,
            ),
            encoding="utf-8",
        )
        write_statistical(folder, formats, extract_id=extract_id)
        names = sorted(p.name for p in folder.iterdir())
    return ExtractManifest(
        extract_id=extract_id,
        project=project,
        created=when,
        standard_version=STANDARD_VERSION,
        row_counts=row_counts,
        files=names,
        path=out_dir,
    )
