"""Opening a server: data directory, migration check, leftover cleanup."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from peerbench.server.context import open_server
from peerbench.server.db.migrate import DatabaseNotMigrated, upgrade
from peerbench.server.settings import Settings


def test_refuses_an_unmigrated_database(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    with pytest.raises(DatabaseNotMigrated, match="peerbench db upgrade"):
        open_server(settings)
    assert settings.data_dir.is_dir()
    context = open_server(settings, require_migrated=False)
    context.close()


def test_opens_and_cleans_up(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    upgrade(database_url)
    leftover = tmp_path / "data" / "pool" / "service" / ".x.parquet.abc.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"")
    hour_ago = time.time() - 7200
    os.utime(leftover, (hour_ago, hour_ago))
    context = open_server(settings)
    try:
        assert context.settings is settings
        assert Path(context.store.root) == (tmp_path / "data" / "pool").resolve()
        assert not leftover.exists()
        with context.db.session() as session:
            assert context.store.current_paths(session, "service") == []
    finally:
        context.close()


def test_default_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    upgrade(settings.resolved_database_url())
    context = open_server(settings)
    context.close()
    assert (tmp_path / "data" / "peerbench.sqlite3").is_file()
