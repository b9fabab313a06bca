"""Open what a benchmark runs on: a server's pooled store or a plain folder of files.

* A **server data directory** (it holds ``peerbench.sqlite3``), or its ``pool`` folder:
  the current rows of the pooled store (:meth:`PooledStore.current_read`, so
  superseded submissions are never read), through the server's typed settings.
* Any other **folder of standard Parquet files** (e.g. ``peerbench synth`` output):
  :meth:`BenchmarkSource.from_folder`.

The aggregate layer reads services, participants, engagements and outcomes; the
service-use records (for the economic value) are read here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from peerbench.aggregate import BenchmarkSource
from peerbench.schema.records import RECORD_TYPES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from peerbench.server.store import PooledStore

DATABASE_FILE = "peerbench.sqlite3"


@dataclasses.dataclass(frozen=True)
class LoadedSource:
    """A benchmark source and what goes with it.

    Attributes:
        source: The aggregate layer's source.
        service_use: Service-use records (None when there are none).
        description: Human description (becomes ``BenchmarkResult.generated_from``).
    """

    source: BenchmarkSource
    service_use: pa.Table | None
    description: str


def _server_dir(root: Path) -> Path | None:
    """The server data directory ``root`` belongs to, if it is one (or its pool)."""
    if (root / DATABASE_FILE).is_file():
        return root
    if root.name == "pool" and (root.parent / DATABASE_FILE).is_file():
        return root.parent
    return None


def open_store(data_dir: Path) -> LoadedSource:
    """The current files of the pooled store of a server data directory."""
    # Imported here: the server stack (SQLAlchemy, settings) is not needed for folders.
    from peerbench.server.db.session import Database
    from peerbench.server.settings import Settings
    from peerbench.server.store import PooledStore

    settings = Settings(data_dir=data_dir)
    database = Database(settings.resolved_database_url())
    store = PooledStore(settings.resolved_store_url())
    try:
        with database.session() as session:
            return store_source(store, session, description=f"pooled store {store.url}")
    finally:
        database.dispose()


def store_source(
    store: PooledStore,
    session: Session,
    organisation_ids: Collection[str] | None = None,
    *,
    description: str,
) -> LoadedSource:
    """The current versions in an open pooled store, and their service-use records.

    Args:
        store: The pooled store.
        session: An open session of the server database.
        organisation_ids: Only these organisations; ``None`` for all, empty for none.
        description: What the result says it was generated from.
    """
    service_use = store.current_read(session, "service_use", organisation_ids).table()
    return LoadedSource(
        BenchmarkSource.from_store(store, session, organisation_ids),
        service_use if service_use.num_rows else None,
        description,
    )


def open_folder(folder: Path) -> LoadedSource:
    """A plain folder of standard Parquet files."""
    source = BenchmarkSource.from_folder(folder)
    path = folder / f"{RECORD_TYPES['service_use'].file_stem}.parquet"
    service_use = pq.read_table(path) if path.is_file() else None
    return LoadedSource(source, service_use, f"folder {folder}")


def open_source(path: str | Path) -> LoadedSource:
    """A server data directory (or its pool) or a folder of standard files.

    Raises:
        FileNotFoundError: if ``path`` is not a folder or has no outcomes.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    server = _server_dir(root)
    return open_store(server) if server is not None else open_folder(root)
