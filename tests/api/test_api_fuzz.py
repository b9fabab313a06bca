"""Schemathesis over every operation with each role's key: no 5xx, one error envelope.

The short run of ``make test``: a few derandomised cases per operation and role, on an
empty pool so that reports answer at once. ``make soak`` runs the long one on a pool with
data (``tests/soak/test_soak_fuzz.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peerbench.api.app import create_app
from peerbench.server.settings import Settings
from tests.api.fuzzing import (
    ROLES,
    Tally,
    envelope_problem,
    fuzz_operation,
    operations,
)
from tests.api.harness import Server, running_server

EXAMPLES = 4
"""Cases per operation and role: enough to reach each refusal, cheap enough for CI."""

OPERATIONS = operations(create_app(Settings(data_dir=Path("unused"))))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A seeded server on SQLite with an empty pool, shared by the module's cases."""
    tmp = tmp_path_factory.mktemp("fuzz")
    with running_server(
        f"sqlite:///{tmp / 'peerbench.sqlite3'}",
        tmp / "data",
        ["org-a", "org-b", "org-c"],
        raise_server_exceptions=False,
        submissions_per_minute=100_000,
    ) as server:
        yield server


def test_every_operation_is_fuzzed() -> None:
    # A new router must show up here; the list is the app's, not a copy.
    assert len(OPERATIONS) >= 19
    assert ("POST", "/v1/submissions") in OPERATIONS


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_server_error_and_one_envelope(
    fuzzed: Server, method: str, path: str, role: str
) -> None:
    tally = Tally()
    fuzz_operation(fuzzed, method, path, role, max_examples=EXAMPLES, tally=tally)
    assert tally.requests >= 1
    assert not tally.failures


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"error": {"code": "x", "message": "m", "details": null}}', None),
        (b'{"detail": "Not Found"}', "top-level keys ['detail']"),
        (b'{"error": {"code": "x", "message": "m"}}', "error keys ['code', 'message']"),
        (b'{"error": {"code": "", "message": "m", "details": 1}}', "code is not a non-empty str"),
        (b"<html>", "not JSON"),
    ],
)
def test_envelope_check_can_fail(body: bytes, problem: str | None) -> None:
    assert envelope_problem(404, body) == problem


def _integer_parameters() -> list[tuple[str, str, str]]:
    document = create_app(Settings(data_dir=Path("unused"))).openapi()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["schema"].get("type") == "integer":
                    found.append((method.upper(), path, parameter["name"]))
    return sorted(found)


OUT_OF_RANGE = (-1, 2**63, 10**30)


def _bound_cells() -> list[object]:
    cells: list[object] = []
    for method, path, name in _integer_parameters():
        for value in OUT_OF_RANGE:
            cells.append(pytest.param(method, path, name, value))
    return cells


@pytest.mark.parametrize(("method", "path", "name", "value"), _bound_cells())
def test_integer_query_parameters_are_bounded(
    fuzzed: Server, method: str, path: str, name: str, value: int
) -> None:
    # Every integer in a query is refused with 422 beyond its range, never a 500.
    response = fuzzed.client.request(
        method, path, params={name: str(value)}, headers=fuzzed.auth("admin")
    )
    assert response.status_code == 422, response.text[:300]
    assert envelope_problem(response.status_code, response.content) is None
