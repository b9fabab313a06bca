"""``peerbench db``: upgrade and current, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from peerbench.cli.db_cmd import db
from peerbench.server.db.migrate import head_revision
from tests.server import conftest as server_fixtures

database_url = server_fixtures.database_url
postgres_database = server_fixtures.postgres_database


CLEAN_ENV: dict[str, str | None] = {"PEERBENCH_DATABASE_URL": None, "PEERBENCH_DATA_DIR": None}


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke ``peerbench db`` with no settings leaking in from the real environment."""
    return CliRunner().invoke(db, list(args), env={**CLEAN_ENV, **(env or {})})


def test_upgrade_then_current(database_url: str, tmp_path: Path) -> None:
    where = ["--database-url", database_url, "--data-dir", str(tmp_path)]
    before = run("current", "--check", *where)
    assert before.exit_code == 1
    assert before.stdout == f"none (newest is {head_revision()})\n"
    assert "peerbench db upgrade" in before.stderr

    upgraded = run("upgrade", *where)
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout == ""
    assert head_revision() in upgraded.stderr
    assert run("upgrade", *where).exit_code == 0  # idempotent

    after = run("current", "--check", *where)
    assert after.exit_code == 0
    assert after.stdout == f"{head_revision()} (newest)\n"


def test_current_without_check_exits_0(tmp_path: Path) -> None:
    assert run("current", "--data-dir", str(tmp_path)).exit_code == 0


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    result = run("upgrade", env={"PEERBENCH_DATA_DIR": str(tmp_path / "env-data")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env-data" / "peerbench.sqlite3").is_file()


def test_unreachable_database_is_a_plain_failure(tmp_path: Path) -> None:
    result = run("upgrade", "--database-url", "postgresql+psycopg://pb:s3cret@127.0.0.1:1/x")
    assert result.exit_code == 1
    assert "could not use the database" in result.stderr
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output


def test_invalid_settings_are_usage_errors() -> None:
    result = run("upgrade", "--database-url", "postgresql+psycopg://localhost/x")
    assert result.exit_code == 2
    assert "must name a user" in result.stderr


@pytest.mark.parametrize("name", ["upgrade", "current"])
def test_help_has_an_example(name: str) -> None:
    command = db.commands[name]
    assert isinstance(command, click.Command)
    assert "Example:" in (command.help or "")
    assert "Example:" in (db.help or "")
