"""``/v1/benchmarks``: every role's scope, owner view vs controlled view, cache, audit, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions
from peerbench.benchmarking.attack import attack, small_published
from peerbench.benchmarking.compute import compute
from peerbench.benchmarking.outcome_stats import COUNT_FIELDS
from peerbench.client import PeerbenchClient, PeerbenchError
from peerbench.disclosure import DisclosurePolicy
from peerbench.server import audit
from peerbench.server.tenancy import add_member
from tests.api.harness import NETWORK, PERIOD, TODAY, Server, files_of, synth_slices
from tests.api.test_api_errors import assert_envelope

# Small pools give case-mix models a rank-deficient design; statsmodels warns, which is
# the benchmarking library's concern (reported), not the API's.
pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")

ENDPOINTS = ("/v1/benchmarks", "/v1/benchmarks/funnel", "/v1/benchmarks/meta-analysis")


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Four organisations with enough data for funnels and meta-analyses."""
    return synth_slices(tmp_path_factory.mktemp("bench"), organisations=4, outcome_rows=3000)


@pytest.fixture
def submitted(server: Server, slices: dict[str, Path]) -> dict[str, str]:
    """One accepted submission per organisation (for tests that change the pool or read
    the audit log)."""
    return server.submit_all(slices)


@pytest.fixture
def read_server(module_submitted_server: Server) -> Server:
    """The module's server with one accepted submission per organisation, for tests that
    only read: what a test is shown does not depend on what was read before (only
    whether it was cached, which these tests check after reading it themselves)."""
    return module_submitted_server


def _get(server: Server, who: str, path: str = "/v1/benchmarks", **params: Any) -> Any:
    return server.client.get(path, params=params, headers=server.auth(who))


def _owner_services(page: dict[str, Any], organisation: str) -> set[str]:
    return {
        s["service_id"] for s in page["result"]["services"] if s["organisation_id"] == organisation
    }


def _assert_controlled(row: dict[str, Any]) -> None:
    for field in COUNT_FIELDS:
        value = row.get(field)
        if isinstance(value, int):
            assert not 1 <= value <= 7, (field, row)
            assert value % 5 == 0, (field, row)


def _assert_same_figures(shown: dict[str, Any], raw: dict[str, Any]) -> None:
    """Equal, floats up to summation order (the engine's threads may add in any order)."""
    assert shown.keys() == raw.keys()
    for field, value in raw.items():
        if isinstance(value, float):
            assert shown[field] == pytest.approx(value, rel=1e-9), field
        else:
            assert shown[field] == value, field


def test_roles_and_scopes(read_server: Server) -> None:
    server = read_server
    first, second, third, _fourth = server.organisations
    for path in ENDPOINTS:
        assert_envelope(_get(server, "researcher", path), 403, "forbidden")
        assert_envelope(_get(server, first, path, network_id=NETWORK), 403, "forbidden")
        assert_envelope(_get(server, "analyst", path, network_id=NETWORK), 403, "forbidden")
        assert_envelope(_get(server, "admin", path, network_id="nope"), 404, "not-found")
    analyst = _get(server, "analyst").json()["scope"]
    assert analyst["organisations"] == [first, second] and analyst["organisation_id"] is None
    mine = _get(server, first).json()["scope"]
    assert mine["organisations"] == [first, second] and mine["network_ids"] == [NETWORK]
    alone = _get(server, third).json()["scope"]  # in no network: its own data only
    assert alone["organisations"] == [third] and alone["network_ids"] == []
    assert _get(server, "admin").json()["scope"]["organisations"] is None
    scoped = _get(server, "admin", network_id=NETWORK).json()["scope"]
    assert scoped["organisations"] == [first, second]


def test_submitter_sees_own_services_unrounded_and_others_controlled(read_server: Server) -> None:
    server = read_server
    first = server.organisations[0]
    page = _get(server, first).json()
    result = page["result"]
    assert result["disclosure"]["viewer_organisation_id"] == first
    own = _owner_services(page, first)
    assert own and set(result["disclosure"]["owner_services"]) == own
    # The owner's rows are the raw library figures, exactly.
    ctx, members = server.context, page["scope"]["organisations"]
    with ctx.db.session() as session:
        paths = {
            rt: ctx.store.current_paths(session, rt, members)
            for rt in ("service", "participant", "engagement", "outcome")
        }
    min_n = server.settings.min_cell_count
    options = BenchmarkOptions(min_n=min_n, disclosure_policy=DisclosurePolicy(min_n=min_n))
    raw = {
        (r["service_id"], r["instrument"], r["timepoint"]): r
        for r in compute(BenchmarkSource(paths), options).to_dict()["outcomes"]
    }
    others = [r for r in result["outcomes"] if r["service_id"] not in own]
    assert others
    for row in result["outcomes"]:
        key = (row["service_id"], row["instrument"], row["timepoint"])
        if row["service_id"] in own:
            _assert_same_figures(row, raw[key])
        else:
            _assert_controlled(row)
    for row in result["funnel_points"]:
        if row["service_id"] not in own and isinstance(row["n"], int):
            assert not 1 <= row["n"] <= 7


def test_analyst_sees_every_figure_controlled(read_server: Server) -> None:
    server = read_server
    page = _get(server, "analyst").json()
    assert page["result"]["disclosure"]["owner_services"] == []
    assert page["result"]["outcomes"]
    for row in [*page["result"]["outcomes"], *page["result"]["pooled"]]:
        _assert_controlled(row)


def test_public_benchmark_survives_the_attack(read_server: Server) -> None:
    """The API's public result: no rounded or hidden count can be pinned (attack.py)."""
    server = read_server
    for who in ("analyst", "admin"):
        result = _get(server, who).json()["result"]
        assert result["disclosure"]["owner_services"] == []
        counts = attack(result)
        assert sum(c.protected and bool(c.candidates) for c in counts) > 50
        assert [c for c in counts if c.pinned] == []
        assert small_published(result) == []


def test_funnel_and_meta_analysis_filter_the_controlled_result(read_server: Server) -> None:
    server = read_server
    full = _get(server, "admin").json()["result"]
    first = full["funnel_points"][0]
    wanted = (first["instrument"], first["timepoint"], first["metric"])
    instrument, timepoint, metric = wanted
    funnel = _get(
        server, "admin", ENDPOINTS[1], instrument=instrument, timepoint=timepoint, metric=metric
    ).json()
    assert funnel["scope"]["cached"] is True
    expected = [
        p for p in full["funnel_points"]
        if (p["instrument"], p["timepoint"], p["metric"]) == wanted
    ]  # fmt: skip
    assert funnel["points"] == expected and expected
    assert all((f["instrument"], f["timepoint"]) == wanted[:2] for f in funnel["funnels"])
    meta = _get(server, "admin", ENDPOINTS[2], instrument=instrument, by="structure").json()
    assert meta["meta"] and all(r["instrument"] == instrument for r in meta["meta"])
    assert all(r["attribute"] == "structure" for r in meta["subgroups"])
    plain = _get(server, "admin", ENDPOINTS[2], instrument=instrument).json()
    assert plain["subgroups"] == [] and plain["meta"] == meta["meta"]


def test_cache_and_audit(
    server: Server, submitted: dict[str, str], slices: dict[str, Path]
) -> None:
    first = server.organisations[0]
    assert _get(server, "analyst", instrument="SWEMWBS").json()["scope"]["cached"] is False
    assert _get(server, "analyst", instrument="SWEMWBS").json()["scope"]["cached"] is True
    # A new accepted submission changes the pool's file set: recomputed, never stale.
    services = [part for part in files_of(slices[first]) if part[1][0] == "services.parquet"]
    response = server.client.post(
        "/v1/submissions", data={"period": PERIOD}, files=services, headers=server.auth(first)
    )
    assert response.json()["status"] == "accepted"
    assert _get(server, "analyst", instrument="SWEMWBS").json()["scope"]["cached"] is False
    _get(server, first, ENDPOINTS[1], metric="reliable_improvement")
    with server.context.db.session() as session:
        events = audit.query(session, action="benchmark.read")
    assert [e.target for e in events] == ["funnel", "benchmarks", "benchmarks", "benchmarks"]
    assert events[0].organisation_id == first
    assert events[0].details["metric"] == "reliable_improvement"
    assert events[1].details["instrument"] == "SWEMWBS"
    assert events[1].details["organisations"] == server.organisations[:2]
    assert events[1].details["network_ids"] == [NETWORK]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (ENDPOINTS[0], {"period": "Q3"}),
        (ENDPOINTS[0], {"by": "favourite_colour"}),
        (ENDPOINTS[0], {"format": "csv"}),
        (ENDPOINTS[0], {"instrument": "../etc"}),
        (ENDPOINTS[1], {"metric": "vibes"}),
        (ENDPOINTS[1], {"timepoint": "tomorrow"}),
        (ENDPOINTS[2], {"by": "structure,setting"}),
    ],
)
def test_bad_parameters_get_the_envelope(
    module_server: Server, path: str, params: dict[str, str]
) -> None:
    assert_envelope(_get(module_server, "analyst", path, **params), 422, "invalid-request")


def test_client_methods_match_the_api(read_server: Server) -> None:
    server = read_server
    with PeerbenchClient("http://testserver", server.keys["analyst"], http=server.client) as c:
        page = c.benchmarks(instrument="SWEMWBS", by=["structure"])
        direct = _get(server, "analyst", instrument="SWEMWBS", by="structure").json()
        assert page.result == direct["result"] and direct["scope"]["cached"] is True
        funnel = c.funnel(metric="mean_change", timepoint="month_3")
        assert (
            funnel.points
            == _get(
                server, "analyst", ENDPOINTS[1], metric="mean_change", timepoint="month_3"
            ).json()["points"]
        )
        assert c.meta_analysis(by="structure").by == "structure"
    researcher = PeerbenchClient("http://testserver", server.keys["researcher"], http=server.client)
    with researcher, pytest.raises(PeerbenchError) as refused:
        researcher.benchmarks()
    assert refused.value.status == 403 and refused.value.code == "forbidden"


def test_thin_comparisons_and_joint_recovery_reach_the_api(read_server: Server) -> None:
    """The library's decisions pass through unchanged: no test of difference between
    groups of fewer than five services, and the NHS Talking Therapies joint rows."""
    server = read_server
    meta = _get(server, "analyst", ENDPOINTS[2], by="structure").json()
    assert meta["subgroups"] and meta["subgroup_tests"]
    smallest: dict[tuple[str, str, str], int] = {}
    for level in meta["subgroups"]:
        key = (level["instrument"], level["period"], level["timepoint"])
        smallest[key] = min(smallest.get(key, 99), level["k"])
    for test in meta["subgroup_tests"]:
        key = (test["instrument"], test["period"], test["timepoint"])
        if smallest[key] < 5:
            assert test["p_value"] is None and test["q_between"] is None
            assert test["suppressed"]["p_value"] == "too-few-services"
    for row in meta["meta"]:
        assert (row["i2"] is None) == (row["k"] < 5)
    result = _get(server, "admin", instrument="talking-therapies").json()["result"]
    pooled = result["pooled"]
    assert {r["instrument"] for r in pooled} == {"talking-therapies"}
    assert {r["timepoint"] for r in pooled} == {"month_3", "month_6", "month_12", "end"}
    for row in [*pooled, *result["outcomes"]]:
        _assert_controlled(row)
        if row["recovery_rate"] is not None:
            assert row["recovery_rate"] == pytest.approx(
                row["n_recovered"] / row["n_case_baseline"]
            )


def test_agreement_window_applies_in_both_directions(server: Server) -> None:
    """Before its agreement starts a member neither shows nor sees the network's data."""
    first, second, late = server.organisations[:3]
    start = TODAY + dt.timedelta(days=10)
    with server.context.db.session() as session:
        add_member(session, network_id=NETWORK, organisation_id=late,
                   agreement_reference="DSA-2", agreement_start=start)  # fmt: skip
    before = _get(server, late)
    assert before.status_code == 200, before.text
    assert before.json()["scope"]["organisations"] == [late]
    assert before.json()["scope"]["network_ids"] == []
    assert _get(server, "analyst").json()["scope"]["organisations"] == [first, second]
    with server.context.db.session() as session:
        [read] = audit.query(session, action="benchmark.read", organisation_id=late)
    assert read.details["networks_not_started"] == [NETWORK]
    assert read.details["as_of"] == TODAY.isoformat()
    server.context.today = lambda: start
    after = _get(server, late).json()["scope"]
    assert (after["organisations"], after["network_ids"]) == ([first, second, late], [NETWORK])
    assert _get(server, "analyst").json()["scope"]["organisations"] == [first, second, late]
