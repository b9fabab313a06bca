"""Reports on the server share what the benchmarks computed, with the same bytes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from peerbench.api.cache import LruCache
from peerbench.server.keys import authenticate
from peerbench.server.pool_benchmarks import benchmark_scope
from peerbench.server.pool_reports import BuiltReport, pool_report
from tests.api.harness import Server, running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server (SQLite) holding every organisation's submission, made once."""
    root = tmp_path_factory.mktemp("pool-reports")
    slices = synth_slices(root / "synth")
    with running_server(f"sqlite:///{root / 'db.sqlite3'}", root / "data", sorted(slices)) as srv:
        srv.submit_all(slices)
        yield srv


def _report(
    server: Server, who: str, kind: str, service_id: str | None, results: LruCache[Any] | None
) -> BuiltReport:
    ctx = server.context
    with ctx.db.session() as session:
        key = authenticate(session, server.keys[who])
        assert key is not None
        scope = benchmark_scope(session, key, None, as_of=ctx.today())
        return pool_report(ctx, session, key, scope, kind, service_id, None, results)


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_reports_reuse_the_raw_tables_and_view_with_the_same_bytes(
    pooled: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import peerbench.aggregate as aggregate
    import peerbench.benchmarking.disclose as disclose
    import peerbench.server.pool_benchmarks as pool_benchmarks

    controls = _counting(monkeypatch, disclose, "controlled")
    monkeypatch.setattr(pool_benchmarks, "controlled", disclose.controlled)
    aggregations = _counting(monkeypatch, aggregate, "compute_tables")
    results: LruCache[Any] = LruCache(32)
    network = _report(pooled, "analyst", "network", None, results)
    commissioner = _report(pooled, "analyst", "commissioner", None, results)
    assert len(controls) == 1  # the analyst's view, made once for both reports
    assert aggregations == []  # the participant-level tables came with the raw result
    alone = _report(pooled, "analyst", "network", None, None)
    assert len(controls) == 2  # built alone, it controls its own raw result
    assert network.html == alone.html
    assert network.figures_json == alone.figures_json
    assert commissioner.html != network.html
