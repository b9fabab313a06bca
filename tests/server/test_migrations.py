"""Migrations create the schema the models describe, and the server checks for them."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from peerbench.server.db.migrate import (
    DatabaseNotMigrated,
    alembic_config,
    current_revision,
    ensure_migrated,
    head_revision,
    schema_differences,
    upgrade,
)
from peerbench.server.db.models import Base
from peerbench.server.db.session import Database


def test_upgrade_creates_every_table(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
        assert tables == {*Base.metadata.tables, "alembic_version"}
        assert current_revision(db.engine) == head_revision() == "0005"
    finally:
        db.dispose()


def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    db = Database(database_url)
    try:
        ensure_migrated(db.engine)
    finally:
        db.dispose()


def test_ensure_migrated_refuses_an_empty_database(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert current_revision(db.engine) is None
        with pytest.raises(DatabaseNotMigrated, match="peerbench db upgrade"):
            ensure_migrated(db.engine)
        upgrade(database_url)
        ensure_migrated(db.engine)
    finally:
        db.dispose()


def test_ensure_migrated_refuses_a_newer_database(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseNotMigrated, match="newer peerbench"):
        ensure_migrated(db.engine)


def test_models_and_migrations_agree(db: Database) -> None:
    """Fails when a model changes without a migration: see peerbench.server.db.migrate."""
    assert schema_differences(db.engine) == []


def test_one_current_version_index_is_partial_and_unique(db: Database) -> None:
    indexes = {ix["name"]: ix for ix in inspect(db.engine).get_indexes("pool_versions")}
    assert indexes["uq_pool_one_current"]["unique"]


def test_downgrade_to_base_and_back(db: Database) -> None:
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(str(db.url.render_as_string(hide_password=False)))
    ensure_migrated(db.engine)


def test_differences_are_detected(database_url: str) -> None:
    """The agreement check above is not vacuous: an unmigrated database differs."""
    db = Database(database_url)
    try:
        added = {diff[1].name for diff in schema_differences(db.engine) if diff[0] == "add_table"}
        assert added == set(Base.metadata.tables)
    finally:
        db.dispose()
