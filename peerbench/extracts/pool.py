"""Extracts from a pool server's data: the API and ``peerbench download --store`` share this."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from peerbench.extracts.build import build_extract, new_extract_id
from peerbench.extracts.manifest import ExtractManifest
from peerbench.extracts.secret import server_secret
from peerbench.extracts.sources import store_tables
from peerbench.server.context import ServerContext
from peerbench.server.db.migrate import ensure_migrated
from peerbench.server.db.session import Database
from peerbench.server.settings import Settings
from peerbench.server.store import PooledStore


def extract_from_pool(
    context: ServerContext,
    session: Session,
    *,
    organisation_ids: Collection[str] | None,
    project: str,
    out_dir: Path,
    extract_id: str | None = None,
    also: Sequence[str] = (),
) -> ExtractManifest:
    """Build an extract of the current pool for these organisations.

    Args:
        context: The server's store and settings.
        session: An open session (only read).
        organisation_ids: The scope (``None``: every organisation; empty: none).
        project: The approved project.
        out_dir: The folder to create.
        extract_id: The id (default: a fresh one).
        also: Statistical formats to write as well (``dta``, ``sav``).
    """
    tables = store_tables(context.store, session, organisation_ids)
    return build_extract(
        tables,
        project=project,
        extract_id=extract_id or new_extract_id(),
        salt=server_secret(context.settings.data_dir),
        out_dir=out_dir,
        also=also,
    )


@contextmanager
def open_pool(data_dir: Path) -> Iterator[ServerContext]:
    """A read-only view of a server's data folder (settings from ``PEERBENCH_*`` too).

    Unlike :func:`peerbench.server.context.open_server` it never cleans up the store:
    reading an extract must not delete another process's files in flight.

    Raises:
        DatabaseNotMigrated: the database needs ``peerbench db upgrade``.
    """
    settings = Settings(data_dir=data_dir)
    db = Database(settings.resolved_database_url())
    try:
        ensure_migrated(db.engine)
        store = PooledStore(settings.resolved_store_url())
        yield ServerContext(settings=settings, db=db, store=store)
    finally:
        db.dispose()
