"""``peerbench admin add-member --end``, ``update-member`` and ``coverage``."""

from __future__ import annotations

import json

from tests.cli.test_admin import database_url, ok, postgres_database, run, where

__all__ = ["database_url", "postgres_database", "where"]


def _network(where: list[str]) -> None:
    ok("create-org", "--id", "org1", "--name", "Org One", *where)
    ok("create-network", "--id", "net1", "--name", "Network One", *where)
    ok(
        "add-member", "--network", "net1", "--org", "org1", "--agreement", "DSA-1",
        "--start", "2025-04-01", "--end", "2025-12-31", *where,
    )  # fmt: skip


def test_coverage_and_update_member(where: list[str]) -> None:
    _network(where)
    shown = ok("coverage", "--network", "net1", "--as-of", "2025-08-01", "--format", "json", *where)
    page = json.loads(shown.stdout)
    [member] = page["members"]
    assert (member["agreement_end"], member["visible"]) == ("2025-12-31", True)
    assert [c["status"] for c in member["cells"]] == ["missing", "not_due"]
    after = ok("coverage", "--network", "net1", "--as-of", "2026-02-01", *where)
    assert "2025-04-01 to 2025-12-31" in after.stdout and "Outside the agreement" in after.stdout

    ok("update-member", "--network", "net1", "--org", "org1", "--open-ended", *where)
    reopened = ok(
        "coverage", "--network", "net1", "--as-of", "2026-02-01", "--format", "json", *where
    )
    assert json.loads(reopened.stdout)["members"][0]["agreement_end"] is None
    events = json.loads(
        ok("audit", "--action", "member.updated", "--format", "json", *where).stdout
    )
    assert events[0]["details"]["agreement_end"] == {"from": "2025-12-31", "to": None}


def test_update_member_refusals(where: list[str]) -> None:
    _network(where)
    both = run("update-member", "--network", "net1", "--org", "org1", "--end", "2026-01-01",
               "--open-ended", *where)  # fmt: skip
    assert both.exit_code == 2 and "not both" in both.output
    backwards = run("update-member", "--network", "net1", "--org", "org1", "--end", "2024-01-01",
                    *where)  # fmt: skip
    assert backwards.exit_code == 2 and "cannot end" in backwards.output
    unknown = run("update-member", "--network", "net1", "--org", "nobody", *where)
    assert unknown.exit_code == 1 and "not a member" in unknown.output
    bad_date = run("coverage", "--network", "net1", "--as-of", "soon", *where)
    assert bad_date.exit_code == 2 and "not a date" in bad_date.output
