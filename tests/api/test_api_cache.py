"""Cached bodies served as ready bytes: the same answers as before, ETags and 304s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

import peerbench.api.cache as cache_module
from peerbench.api.cache import (
    READ_CACHE_FOLDER,
    ReadyBytes,
    etag_of,
    json_bytes,
    ready_response,
    spliced,
)
from peerbench.api.schemas import BenchmarkScope, FunnelPage, MetaAnalysisPage
from peerbench.reports.builders.figures import key_figures
from peerbench.server import audit
from peerbench.server.db.models import Role
from peerbench.server.pool_benchmarks import benchmark_options, matching_rows, pooled_benchmark
from peerbench.server.pool_benchmarks import benchmark_scope as library_scope
from tests.api.harness import PERIOD, TODAY, Server, files_of, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Four organisations with enough data for funnels and meta-analyses."""
    return synth_slices(tmp_path_factory.mktemp("ready"), organisations=4, outcome_rows=3000)


def _request(if_none_match: str | None = None) -> Request:
    headers = [] if if_none_match is None else [(b"if-none-match", if_none_match.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def test_json_bytes_is_the_standard_librarys_value() -> None:
    value = {"a": [1, 2.5, None, "é"], "b": {"c": 1e-05, "d": True}}
    assert json.loads(json_bytes(value)) == value
    big = {"n": 2**70}  # beyond orjson's 64-bit integers: the standard library writes it
    assert json.loads(json_bytes(big)) == big


def test_spliced_puts_the_head_first() -> None:
    body = spliced({"scope": {"x": 1}}, json_bytes({"rows": [1], "n": None}))
    assert body == b'{"scope":{"x":1},"rows":[1],"n":null}'
    assert json.loads(spliced({"a": 1}, b"{}")) == {"a": 1}


def test_etag_and_not_modified() -> None:
    body = b'{"x":1}'
    tag = etag_of(body)
    assert tag == etag_of(b'{"x":1}') and tag != etag_of(b'{"x":2}')
    assert tag.startswith('"') and tag.endswith('"')
    fresh = ready_response(_request(), body, "application/json")
    assert fresh.status_code == 200 and fresh.body == body
    assert fresh.headers["etag"] == tag
    assert fresh.headers["cache-control"] == "private, no-cache"
    for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        same = ready_response(_request(header), body, "application/json")
        assert same.status_code == 304 and same.body == b"", header
        assert same.headers["etag"] == tag
    stale = ready_response(_request('"other"'), body, "application/json")
    assert stale.status_code == 200 and stale.body == body


class _Maker:
    """Counts its calls; answers ``body``."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.calls = 0

    def __call__(self) -> bytes:
        self.calls += 1
        return self.body


def test_ready_bytes_survive_a_restart_and_miss_on_a_new_key(tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    make = _Maker(b'{"a":1}')
    first = ReadyBytes(folder, size=4)
    assert first.get_or_make(("generation-1", "x"), make) == (b'{"a":1}', False)
    assert first.get_or_make(("generation-1", "x"), make) == (b'{"a":1}', True)
    assert make.calls == 1
    restarted = ReadyBytes(folder, size=4)  # a new process: empty memory, same folder
    assert restarted.get_or_make(("generation-1", "x"), make) == (b'{"a":1}', True)
    assert make.calls == 1
    # A new pool generation is another key: made again, never the old answer.
    other = _Maker(b'{"a":2}')
    assert restarted.get_or_make(("generation-2", "x"), other) == (b'{"a":2}', False)
    assert other.calls == 1


def test_ready_bytes_keep_at_most_max_files_and_survive_disk_errors(tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    cache = ReadyBytes(folder, size=1, max_files=3)
    for n in range(5):
        cache.get_or_make(("g", n), _Maker(str(n).encode()))
    assert len(list(folder.glob("*.bin"))) == 3
    assert not list(folder.glob("*.tmp"))
    blocked = tmp_path / "a-file"
    blocked.write_bytes(b"")  # a file where the folder should be: every write fails
    broken = ReadyBytes(blocked / "answers", size=2)
    make = _Maker(b"ok")
    assert broken.get_or_make("k", make) == (b"ok", False)
    assert broken.get_or_make("k", make) == (b"ok", True)  # still kept in memory
    memory_only = ReadyBytes(None, size=2)
    assert memory_only.get_or_make("k", make) == (b"ok", False)


def test_other_code_does_not_find_the_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "answers"
    ReadyBytes(folder, size=2).get_or_make("k", _Maker(b"old"))
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "other code")
    make = _Maker(b"new")
    assert ReadyBytes(folder, size=2).get_or_make("k", make) == (b"new", False)
    assert make.calls == 1


def test_a_restarted_server_serves_the_kept_answers(
    server: Server, slices: dict[str, Path]
) -> None:
    """Same bytes after a restart, without recomputing; a new submission is a miss."""
    from fastapi.testclient import TestClient

    from peerbench.api.app import create_app

    server.submit_all(slices)
    headers = server.auth("analyst")
    paths = ["/v1/benchmarks", "/v1/benchmarks/funnel", "/v1/reports/network/figures"]
    before = {p: server.client.get(p, headers=headers) for p in paths}
    assert before["/v1/benchmarks"].json()["scope"]["cached"] is False
    assert (server.settings.data_dir / READ_CACHE_FOLDER).is_dir()
    app = create_app(server.settings, context=server.context)
    with TestClient(app) as client:
        after = {p: client.get(p, headers=headers) for p in paths}
        assert not hasattr(app.state, "benchmark_cache")  # nothing was computed
        for path in paths:
            assert after[path].status_code == 200
            if path.startswith("/v1/reports"):
                assert after[path].content == before[path].content
            else:
                shown, first = after[path].json(), before[path].json()
                assert shown["scope"].pop("cached") is True
                first["scope"].pop("cached")
                assert shown == first
        first_org = server.organisations[0]
        services = [
            part for part in files_of(slices[first_org]) if part[1][0] == "services.parquet"
        ]
        posted = client.post(
            "/v1/submissions", data={"period": PERIOD}, files=services,
            headers=server.auth(first_org),
        )  # fmt: skip
        assert posted.json()["status"] == "accepted"
        again = client.get("/v1/benchmarks", headers=headers)
        assert again.json()["scope"]["cached"] is False


def _analyst_result(server: Server) -> Any:
    from peerbench.server.keys import authenticate

    with server.context.db.session() as session:
        key = authenticate(session, server.keys["analyst"])
        assert key is not None
        scope = library_scope(session, key, None, as_of=TODAY)
        options = benchmark_options(server.settings.min_cell_count)
        result, _ = pooled_benchmark(server.context, session, scope, options)
        return key, scope, result


def test_funnel_and_meta_analysis_answers_are_unchanged(
    server: Server, slices: dict[str, Path]
) -> None:
    """The ready bytes parse to what the pydantic pages serialised on every read."""
    server.submit_all(slices)
    key, scope, result = _analyst_result(server)
    headers = server.auth("analyst")
    funnel = server.client.get(
        "/v1/benchmarks/funnel", params={"metric": "mean_change"}, headers=headers
    )
    meta = server.client.get(
        "/v1/benchmarks/meta-analysis", params={"by": "structure"}, headers=headers
    )
    assert funnel.status_code == meta.status_code == 200
    view = BenchmarkScope(
        role=Role(key.role),
        organisation_id=None,
        network_ids=list(scope.network_ids),
        organisations=list(scope.organisations or []),
        cached=True,  # the funnel computed the result; the meta-analysis found it cached
    )
    match: dict[str, str | None] = {"instrument": None, "timepoint": None, "metric": "mean_change"}
    old_funnel = FunnelPage(
        scope=view.model_copy(update={"cached": False}),
        instrument=None,
        timepoint=None,
        metric="mean_change",
        funnels=matching_rows(result.funnels, **match),
        points=matching_rows(result.funnel_points, **match),
    )
    subgroup: dict[str, str | None] = {
        "instrument": None,
        "timepoint": None,
        "attribute": "structure",
    }
    old_meta = MetaAnalysisPage(
        scope=view,
        instrument=None,
        timepoint=None,
        by="structure",
        meta=matching_rows(result.meta, instrument=None, timepoint=None),
        forest=matching_rows(result.forest, instrument=None, timepoint=None),
        subgroups=matching_rows(result.subgroups, **subgroup),
        subgroup_tests=matching_rows(result.subgroup_tests, **subgroup),
    )
    assert funnel.json() == json.loads(old_funnel.model_dump_json())
    assert meta.json() == json.loads(old_meta.model_dump_json())
    assert funnel.json()["points"] and meta.json()["meta"]


def test_reads_revalidate_and_are_still_audited(server: Server, slices: dict[str, Path]) -> None:
    server.submit_all(slices)
    headers = server.auth("analyst")
    paths = [
        "/v1/benchmarks",
        "/v1/benchmarks/funnel",
        "/v1/benchmarks/meta-analysis",
        "/v1/reports/network",
        "/v1/reports/network/figures",
    ]
    for path in paths:
        server.client.get(path, headers=headers)  # computed; the next read is cached
        first = server.client.get(path, headers=headers)
        assert first.status_code == 200, path
        tag = first.headers["etag"]
        again = server.client.get(path, headers={**headers, "If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == tag
        changed = server.client.get(path, headers={**headers, "If-None-Match": '"old"'})
        assert changed.status_code == 200 and changed.content == first.content, path
    with server.context.db.session() as session:
        reads = audit.query(session, action="benchmark.read") + audit.query(
            session, action="report.read"
        )
    assert len(reads) == 4 * len(paths)  # every read audited, a 304 too


def test_report_page_and_figures_are_unchanged(server: Server, slices: dict[str, Path]) -> None:
    from peerbench.server.keys import authenticate
    from peerbench.server.pool_reports import pool_report

    server.submit_all(slices)
    headers = server.auth("analyst")
    page = server.client.get("/v1/reports/network", headers=headers)
    figures = server.client.get("/v1/reports/network/figures", headers=headers)
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    with server.context.db.session() as session:
        key = authenticate(session, server.keys["analyst"])
        assert key is not None
        scope = library_scope(session, key, None, as_of=TODAY)
        built = pool_report(server.context, session, key, scope, "network")
    assert page.text == built.html
    assert figures.json() == key_figures(built.report) != {}


def test_one_build_per_key_and_a_failed_build_is_not_kept() -> None:
    import threading

    from peerbench.api.cache import LruCache

    cache: LruCache[str] = LruCache(4)
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("slow")
        started.set()
        release.wait(10)
        return "built"

    results: list[tuple[str, bool]] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_make("k", slow)))
    first.start()
    assert started.wait(10)

    # Asked while (or after) "k" is built elsewhere: that build's value, not a second one.
    def other() -> str:
        calls.append("other")
        return "x"

    second = threading.Thread(target=lambda: results.append(cache.get_or_make("k", other)))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert calls == ["slow"]
    assert sorted(results) == [("built", False), ("built", True)]
    assert cache.peek("k") and not cache.peek("other")

    def broken() -> str:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get_or_make("b", broken)
    assert cache.get_or_make("b", lambda: "fine") == ("fine", False)
