"""Network pages show the API's figures: coverage, benchmark tables, charts, reports.

One portal with four synthetic members' accepted submissions (``network_world``) serves
the module. Each test reads a page as the network's analyst and compares it with the
JSON API read with the analyst's key: the same library functions, the same figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import ALL_PERIODS, BenchmarkOptions
from peerbench.benchmarking.compute import compute
from peerbench.disclosure import DisclosurePolicy
from peerbench.reports import formatting as fmt
from peerbench.reports.builders.dashboard import OUTCOME_COLUMNS, measure_label
from peerbench.reports.render import find_chromium
from tests.portal.harness import NETWORK
from tests.portal.network_world import PERIOD, NetworkWorld, network_world, soup

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkWorld]:
    with network_world(tmp_path_factory.mktemp("network-pages")) as running:
        yield running


@pytest.fixture(scope="module")
def analyst(world: NetworkWorld) -> Any:
    return world.portal.sign_in("analyst")


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").replace("−", "-").strip())


def _coverage_cells(html: str) -> tuple[Any, dict[tuple[str, str], str]]:
    table = soup(html).find("table", id="coverage")
    assert table.caption and table.find_all("th", scope="col")
    shown = {
        (row["data-organisation"], cell["data-period"]): cell["data-status"]
        for row in table.tbody.find_all("tr")
        for cell in row.find_all("td", attrs={"data-period": True})
    }
    return table, shown


def _api_cells(api: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (m["organisation_id"], c["period"]): c["status"] for m in api["members"] for c in m["cells"]
    }


@pytest.mark.parametrize("quarters", [None, 40])
def test_coverage_page_matches_the_api(
    world: NetworkWorld, analyst: Any, quarters: int | None
) -> None:
    params = {} if quarters is None else {"quarters": quarters}
    page = analyst.get(f"/n/{NETWORK}", params=params)
    assert page.status_code == 200
    api = world.api(f"/v1/networks/{NETWORK}/coverage", quarters=quarters or 8)
    table, shown = _coverage_cells(page.text)
    expected = _api_cells(api)
    assert shown == expected
    # Eight by default; every quarter since the first agreement (2020-Q1) when asked.
    assert api["quarters"][0] == ("2025-Q1" if quarters is None else "2020-Q1")
    assert {s for (org, q), s in expected.items() if q == PERIOD and org in world.members} == {
        "submitted"
    }
    assert expected[("org-a", PERIOD)] == "missing"  # a member that sent nothing
    totals = {c["data-period"]: c.get_text(strip=True) for c in table.tfoot.find_all("td")[1:]}
    for total in api["totals"]:
        assert totals[total["period"]] == f"{total['submitted']} of {total['expected']}"


@pytest.fixture(scope="module")
def measure_pages(world: NetworkWorld, analyst: Any) -> dict[tuple[str, str], str]:
    """The benchmarks page of every measure in the API's result."""
    result = world.api("/v1/benchmarks")["result"]
    pages = {}
    for key in sorted({(r["instrument"], r["timepoint"]) for r in result["outcomes"]
                       if r["period"] == ALL_PERIODS}):  # fmt: skip
        page = analyst.get(f"/n/{NETWORK}/benchmarks", params={"measure": ":".join(key)})
        assert page.status_code == 200, page.text[:500]
        pages[key] = page.text
    assert len(pages) > 5
    return pages


def _page_tables(pages: dict[tuple[str, str], str]) -> dict[str, Any]:
    tables = {}
    for html in pages.values():
        found = soup(html).select("#bench-1 table")
        assert len(found) == 1, "one measure's table per page"
        tables[found[0].caption.get_text(" ", strip=True).split(". ", 1)[1]] = found[0]
    return tables


def test_the_default_measure_and_unknown_measures(
    world: NetworkWorld, analyst: Any, measure_pages: dict[tuple[str, str], str]
) -> None:
    page = soup(analyst.get(f"/n/{NETWORK}/benchmarks").text)
    chosen = page.select_one("#measure option[selected]")["value"]
    result = world.api("/v1/benchmarks")["result"]
    totals: dict[str, int] = {}
    for r in result["outcomes"]:
        if r["period"] == ALL_PERIODS and isinstance(r["n_paired"], int):
            key = f"{r['instrument']}:{r['timepoint']}"
            totals[key] = totals.get(key, 0) + r["n_paired"]
    assert totals[chosen] == max(totals.values())  # the measure with the most people
    options = [o["value"] for o in page.select("#measure option")]
    assert sorted(options) == sorted(":".join(k) for k in measure_pages)
    assert analyst.get(f"/n/{NETWORK}/benchmarks", params={"measure": "x:y"}).status_code == 404


def _rows(table: Any) -> dict[str, list[Any]]:
    headers = [th.get_text(strip=True) for th in table.thead.find_all("th")]
    assert headers == list(OUTCOME_COLUMNS)
    return {tr.th.get_text(strip=True): tr.find_all("td") for tr in table.tbody.find_all("tr")}


def _caption(instrument: str, timepoint: str) -> str:
    return f"{measure_label(instrument, timepoint)}: each service"


def test_benchmark_tables_match_the_api(
    world: NetworkWorld, measure_pages: dict[tuple[str, str], str]
) -> None:
    tables = _page_tables(measure_pages)
    result = world.api("/v1/benchmarks")["result"]
    names = {s["service_id"]: s["name"] or s["service_id"] for s in result["services"]}
    rows = [r for r in result["outcomes"] if r["period"] == ALL_PERIODS]
    compared = hidden = 0
    for row in rows:
        cells = _rows(tables[_caption(row["instrument"], row["timepoint"])])[
            names[row["service_id"]]
        ]
        for index, field, scale, digits in (
            (0, "n_paired", 1, 0),
            (1, "coverage", 100, 0),
            (2, "mean_change", 1, 2),
            (4, "hedges_g", 1, 2),
            (5, "share_improved", 100, 0),
        ):
            cell = cells[index]
            if field in row["suppressed"]:
                hidden += 1
                assert "suppressed" in cell.get("class", []), (field, cell)
                assert cell.get_text(strip=True).startswith("suppressed")
            elif row[field] is not None:
                compared += 1
                shown = _number(cell.get_text())
                assert shown == pytest.approx(row[field] * scale, abs=0.5 * 10**-digits), field
    assert compared > 20 and hidden > 0  # the pool has both shown and withheld values


def test_suppressed_values_never_reach_the_page(
    world: NetworkWorld, measure_pages: dict[tuple[str, str], str]
) -> None:
    """Each withheld cell shows the suppression words; the raw figure is nowhere in it."""
    tables = _page_tables(measure_pages)
    result = world.api("/v1/benchmarks")["result"]
    scope = world.api("/v1/benchmarks")["scope"]["organisations"]
    ctx = world.portal.context
    with ctx.db.session() as session:
        paths = {
            rt: ctx.store.current_paths(session, rt, scope)
            for rt in ("service", "participant", "engagement", "outcome")
        }
    min_n = world.portal.settings.min_cell_count
    options = BenchmarkOptions(min_n=min_n, disclosure_policy=DisclosurePolicy(min_n=min_n))
    raw = {
        (r["service_id"], r["instrument"], r["timepoint"]): r
        for r in compute(BenchmarkSource(paths), options).to_dict()["outcomes"]
        if r["period"] == ALL_PERIODS
    }
    names = {s["service_id"]: s["name"] or s["service_id"] for s in result["services"]}
    checked = 0
    for row in (r for r in result["outcomes"] if r["period"] == ALL_PERIODS):
        cells = _rows(tables[_caption(row["instrument"], row["timepoint"])])[
            names[row["service_id"]]
        ]
        secret = raw[(row["service_id"], row["instrument"], row["timepoint"])]
        for index, field, digits in ((0, "n_paired", 0), (2, "mean_change", 2), (4, "hedges_g", 2)):
            if field in row["suppressed"] and secret[field] is not None:
                checked += 1
                assert fmt.number(secret[field], digits) not in cells[index].get_text()
                assert "suppressed" in cells[index].get("class", [])
    assert checked > 0


def test_charts_are_the_report_charts_with_text_alternatives(
    world: NetworkWorld, measure_pages: dict[tuple[str, str], str]
) -> None:
    parsed = [soup(html) for html in measure_pages.values()]
    figures = [f for page in parsed for f in page.find_all("figure", class_="chart-figure")]
    assert figures, "no forest or funnel plot on the page"
    titles = [f.figcaption.get_text(" ", strip=True) for f in figures]
    forests = [f for f, t in zip(figures, titles, strict=True)
               if "each service, and all services together" in t]  # fmt: skip
    assert forests
    # Funnels: drawn where enough services are on a comparison, else said so with the
    # same k as /v1/benchmarks/funnel (synthetic members spread measures thinly).
    funnels = [f for f in world.api("/v1/benchmarks/funnel")["funnels"] if f["period"] == "all"]
    notes = " ".join(a.get_text(" ", strip=True) for page in parsed for a in page.find_all("aside"))
    assert funnels
    for funnel in funnels:
        if "too-few-services" in funnel["suppressed"].values():
            assert f"only {funnel['k']} services are on this comparison" in notes
    drawn = [t for t in titles if "compared with the pooled result" in t]
    assert len(drawn) == sum(
        "too-few-services" not in f["suppressed"].values() and f["target"] is not None
        for f in funnels
    )
    for figure in figures:
        svg = figure.find("svg")
        assert svg is not None and svg.find("title") is not None and svg.get("role") == "img"
        assert figure.find("details").find("table") is not None  # the numbers behind it
    for page in parsed:
        for table in page.find_all("table"):
            assert table.caption is not None, table
            assert table.find("th", scope="col") is not None
        assert len(page.find_all("h1")) == 1
    # The report's forest plot of the same pool carries the same SVG.
    report = soup(world.portal.api.get(
        "/v1/reports/network", headers=world.portal.auth("analyst")).text)  # fmt: skip
    report_svgs = {str(s.find("title")) for s in report.find_all("svg")}
    assert {str(f.find("svg").find("title")) for f in forests} <= report_svgs


def _section(html: str, title: str) -> list[str]:
    for heading in soup(html).find_all(["h2"]):
        if heading.get_text(strip=True) == title:
            section = heading.find_parent("section")
            return [t.get_text(" ", strip=True) for t in section.find_all("table")]
    raise AssertionError(f"no section {title!r}")


def test_what_works_is_the_network_reports_comparison(world: NetworkWorld, analyst: Any) -> None:
    page = analyst.get(f"/n/{NETWORK}/what-works")
    assert page.status_code == 200
    assert "not experiments" in page.text  # the honesty note
    report = world.portal.api.get("/v1/reports/network", headers=world.portal.auth("analyst"))
    shown = _section(page.text, "What works for whom")
    assert shown and shown == _section(report.text, "What works for whom")
    assert "Do the groups really differ?" in page.text
    # Every other measure with a pooled effect can be chosen; its groups' service counts
    # are the API's subgroup rows.
    options = [o["value"] for o in soup(page.text).select("#measure option")]
    assert len(options) > 1
    for option in options[1:]:
        other = analyst.get(f"/n/{NETWORK}/what-works", params={"measure": option})
        assert other.status_code == 200
        instrument, timepoint = option.split(":")
        meta = world.api(
            "/v1/benchmarks/meta-analysis", instrument=instrument, timepoint=timepoint,
            by="facilitator_model",
        )  # fmt: skip
        levels = [s for s in meta["subgroups"] if s["period"] == ALL_PERIODS]
        table = soup(other.text).select("#ww-1 table")[0]
        counts = {
            tr.th.get_text(strip=True): int(tr.find_all("td")[0].get_text(strip=True))
            for tr in table.tbody.find_all("tr")
            if tr.th.get_text(strip=True).startswith("Who runs the support")
        }
        assert sorted(counts.values()) == sorted(s["k"] for s in levels)
    missing = analyst.get(f"/n/{NETWORK}/what-works", params={"measure": "x:y"})
    assert missing.status_code == 404


def test_reports_page_and_downloads(world: NetworkWorld, analyst: Any) -> None:
    listing = analyst.get(f"/n/{NETWORK}/reports")
    assert listing.status_code == 200
    for kind in ("network", "commissioner", "quality"):
        assert f"/n/{NETWORK}/reports/{kind}?download=true" in listing.text
    api = world.portal.api.get("/v1/reports/network", headers=world.portal.auth("analyst"))
    read = analyst.get(f"/n/{NETWORK}/reports/network")
    assert read.status_code == 200 and read.text == api.text
    saved = analyst.get(f"/n/{NETWORK}/reports/network", params={"download": "true"})
    assert saved.headers["content-disposition"] == f'attachment; filename="{NETWORK}-network.html"'
    pdf = analyst.get(f"/n/{NETWORK}/reports/commissioner", params={"format": "pdf"})
    if find_chromium() is None:
        assert "PDF copies are not available" in listing.text
        assert pdf.status_code == 404 and "Chromium is not installed" in pdf.text
    else:
        assert "PDF copies are not available" not in listing.text
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"


def test_every_read_is_audited_with_its_scope(world: NetworkWorld, analyst: Any) -> None:
    from sqlalchemy import select

    from peerbench.server.db.models import AuditEvent

    analyst.get(f"/n/{NETWORK}/benchmarks")
    world.portal.context.flush_reads()  # page reads are committed in batches
    with world.portal.context.db.session() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "benchmark.read", AuditEvent.target == "portal/benchmarks")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None and event.actor == world.portal.users["analyst"]
        scoped = world.api("/v1/benchmarks")["scope"]["organisations"]
        assert event.details["organisations"] == scoped
        assert event.details["via"] == "portal"


def test_no_data_yet(portal_sqlite: Any) -> None:
    client = portal_sqlite.sign_in("analyst")
    for path in ("benchmarks", "what-works", "reports/network"):
        page = client.get(f"/n/{NETWORK}/{path}")
        assert page.status_code == 200 and "no data from this network" in page.text
    home = soup(client.get(f"/n/{NETWORK}").text)
    assert {c["data-status"] for c in home.select("td[data-status]")} <= {"missing", "not_due"}
