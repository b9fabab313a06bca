"""``peerbench admin invite`` and ``admin sign-in-link``: print a one-time link, email it too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peerbench.cli.admin import admin
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import OneTimeToken, User
from peerbench.server.db.session import Database
from peerbench.server.tenancy import create_organisation
from peerbench.server.web_sessions import token_hash
from tests.server import conftest as server_fixtures
from tests.server.fake_smtp import fake_smtp

database_url = server_fixtures.database_url
postgres_database = server_fixtures.postgres_database
BASE = "https://portal.example.org"


@pytest.fixture
def where(database_url: str, tmp_path: Path) -> list[str]:
    upgrade(database_url)
    db = Database(database_url)
    with db.session() as session:
        create_organisation(session, id="org-a", name="A")
    db.dispose()
    return ["--database-url", database_url, "--data-dir", str(tmp_path)]


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    values: dict[str, str | None] = {
        "PEERBENCH_DATABASE_URL": None,
        "PEERBENCH_DATA_DIR": None,
        "PEERBENCH_SMTP_HOST": None,
        **(env or {}),
    }
    return CliRunner().invoke(admin, list(args), env=values)


def _token(url: str, prefix: str) -> str:
    assert url.startswith(prefix), url
    return url[len(prefix) :]


def test_invite_prints_a_working_link(where: list[str], database_url: str) -> None:
    invite = ("invite", "--email", "Sam@Example.org", "--role", "submitter", "--org", "org-a")
    result = run(*invite, "--base-url", BASE, *where)
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert result.stdout == url + "\n"  # the link alone on stdout
    token = _token(url, f"{BASE}/invite/")
    assert "works once, for 7 days" in result.stderr
    db = Database(database_url)
    try:
        with db.session() as session:
            row = session.get(OneTimeToken, token_hash(token))
            assert row is not None and row.kind == "invite" and row.used_at is None
            user = session.get(User, row.user_id)
            assert user is not None and user.email == "sam@example.org"
    finally:
        db.dispose()
    refused = run("invite", "--email", "x@example.org", "--role", "submitter", *where)
    assert refused.exit_code == 2 and "needs an organisation" in refused.output


def test_sign_in_link(where: list[str]) -> None:
    missing = run("sign-in-link", "--email", "nobody@example.org", *where)
    assert missing.exit_code == 1 and "no account" in missing.output
    run("invite", "--email", "kim@example.org", "--role", "admin", *where)
    result = run("sign-in-link", "--email", "KIM@example.org", *where)
    assert result.exit_code == 0, result.output
    _token(result.stdout.strip(), "http://127.0.0.1:8000/sign-in/link/")
    assert "works once, for 24 hours" in result.stderr


def test_invite_is_emailed_when_smtp_is_set(where: list[str]) -> None:
    with fake_smtp() as (port, mailbox):
        env: dict[str, str | None] = {
            "PEERBENCH_SMTP_HOST": "127.0.0.1",
            "PEERBENCH_SMTP_PORT": str(port),
            "PEERBENCH_SMTP_STARTTLS": "false",
        }
        result = run(
            "invite",
            "--email",
            "sam@example.org",
            "--role",
            "submitter",
            "--org",
            "org-a",
            *where,
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert mailbox.received.wait(5)
    assert "Emailed the link to sam@example.org" in result.stderr
    [message] = mailbox.messages
    assert result.stdout.strip() in message.get_payload()


def test_list_and_disable_users(where: list[str]) -> None:
    run("invite", "--email", "sam@example.org", "--role", "submitter", "--org", "org-a", *where)
    listed = run("list-users", "--format", "json", *where)
    assert listed.exit_code == 0, listed.output
    [user] = json.loads(listed.stdout)
    assert (user["email"], user["organisation_id"], user["status"]) == (
        "sam@example.org",
        "org-a",
        "pending",
    )
    disabled = run("disable-user", "--email", "SAM@example.org", *where)
    assert disabled.exit_code == 0 and "every session of theirs has ended" in disabled.stderr
    text = run("list-users", *where).stdout
    assert "sam@example.org" in text and "disabled" in text
    assert run("disable-user", "--email", "nobody@example.org", *where).exit_code == 1
