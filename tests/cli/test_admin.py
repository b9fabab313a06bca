"""``peerbench admin`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from peerbench.cli.admin import admin
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.session import Database
from peerbench.server.keys import authenticate, hash_key
from tests.server import conftest as server_fixtures

database_url = server_fixtures.database_url
postgres_database = server_fixtures.postgres_database


@pytest.fixture
def where(database_url: str, tmp_path: Path) -> list[str]:
    """The settings options pointing at a migrated database."""
    upgrade(database_url)
    return ["--database-url", database_url, "--data-dir", str(tmp_path)]


def run(*args: str) -> Result:
    env: dict[str, str | None] = {"PEERBENCH_DATABASE_URL": None, "PEERBENCH_DATA_DIR": None}
    return CliRunner().invoke(admin, list(args), env=env)


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def test_end_to_end(where: list[str], database_url: str) -> None:
    ok("create-org", "--id", "org1", "--name", "Org One", "--type", "charity", *where)
    ok("create-network", "--id", "net1", "--name", "Network One", *where)
    added = ok(
        "add-member",
        "--network",
        "net1",
        "--org",
        "org1",
        "--agreement",
        "DSA-1",
        "--start",
        "2025-04-01",
        *where,
    )
    assert "member of network net1" in added.stderr

    created = ok("create-key", "--org", "org1", "--role", "submitter", "--label", "lead", *where)
    secret = created.stdout.strip()
    assert secret.startswith("pbk_")
    assert created.stdout == secret + "\n"  # the key alone on stdout, for scripts
    assert "shown once" in created.stderr
    assert secret not in created.stderr

    database = Database(database_url)
    try:
        with database.session() as session:
            key = authenticate(session, secret)
            assert key is not None
            key_id = key.id
    finally:
        database.dispose()

    for output_format in ("text", "json"):
        listing = ok("list-keys", "--format", output_format, *where)
        assert key_id in listing.stdout
        assert secret not in listing.output
        assert hash_key(secret) not in listing.output
    [listed] = json.loads(ok("list-keys", "--format", "json", *where).stdout)
    assert listed["scope"] == "organisation=org1"
    assert listed["revoked_at"] is None
    assert set(listed) >= {"id", "prefix", "role", "created_at", "revoked_at"}

    ok("revoke-key", key_id, *where)
    [listed] = json.loads(ok("list-keys", "--format", "json", *where).stdout)
    assert listed["revoked_at"] is not None
    database = Database(database_url)
    try:
        with database.session() as session:
            assert authenticate(session, secret) is None
    finally:
        database.dispose()

    events = json.loads(ok("audit", "--format", "json", *where).stdout)
    assert [e["action"] for e in events] == [
        "key.revoked",
        "key.created",
        "member.added",
        "network.created",
        "organisation.created",
    ]
    assert secret not in json.dumps(events)
    text = ok("audit", "--action", "key.created", "--limit", "5", *where).stdout
    assert text.splitlines()[0].startswith("AT")
    assert len(text.splitlines()) == 2
    assert key_id in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["create-org", "--id", "org1", "--name", "Again"], 1, "already exists"),
        (
            [
                "add-member",
                "--network",
                "nope",
                "--org",
                "org1",
                "--agreement",
                "A",
                "--start",
                "2025-01-01",
            ],
            1,
            "no network",
        ),
        (["create-key", "--org", "nope", "--role", "submitter"], 1, "no organisation"),
        (["revoke-key", "key_missing"], 1, "no API key"),
        (["create-key", "--role", "submitter"], 2, "needs an organisation"),
        (["create-key", "--org", "org1", "--role", "owner"], 2, "'owner' is not one of"),
        (["create-org", "--id", "org2", "--name", "X", "--region", "Mars"], 2, "region"),
        (
            [
                "add-member",
                "--network",
                "n",
                "--org",
                "o",
                "--agreement",
                "A",
                "--start",
                "1/4/2025",
            ],
            2,
            "YYYY-MM-DD",
        ),
    ],
)
def test_refusals(where: list[str], args: list[str], code: int, message: str) -> None:
    ok("create-org", "--id", "org1", "--name", "Org One", *where)
    result = run(*args, *where)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    result = run("list-keys", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "peerbench db upgrade" in result.stderr


def test_admin_key_needs_no_scope(where: list[str]) -> None:
    assert ok("create-key", "--role", "admin", *where).stdout.startswith("pbk_")
    assert "everything" in ok("list-keys", *where).stdout


def test_every_command_has_help_with_an_example() -> None:
    assert "Example:" in (admin.help or "")
    for name, command in admin.commands.items():
        assert isinstance(command, click.Command)
        assert "Example:" in (command.help or ""), name
        assert run(name, "--help").exit_code == 0
