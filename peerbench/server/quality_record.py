"""Quality figures recorded per organisation, so pool reports sum them instead of re-profiling.

When a submission is accepted, the server's recording process (unless the setting
``quality_at_ingest`` is off: ``PEERBENCH_QUALITY_AT_INGEST=0``) profiles the submitting
organisation's current data with Great Expectations
(:func:`~peerbench.reports.builders.quality_figures.figures_of`) and records the
figures in the store, at ``_cache/quality/<organisation>.json`` (a file the store's
cleanup leaves alone), with the ids of the current versions they were made from. A
read (:func:`recorded_quality`) uses a record only while those ids are still the
organisation's current versions: a superseded or withdrawn version changes them, so a
stale record is never summed, and a read racing an acceptance either sees the old
versions (and the old record) or recomputes. A pool without records (made before this,
or loaded in bulk) gets them on read for up to :data:`ON_READ` organisations; beyond
that the read returns ``None`` and the caller re-profiles the pool as before; the
server's warm-up backfills such a pool (:func:`missing_records`) through the recording
process (:mod:`peerbench.server.quality_process`), which also records each acceptance.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from peerbench.io.atomic import atomic_path
from peerbench.reports.builders.periods import year_label
from peerbench.reports.builders.quality_data import MemberCoverage, PeriodQuality
from peerbench.schema.record_table import RECORDS
from peerbench.server.db.session import Database
from peerbench.server.snapshot import current_versions
from peerbench.server.store import CACHE_FOLDER, PooledStore
from peerbench.validators.quality import QualityProfile, assemble_profile
from peerbench.validators.report import Report

log = logging.getLogger("peerbench.server")
_GX = threading.Lock()
"""One profile at a time: GX contexts are not known to be thread-safe, and reads
profiling their few missing organisations may overlap."""

FORMAT = 1
"""Bumped when the figures' layout or meaning changes: older records are recomputed."""
ON_READ = 2
"""Organisations without a current record that a read profiles itself (each costs GX
about a second per service and per year); with more the read re-profiles the pool."""


@dataclasses.dataclass(frozen=True)
class RecordedQuality:
    """The quality report's numbers for a set of organisations, summed from records."""

    profile: QualityProfile
    years: list[tuple[int, int, QualityProfile]]
    members: list[MemberCoverage]
    validation: Report
    services: dict[str, QualityProfile]

    def periods(self, as_of: dt.date) -> list[PeriodQuality]:
        """:func:`~peerbench.reports.builders.quality_data.quality_by_year`'s entries."""
        return [PeriodQuality(year_label(y, as_of), people, p) for y, people, p in self.years]


def _path(organisation_id: str) -> str:
    return f"{CACHE_FOLDER}/quality/{organisation_id}.json"


def fingerprints(
    session: Session, organisation_ids: Collection[str] | None
) -> dict[str, list[list[int]]]:
    """Organisation → its current version ids per record type (what its figures are of)."""
    out: dict[str, list[list[int]]] = {}
    for index, record_type in enumerate(RECORDS):
        for org, current in current_versions(session, record_type, organisation_ids).items():
            out.setdefault(org, [[] for _ in RECORDS])[index] = sorted(current.ids)
    return out


def _read(store: PooledStore, organisation_id: str) -> dict[str, Any] | None:
    try:
        with store.filesystem.open_input_stream(store._full_path(_path(organisation_id))) as f:
            data = orjson.loads(f.read())
    except (FileNotFoundError, OSError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _write(store: PooledStore, organisation_id: str, record: dict[str, Any]) -> None:
    relative = _path(organisation_id)
    body = orjson.dumps(record)
    if store.is_local:
        target = Path(store._full_path(relative))
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:  # a reader never sees half a record
            tmp.write_bytes(body)
    else:  # an object store's put is atomic
        store.filesystem.create_dir(store._full_path(relative).rsplit("/", 1)[0])
        with store.filesystem.open_output_stream(store._full_path(relative)) as f:
            f.write(body)


def compute(
    store: PooledStore, session: Session, organisation_id: str, versions: list[list[int]]
) -> dict[str, Any]:
    """Profile one organisation's current data and record its figures; returns the record."""
    from peerbench.reports.builders.inputs import validate_tables
    from peerbench.reports.builders.quality_figures import figures_of
    from peerbench.server.pool_view import submitted_table
    from peerbench.validators.gx_runner import SuiteRunner

    tables = {
        rt: table
        for rt in RECORDS
        if (table := submitted_table(store, session, rt, [organisation_id])).num_rows
    }
    with _GX:
        figures = figures_of(tables, validate_tables(tables, None), SuiteRunner())
    record = {"format": FORMAT, "versions": versions, "figures": figures}
    _write(store, organisation_id, record)
    return record


def _current(record: dict[str, Any] | None, versions: list[list[int]]) -> bool:
    return (
        record is not None and record.get("format") == FORMAT and record.get("versions") == versions
    )


def record_quality(store: PooledStore, db: Database, organisation_id: str) -> bool:
    """Record ``organisation_id``'s figures unless its current record is up to date.

    The recording process's job (:mod:`peerbench.server.quality_process`), one
    organisation at a time: after an accepted submission, and for the warm-up's backfill
    (:func:`missing_records`). Returns True when it profiled.
    """
    with db.session() as session:
        versions = fingerprints(session, [organisation_id]).get(organisation_id)
        if versions is None or _current(_read(store, organisation_id), versions):
            return False
        compute(store, session, organisation_id, versions)
    return True


def missing_records(store: PooledStore, session: Session) -> list[str]:
    """Organisations whose record is missing or stale (a pool made before records
    existed, or loaded in bulk): what a backfill has to profile."""
    return [
        org
        for org, versions in sorted(fingerprints(session, None).items())
        if not _current(_read(store, org), versions)
    ]


def record_missing(store: PooledStore, db: Database) -> list[str]:
    """Record every organisation whose record is missing or stale (a pool's backfill,
    in this process; a server's warm-up hands them to its recording process instead).
    Returns the organisations profiled."""
    with db.session() as session:
        organisations = missing_records(store, session)
    return [org for org in organisations if record_quality(store, db, org)]


def recorded_quality(
    store: PooledStore, session: Session, organisation_ids: Collection[str] | None
) -> RecordedQuality | None:
    """The summed figures of ``organisation_ids`` (None: all), or None to re-profile.

    Records that are missing or stale are made here for up to :data:`ON_READ`
    organisations; with more missing, None (the caller re-profiles the pool).
    """
    current = fingerprints(session, organisation_ids)
    records: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for org, versions in current.items():
        found = _read(store, org)
        if found is not None and _current(found, versions):
            records[org] = found
        else:
            missing.append(org)
    if len(missing) > ON_READ:
        log.info("quality figures: %d organisations without a record", len(missing))
        return None
    for org in missing:
        records[org] = compute(store, session, org, current[org])
    return summed_quality([records[org]["figures"] for org in sorted(records)])


def summed_quality(figures: list[dict[str, Any]]) -> RecordedQuality:
    """Sum organisations' figures (:func:`figures_of`) into the report's numbers."""
    from peerbench.reports.builders.quality_figures import (
        summed,
        summed_members,
        summed_validation,
    )

    validation = summed_validation(figures)
    profile = assemble_profile(
        summed(p for f in figures for p in f["parts"].values()), report=validation
    )
    starting = sorted({int(y) for f in figures for y, e in f["years"].items() if e["starts"]})
    years = []
    for year in starting:
        entries = [f["years"][str(year)] for f in figures if str(year) in f["years"]]
        people = sum(e["people"] for e in entries)
        years.append((year, people, assemble_profile(summed(e["part"] for e in entries))))
    services = {
        key: assemble_profile(summed([part]))
        for f in figures
        for key, part in f["parts"].items()
        if key and not key.startswith("#")
    }
    return RecordedQuality(profile, years, summed_members(figures), validation, services)
