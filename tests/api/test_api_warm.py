"""The common answers are built in the background, so a first read finds them."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from peerbench.api.cache import READ_CACHE_FOLDER
from peerbench.reports.builders.inputs import pool_report_data
from peerbench.server import pool_reports
from tests.api.harness import Server, files_of, running_server

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")

READS = [
    "/v1/benchmarks",
    "/v1/benchmarks/funnel",
    "/v1/benchmarks/meta-analysis",
    "/v1/reports/network",
    "/v1/reports/network/figures",
    "/v1/reports/commissioner/figures",
    "/v1/reports/quality/figures",
]


def _forget(server: Server) -> None:
    """Drop every kept answer (memory and disk): the next read computes."""
    for name in ("benchmark_cache", "benchmark_pages", "benchmark_parts", "report_cache",
                 "report_pages"):  # fmt: skip
        if hasattr(server.app.state, name):
            delattr(server.app.state, name)
    shutil.rmtree(server.settings.data_dir / READ_CACHE_FOLDER, ignore_errors=True)


def _bodies(server: Server) -> dict[str, Any]:
    answers = {}
    for path in READS:
        response = server.client.get(path, headers=server.auth("analyst"))
        assert response.status_code == 200, path
        if path.startswith("/v1/benchmarks"):
            body = response.json()
            body["scope"].pop("cached")
            answers[path] = body
        else:
            answers[path] = response.content
    return answers


def test_first_reads_find_warmed_answers_equal_to_computed_ones(
    tmp_path: Path,
    orgs: list[str],
    slices: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SQLite only: the warm-up reads the pool, not the metadata database, and each run
    # builds every common answer three times (warmed, recomputed, warmed again).
    database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(database_url, tmp_path / "data", orgs, warm=True) as server:
        warmer = server.app.state.warmer
        server.submit_all(slices)
        assert warmer.wait_warm(600)
        builds: list[int] = []
        real = pool_report_data

        def counting(*args: Any, **kwargs: Any) -> Any:
            builds.append(1)
            return real(*args, **kwargs)

        monkeypatch.setattr(pool_reports, "pool_report_data", counting)
        first = server.client.get("/v1/benchmarks", headers=server.auth("analyst"))
        assert first.json()["scope"]["cached"] is True
        warmed = _bodies(server)
        assert builds == []  # every report was built by the warm-up
        _forget(server)
        assert _bodies(server) == warmed  # the same bytes as reads computing them
        assert builds
        # A superseding submission is a new generation: warmed again, never stale.
        first_org = server.organisations[0]
        services = [p for p in files_of(slices[first_org]) if p[1][0] == "services.parquet"]
        response = server.client.post(
            "/v1/submissions",
            data={"period": "2026-Q3"},
            files=services,
            headers=server.auth(first_org),
        )
        assert response.json()["status"] == "accepted"
        assert warmer.wait_warm(600)
        again = server.client.get("/v1/benchmarks", headers=server.auth("analyst")).json()
        assert again["scope"].pop("cached") is True
        _forget(server)
        computed = server.client.get("/v1/benchmarks", headers=server.auth("analyst")).json()
        assert computed["scope"].pop("cached") is False
        assert again == computed


def test_a_server_settles_its_heap_after_start_up() -> None:
    import gc

    from peerbench.api.warm import GC_THRESHOLD, settle_heap

    before = gc.get_threshold()
    try:
        gc.unfreeze()
        settle_heap()
        assert gc.get_freeze_count() > 0  # what start-up made is no longer rescanned
        assert gc.get_threshold() == (GC_THRESHOLD, *before[1:])
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_warm_up_waits_for_a_quiet_moment_between_requests() -> None:
    from peerbench.api.warm import Requests

    now = [100.0]
    requests = Requests(quiet=0.5, clock=lambda: now[0])
    now[0] = 150.0
    requests.touch()  # the warm-up starts as the port opens: the first reads come soon
    assert not requests.wait_idle(0)
    now[0] = 150.5
    assert requests.wait_idle(0)
    requests.enter()  # e.g. a health check
    now[0] = 200.0
    assert not requests.wait_idle(0)  # being answered
    requests.leave()
    now[0] = 200.4
    assert not requests.wait_idle(0)  # the reader's next request is probably coming
    now[0] = 200.5
    assert requests.wait_idle(0)


def test_the_warm_up_records_missing_quality_figures_before_the_quality_reports(
    module_submitted_server: Server,
) -> None:
    """A pool whose organisations have no quality figures recorded (here: recording at
    ingest was off) has them recorded, in the recording process, before the quality
    reports are built, so those sum records rather than re-profile the pool."""
    from concurrent.futures import Future

    from peerbench.api.warm import Warmer
    from peerbench.server.quality_process import QualityRecorder

    server = module_submitted_server
    recorded: list[str] = []

    class Recorder(QualityRecorder):
        def record(self, organisation_id: str) -> Future[bool]:
            recorded.append(organisation_id)  # not profiled: GX costs seconds each
            done: Future[bool] = Future()
            done.set_result(True)
            return done

    def steps(recorder: QualityRecorder | None) -> list[Any]:
        ctx = dataclasses.replace(server.context, quality=recorder)
        return list(Warmer(server.app, ctx)._steps())

    assert "_quality_backfill" not in [s.__name__ for s in steps(None)]  # not recording
    built = steps(Recorder("sqlite://", "unused"))
    names = [s.__name__ for s in built]
    quality = [i for i, s in enumerate(built) if s.__name__ == "report" and "quality" in (
        s.__defaults__ or ())]  # fmt: skip
    assert quality and names.index("_quality_backfill") < min(quality)
    with server.context.db.session() as session:
        assert built[names.index("_quality_backfill")](session) is True
    assert recorded == sorted(server.organisations)


def test_a_backfill_gives_way_to_a_new_pool(
    module_submitted_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backfill still waiting when the pool changes ends its step, so the new pool's
    common answers are built now, not after hours of profiling."""
    from concurrent.futures import Future

    from peerbench.api import warm
    from peerbench.server.quality_process import QualityRecorder

    server = module_submitted_server

    class Recorder(QualityRecorder):
        def record(self, organisation_id: str) -> Future[bool]:
            return Future()  # never done: a long backfill

    generations = iter(["before", "before", "after"])
    monkeypatch.setattr(warm, "pool_state", lambda ctx, session: next(generations))
    ctx = dataclasses.replace(server.context, quality=Recorder("sqlite://", "unused"))
    warmer = warm.Warmer(server.app, ctx, poll_seconds=0.01)
    with server.context.db.session() as session:
        assert warmer._quality_backfill(session) is False
    assert next(generations, "checked") == "checked"  # it looked until the pool changed


def test_start_up_waits_for_the_engines_a_first_read_would_share_the_cpu_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The renderer's boot, the templates and the checker's fork server are done before
    the port opens, not left running beside the first read."""
    import threading

    from peerbench.api import warm
    from peerbench.reports import render
    from peerbench.reports import warm as renderer
    from peerbench.server import isolation

    waited: list[bool] = []
    monkeypatch.setattr(isolation, "start_checker", lambda *, wait=False: waited.append(wait))
    release = threading.Event()
    boot = threading.Thread(target=release.wait)
    monkeypatch.setattr(renderer, "start_renderer", lambda: boot)
    render._environment.cache_clear()
    boot.start()
    done = threading.Thread(target=warm.warm_engines, args=(10,), kwargs={"checker": True})
    done.start()
    done.join(0.5)
    assert done.is_alive()  # still waiting for the renderer's boot
    release.set()
    done.join(30)
    assert not done.is_alive()
    assert waited == [True]
    from peerbench.disclosure import DisclosurePolicy
    from peerbench.reports.suppression import SuppressionWording

    env = render._environment(SuppressionWording.from_policy(DisclosurePolicy(min_n=10)))
    compiled = {name for _loader, name in env.cache}  # type: ignore[union-attr]
    assert compiled == set(env.list_templates())
