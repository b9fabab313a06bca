"""Load everything the reports are built from, once: benchmark, checked tables, extras.

:func:`load_report_data` takes a pooled store (a server data directory or its ``pool``)
or any folder of standard Parquet files, as ``peerbench benchmark`` does, and returns a
:class:`ReportData`: the raw benchmark result (never shown as it is: builders pass it
through :func:`peerbench.benchmarking.disclose.controlled`), the validated canonical
tables (for data quality, feedback and names), and participant-level aggregates for
the figures that are not benchmark sections (score bands, who is reached).

The validator's report is only needed by the data-quality report, so it is made on
first use (:attr:`ReportData.validation`): the other reports of a pooled store never
re-validate the pool. A pooled store's tables are read straight from the pool (the
latest copy of each record, without the store's columns), each when first looked up:
they are the canonical tables the validator accepted at ingest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult
from peerbench.benchmarking.result_cache import DATABASE_FILE
from peerbench.disclosure import DisclosurePolicy
from peerbench.io.content_cache import ContentCache
from peerbench.reports.builders import cache as report_cache
from peerbench.reports.builders.pool_tables import PoolTables
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import manifest_as_of
from peerbench.validators.report import Report as ValidationReport

# The statistics (SciPy, statsmodels, Ibis) and the validation engine are imported where
# they run: a report whose inputs are in the result cache needs few of them.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from peerbench.benchmarking.sources import LoadedSource
    from peerbench.server.quality_record import RecordedQuality
    from peerbench.server.store import PooledStore


@dataclasses.dataclass(frozen=True)
class ReportData:
    """What every report builder reads.

    Attributes:
        raw: The raw benchmark result (control it before showing any figure).
        tables: Canonical tables by record type, as accepted by the validator.
        check: Makes the validator's report on the same files (see :attr:`validation`).
        paired: Participant-level pairs (baseline and follow-up scores), all periods.
        demographics: People per service × dimension × category, all periods.
        as_of: The extract date (the manifest's ``as_of``, else the latest date): what
            the reports call "data up to".
        produced_on: The day the reports are produced ("produced on"): today unless
            given, so a test or a reference report can fix it.
        policy: Disclosure policy for every figure that leaves the pool.
        description: Where the data came from.
        network_name: What to call the whole pool ("the network").
        inputs_key: The result-cache key of ``raw`` and the aggregates (a folder's
            files and the options), so controlled views of ``raw`` can be cached too
            (:mod:`peerbench.reports.builders.cache`); None when not cached.
        views: ``raw`` controlled for a viewing organisation (None: anyone outside), when
            the caller keeps such views (the server's benchmarks); when None,
            :func:`~peerbench.reports.builders.cache.controlled_view` controls ``raw``.
    """

    raw: BenchmarkResult
    tables: Mapping[str, pa.Table]
    check: Callable[[], ValidationReport]
    paired: pa.Table
    demographics: pa.Table
    as_of: dt.date
    produced_on: dt.date
    policy: DisclosurePolicy
    description: str
    network_name: str = "the network"
    inputs_key: str | None = None
    views: Callable[[str | None], BenchmarkResult] | None = None
    recorded: Callable[[], RecordedQuality | None] | None = None
    """A pooled store's quality figures recorded at ingest, summed
    (:func:`peerbench.server.quality_record.recorded_quality`); None elsewhere."""

    @functools.cached_property
    def recorded_quality(self) -> RecordedQuality | None:
        """The recorded quality figures (None: re-profile the tables), read once."""
        return None if self.recorded is None else self.recorded()

    @functools.cached_property
    def validation(self) -> ValidationReport:
        """The validator's report on the same files, made on first use and kept."""
        return self.check()

    @property
    def organisation_names(self) -> dict[str, str]:
        """Organisation id → name."""
        table = self.tables.get("organisation")
        if table is None:
            return {}
        return dict(
            zip(table["organisation_id"].to_pylist(), table["name"].to_pylist(), strict=True)
        )

    @property
    def feedback(self) -> pa.Table:
        """The feedback table (empty when none was submitted)."""
        return self.tables.get("feedback", pa.table({}))

    def organisation_of(self, service_id: str) -> str:
        """The organisation that runs ``service_id``; raises ``KeyError`` if unknown."""
        for service in self.raw.services:
            if service.service_id == service_id:
                return service.organisation_id
        raise KeyError(service_id)


def standard_files(path: Path) -> list[Path]:
    """The standard Parquet files of a folder (for a pooled store see
    :func:`~peerbench.server.pool_view.submitted_files`)."""
    root = Path(path)
    return [
        root / f"{spec.file_stem}.parquet"
        for spec in RECORD_TYPES.values()
        if (root / f"{spec.file_stem}.parquet").is_file()
    ]


def _server_dir(root: Path) -> Path | None:
    """The server data directory ``root`` is (or is the ``pool`` of), if any."""
    if (root / DATABASE_FILE).is_file():
        return root
    if root.name == "pool" and (root.parent / DATABASE_FILE).is_file():
        return root.parent
    return None


@contextmanager
def _open_pool(data_dir: Path) -> Iterator[tuple[PooledStore, Session]]:
    # Imported here: the server stack (SQLAlchemy, settings) is not needed for folders.
    from peerbench.server.db.session import Database
    from peerbench.server.settings import Settings
    from peerbench.server.store import PooledStore

    settings = Settings(data_dir=data_dir)
    database = Database(settings.resolved_database_url())
    try:
        with database.session() as session:
            yield PooledStore(settings.resolved_store_url()), session
    finally:
        database.dispose()


def _latest_date(tables: Mapping[str, pa.Table]) -> dt.date:
    outcome = tables.get("outcome")
    if outcome is not None and outcome.num_rows:
        latest = pc.max(outcome["date_administered"]).as_py()
        if isinstance(latest, dt.date):
            return latest
    return dt.date(1970, 1, 1)


def load_report_data(
    path: str | Path,
    options: BenchmarkOptions | None = None,
    *,
    network_name: str = "the network",
    organisation_ids: Collection[str] | None = None,
    produced_on: dt.date | None = None,
) -> ReportData:
    """Benchmark, validate and aggregate the data at ``path`` for the report builders.

    Args:
        path: A server data directory (or its ``pool``) or a folder of standard files.
        options: Benchmark options (default :class:`BenchmarkOptions`); their
            ``disclosure_policy`` is used for every report figure.
        network_name: What the reports call the whole pool.
        organisation_ids: Only these organisations' data (e.g. a network's members,
            :func:`network_members`); ``None`` for all. Needs a server data directory.
        produced_on: The production date printed on the reports (default: today).

    Returns:
        The loaded data.

    Raises:
        FileNotFoundError: if ``path`` is not a folder or holds no outcomes.
        ValueError: ``organisation_ids`` with a plain folder of files.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    server = _server_dir(root)
    if server is not None:
        with _open_pool(server) as (store, session):
            data = pool_report_data(
                store,
                session,
                options,
                organisation_ids=organisation_ids,
                network_name=network_name,
                as_of=manifest_as_of(root),
                produced_on=produced_on,
            )
            dict(data.tables)  # every table read now: the store is closed below
            return data
    if organisation_ids is not None:
        raise ValueError(f"{root} is a folder of files, not a server data directory")
    from peerbench.benchmarking.sources import open_source
    from peerbench.validators.engine import validate

    loaded = open_source(root)
    checked = validate(standard_files(root), collect=True, today=manifest_as_of(root))
    cache = ContentCache.from_env()
    return _assemble(
        loaded,
        checked.tables,
        lambda: checked.report,
        options,
        manifest_as_of(root),
        network_name,
        produced_on,
        inputs_key=report_cache.inputs_key(cache, root, options or BenchmarkOptions()),
        cache=cache,
    )


def pool_report_data(
    store: PooledStore,
    session: Session,
    options: BenchmarkOptions | None = None,
    *,
    organisation_ids: Collection[str] | None = None,
    network_name: str = "the network",
    as_of: dt.date | None = None,
    produced_on: dt.date | None = None,
    raw: BenchmarkResult | None = None,
    aggregates: Mapping[str, pa.Table] | None = None,
    views: Callable[[str | None], BenchmarkResult] | None = None,
) -> ReportData:
    """:func:`load_report_data` over the current files of an open pooled store.

    Args:
        store: The pooled store.
        session: An open session of the server database.
        options: Benchmark options (as for :func:`load_report_data`).
        organisation_ids: Only these organisations; ``None`` for all, empty for none.
        network_name: What the reports call the whole pool.
        as_of: The extract date (default: the latest date in the data).
        produced_on: The production date printed on the reports (default: today).
        raw: The raw benchmark of the same pool and options, if already computed (the
            server shares it with its benchmarks); computed here when ``None``.
        aggregates: ``paired`` and ``demographics`` of the same pool, if already made.
        views: ``raw`` controlled per viewer, if the caller keeps them (:attr:`ReportData.views`).
    """
    from peerbench.benchmarking.sources import store_source

    scope = None if organisation_ids is None else sorted(organisation_ids)
    whose = "all organisations" if scope is None else (", ".join(scope) or "no organisations")
    loaded = store_source(store, session, scope, description=f"pooled store {store.url} ({whose})")
    # Imported here: the server stack is not needed for folders.
    from peerbench.server.pool_view import submitted_table

    # As submitted: one row per record, without the store's own columns (what the
    # validator accepted at ingest), each read when a report first looks it up. Only the
    # quality report re-validates them.
    tables = PoolTables(lambda record_type: submitted_table(store, session, record_type, scope))
    from peerbench.server.quality_record import recorded_quality

    data = _assemble(
        loaded,
        tables,
        functools.partial(validate_tables, tables, as_of),
        options,
        as_of,
        network_name,
        produced_on,
        raw=raw,
        aggregates=aggregates,
        views=views,
    )
    # The quality figures recorded at ingest, summed on first use (not re-profiled).
    return dataclasses.replace(
        data, recorded=functools.partial(recorded_quality, store, session, scope)
    )


def validate_tables(tables: Mapping[str, pa.Table], today: dt.date | None) -> ValidationReport:
    """The validator's report on ``tables`` written as the standard's files.

    Args:
        tables: Canonical tables by record type (as a pooled store holds them).
        today: The date the validator checks future dates against (default: today).
    """
    from peerbench.io.parquet_layout import write_parquet
    from peerbench.validators.engine import validate

    with tempfile.TemporaryDirectory(prefix="peerbench-pool-") as folder:
        files = []
        for record_type, table in tables.items():
            path = Path(folder, f"{RECORD_TYPES[record_type].file_stem}.parquet")
            write_parquet(table, path)
            files.append(path)
        return validate(files, collect=True, today=today).report


def network_members(path: str | Path, network_id: str) -> list[str] | None:
    """The member organisations of ``network_id`` in a server data directory.

    Returns:
        Their ids (agreements started today), or ``None`` when ``path`` is a plain folder
        of files, which knows no networks.

    Raises:
        peerbench.server.tenancy.NotFoundError: the server has no such network (a
            ``ValueError``).
    """
    server = _server_dir(Path(path))
    if server is None:
        return None
    from peerbench.server.tenancy import get_network, network_member_ids

    with _open_pool(server) as (_store, session):
        get_network(session, network_id)
        return network_member_ids(session, network_id)


def _assemble(
    loaded: LoadedSource,
    tables: Mapping[str, pa.Table],
    check: Callable[[], ValidationReport],
    options: BenchmarkOptions | None,
    as_of: dt.date | None,
    network_name: str,
    produced_on: dt.date | None = None,
    *,
    raw: BenchmarkResult | None = None,
    aggregates: Mapping[str, pa.Table] | None = None,
    views: Callable[[str | None], BenchmarkResult] | None = None,
    inputs_key: str | None = None,
    cache: ContentCache | None = None,
) -> ReportData:
    options = options or BenchmarkOptions()
    if options.as_of is None and as_of is not None:
        # Workers in post and people still waiting are counted on the extract date.
        options = dataclasses.replace(options, as_of=as_of)
    cache = cache or ContentCache(None)
    as_of = as_of or _latest_date(tables)

    # The benchmark's own aggregate tables, when it is computed here: with no period
    # asked for they are the participant-level tables below (same view, same scores).
    computed: dict[str, pa.Table] = {}

    def benchmark() -> BenchmarkResult:
        from peerbench.benchmarking.compute import compute_with_tables

        result, tables = compute_with_tables(
            loaded.source,
            options,
            service_use=loaded.service_use,
            generated_from=loaded.description,
        )
        if options.period is None:
            computed.update(tables)
        return result

    def participant_level() -> dict[str, pa.Table]:
        if computed:
            return {"paired": computed["paired"], "demographics": computed["demographics"]}
        from peerbench.aggregate import compute_tables
        from peerbench.benchmarking.compute import period_view

        view, scored = period_view(loaded.source, None)
        tables = compute_tables(view, backend=options.backend, scored=scored, include_paired=True)
        return {"paired": tables["paired"], "demographics": tables["demographics"]}

    if raw is None:
        raw = report_cache.raw_benchmark(cache, inputs_key, benchmark)
    else:  # shared by the server's benchmarks (same pool state, scope and options)
        raw = raw.replace(generated_from=loaded.description)
    if aggregates is None:
        aggregates = report_cache.tables(cache, inputs_key, participant_level)
    computed.clear()  # the benchmark's other tables are not read again
    return ReportData(
        raw=raw,
        tables=tables,
        check=check,
        paired=aggregates["paired"],
        demographics=aggregates["demographics"],
        as_of=as_of,
        produced_on=produced_on or dt.date.today(),
        policy=options.disclosure_policy or DisclosurePolicy(),
        description=loaded.description,
        network_name=network_name,
        inputs_key=inputs_key,
        views=None if views is None else _described(views, loaded.description),
    )


def _described(
    views: Callable[[str | None], BenchmarkResult], description: str
) -> Callable[[str | None], BenchmarkResult]:
    """``views`` naming the source as the report's raw result does (``generated_from``)."""

    def view(viewer_organisation_id: str | None) -> BenchmarkResult:
        return views(viewer_organisation_id).replace(generated_from=description)

    return view
