"""What a running server holds: settings, the metadata database and the pooled store."""

from __future__ import annotations

from dataclasses import dataclass

from peerbench.server.db.migrate import ensure_migrated
from peerbench.server.db.session import Database
from peerbench.server.settings import Settings
from peerbench.server.store import PooledStore


@dataclass
class ServerContext:
    """The long-lived objects shared by the API and the background worker."""

    settings: Settings
    db: Database
    store: PooledStore

    def close(self) -> None:
        """Release database connections (at shutdown)."""
        self.db.dispose()


def open_server(settings: Settings, *, require_migrated: bool = True) -> ServerContext:
    """Open the database and store, ready to serve.

    Creates the data directory, refuses a database whose schema is not current (unless
    ``require_migrated`` is false), and removes crash leftovers from the pooled store.

    Raises:
        DatabaseNotMigrated: the database needs ``peerbench db upgrade``.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    try:
        if require_migrated:
            ensure_migrated(db.engine)
        store = PooledStore(settings.resolved_store_url())
        if require_migrated:
            # Without the tables there is nothing to tell referenced files from leftovers.
            with db.session() as session:
                store.cleanup(session)
    except BaseException:
        db.dispose()
        raise
    return ServerContext(settings=settings, db=db, store=store)
