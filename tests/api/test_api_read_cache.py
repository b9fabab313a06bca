"""Server read caches are invalidated exactly when a submission is accepted or superseded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from peerbench.reports.builders.inputs import pool_report_data
from peerbench.server import pool_reports
from peerbench.server.pool_benchmarks import Scope, benchmark_key, benchmark_options
from tests.api.harness import PERIOD, Server, files_of

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


def _key(server: Server, organisations: tuple[str, ...] | None = None) -> Hashable:
    options = benchmark_options(server.settings.min_cell_count)
    scope = Scope(organisations, (), None, dt.date(2026, 11, 16))
    with server.context.db.session() as session:
        return benchmark_key(server.context, session, scope, options)


def _post(server: Server, org: str, files: list[Any], period: str = PERIOD) -> dict[str, Any]:
    response = server.client.post(
        "/v1/submissions", data={"period": period}, files=files, headers=server.auth(org)
    )
    body: dict[str, Any] = response.json()
    return body


def _cached(server: Server, who: str = "analyst") -> bool:
    response = server.client.get("/v1/benchmarks", headers=server.auth(who))
    assert response.status_code == 200, response.text
    return bool(response.json()["scope"]["cached"])


def test_key_changes_exactly_on_accept_and_supersede(
    server: Server, slices: dict[str, Path]
) -> None:
    first, second = server.organisations[:2]
    empty = _key(server)
    assert _key(server) == empty  # same pool, same key
    assert _post(server, first, files_of(slices[first]))["status"] == "accepted"
    accepted = _key(server)
    assert accepted != empty
    # A repeat of the same files is the same submission: nothing changes.
    assert _post(server, first, files_of(slices[first]))["status"] == "accepted"
    assert _key(server) == accepted
    # A rejected submission (a broken file) changes nothing.
    broken = [("files", ("outcomes.csv", b"participant_id,nonsense\nx,1\n"))]
    assert _post(server, second, broken)["status"] == "rejected"
    assert _key(server) == accepted
    # The same organisation and period sent again with other content supersedes the first.
    services = [p for p in files_of(slices[first]) if p[1][0] == "services.parquet"]
    assert _post(server, first, services)["status"] == "accepted"
    superseded = _key(server)
    assert superseded not in (accepted, empty)
    # A scope's key is its own: another organisation's submission is another scope.
    assert _key(server, (second,)) != _key(server, (first,))


def test_reads_are_cached_until_the_pool_changes(
    server: Server, slices: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.submit_all(slices)
    assert _cached(server) is False
    assert _cached(server) is True
    builds: list[int] = []
    real = pool_report_data

    def counting(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pool_reports, "pool_report_data", counting)  # what pool_report calls
    report = {"headers": server.auth("analyst")}
    assert server.client.get("/v1/reports/network", **report).status_code == 200
    assert server.client.get("/v1/reports/network", **report).status_code == 200
    assert server.client.get("/v1/reports/network/figures", **report).status_code == 200
    assert len(builds) == 1
    broken = [("files", ("outcomes.csv", b"participant_id,nonsense\nx,1\n"))]
    assert _post(server, server.organisations[0], broken)["status"] == "rejected"
    assert _cached(server) is True
    assert server.client.get("/v1/reports/network", **report).status_code == 200
    assert len(builds) == 1
    first = server.organisations[0]
    services = [p for p in files_of(slices[first]) if p[1][0] == "services.parquet"]
    assert _post(server, first, services)["status"] == "accepted"
    assert _cached(server) is False
    assert server.client.get("/v1/reports/network", **report).status_code == 200
    assert len(builds) == 2


def test_reports_share_the_benchmarks_raw_result(server: Server, slices: dict[str, Path]) -> None:
    """A report built from the benchmarks' cached raw result equals one built alone."""
    from peerbench.api.cache import LruCache
    from peerbench.reports.builders.figures import key_figures
    from peerbench.server.db.models import Role
    from peerbench.server.pool_benchmarks import pooled_benchmark
    from peerbench.server.pool_reports import pool_report

    server.submit_all(slices)
    admin = SimpleNamespace(
        id="admin", role=Role.ADMIN.value, organisation_id=None, network_id=None
    )
    scope = Scope(None, (), None, dt.date(2026, 11, 16))
    options = benchmark_options(server.settings.min_cell_count)
    results: LruCache[Any] = LruCache(8)
    with server.context.db.session() as session:
        pooled_benchmark(server.context, session, scope, options, results)
        shared = pool_report(server.context, session, admin, scope, "network", results=results)
        alone = pool_report(server.context, session, admin, scope, "network")
    assert results.get_or_make(_key(server)[1], lambda: None)[1] is True  # type: ignore[index]
    assert _plain(key_figures(shared.report)) == _plain(key_figures(alone.report))


def _plain(figures: Any) -> Any:
    """Figures with floats rounded to 9 significant digits (summation order aside)."""
    if isinstance(figures, float):
        return float(f"{figures:.9g}")
    if isinstance(figures, dict):
        return {k: _plain(v) for k, v in figures.items()}
    if isinstance(figures, list):
        return [_plain(v) for v in figures]
    return figures
