"""The committed reference reports: regenerated and compared structurally, read as a
reader would (DOM), and opened in a real browser.

Regenerating takes about half a minute (the reference dataset is 30,000 outcome rows), so
it runs once per module. If a deliberate change alters the reports, run
``make reference-reports`` and commit the result.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from peerbench.reports.builders.quotes import quotable
from peerbench.reports.render import find_chromium, print_pdf
from peerbench.synth import SynthConfig, generate
from scripts.reference_reports import regenerate

COMMITTED = Path(__file__).resolve().parents[2] / "reference_reports"
NAMES = sorted(p.stem for p in COMMITTED.glob("*.html"))
PUBLIC = [n for n in NAMES if n in {"network", "commissioner"}]
VOLATILE = {"generated_on", "version"}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference_reports")
    regenerate(out)
    return out


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _structure(soup: BeautifulSoup) -> dict[str, Any]:
    """What must not drift: headings, figures, and the shape of every table."""
    tables = []
    for table in soup.find_all("table"):
        header = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        body = table.select("tbody tr")
        tables.append((tuple(header), len(body)))
    return {
        "headings": [h.get_text(" ", strip=True) for h in soup.find_all(["h1", "h2"])],
        "figures": [c.get_text(" ", strip=True) for c in soup.select("figure figcaption")],
        "tables": tables,
        "key_figures": [p.get_text(" ", strip=True) for p in soup.select(".key-figure .label")],
    }


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_the_expected_reports_are_committed() -> None:
    assert "network" in NAMES and "commissioner" in NAMES and "quality" in NAMES
    assert len([n for n in NAMES if n.startswith("service-")]) == 2
    assert (COMMITTED / "README.md").is_file()
    for name in NAMES:
        assert (COMMITTED / f"{name}.figures.json").is_file()


def test_regenerated_reports_match_the_committed_ones(regenerated: Path) -> None:
    assert sorted(p.stem for p in regenerated.glob("*.html")) == NAMES
    for name in NAMES:
        assert _structure(_soup(regenerated / f"{name}.html")) == _structure(
            _soup(COMMITTED / f"{name}.html")
        ), name


def test_regenerated_key_figures_match_the_committed_ones(regenerated: Path) -> None:
    for name in NAMES:
        new = json.loads((regenerated / f"{name}.figures.json").read_text(encoding="utf-8"))
        old = json.loads((COMMITTED / f"{name}.figures.json").read_text(encoding="utf-8"))
        assert _strip(new) == _strip(old), name


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_has_an_accessible_name_and_a_data_table(name: str) -> None:
    soup = _soup(COMMITTED / f"{name}.html")
    for figure in soup.select("figure.chart-figure"):
        caption = soup.find(id=figure["aria-labelledby"])
        assert isinstance(caption, Tag) and caption.get_text(strip=True)
        svg = figure.find("svg")
        assert isinstance(svg, Tag) and svg.get("role") == "img"
        title = soup.find(id=str(svg.get("aria-labelledby")))
        assert isinstance(title, Tag) and len(title.get_text(strip=True)) > 20
        table = figure.select_one("details table")
        assert table is not None and table.select("tbody tr")
        assert figure.select_one("p.meaning")


def _people_numbers(soup: BeautifulSoup) -> list[str]:
    """Every number shown as a count of people: key figures and "People" table columns."""
    found = [
        v.get_text(" ", strip=True)
        for v in soup.select(".key-figure .value")
        if "people" in v.get_text()
    ]
    for table in soup.find_all("table"):
        header = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        columns = [i for i, h in enumerate(header) if "people" in h.lower()]
        for row in table.select("tbody tr"):
            cells = row.find_all(["th", "td"])
            found += [cells[i].get_text(strip=True) for i in columns if i < len(cells)]
    return found


@pytest.mark.parametrize("name", PUBLIC)
def test_no_small_count_of_people_is_visible_in_public_reports(name: str) -> None:
    numbers = _people_numbers(_soup(COMMITTED / f"{name}.html"))
    assert numbers
    for text in numbers:
        match = re.match(r"^([\d,]+)( people)?$", text)
        if match:
            assert not 1 <= int(match.group(1).replace(",", "")) <= 7, (name, text)


def _text(tag: Tag | None) -> str:
    assert tag is not None
    return tag.get_text(" ", strip=True)


def test_commissioner_summary_states_assumptions_next_to_every_pound() -> None:
    soup = _soup(COMMITTED / "commissioner.html")
    cards = [c for c in soup.select(".key-figure") if "£" in _text(c.select_one(".value"))]
    assert len(cards) == 2
    for card in cards:
        meaning = _text(card.select_one(".meaning"))
        assert "assumes" in meaning and "chance" in meaning and "prices" in meaning
    rows = [r for t in soup.select(".table-block table") for r in t.select("tbody tr")]
    assert rows
    for row in rows:
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
        if any("£" in c for c in cells[1:3]):
            assert "prices" in cells[-1] and "peer support" in cells[-1]


def test_quotes_come_only_from_released_consented_feedback() -> None:
    feedback = generate(SynthConfig.reference()).tables["feedback"]
    allowed = set(quotable(feedback)["free_text"].to_pylist())
    for name in NAMES:
        for quote in _soup(COMMITTED / f"{name}.html").select("blockquote.quote p:first-child"):
            assert quote.get_text(strip=True).strip("“”") in allowed, name


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
@pytest.mark.parametrize("name", NAMES)
def test_reference_report_renders_in_chromium(name: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    path = COMMITTED / f"{name}.html"
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(path.as_uri(), wait_until="load")
            svgs = page.locator("figure.chart-figure svg")
            assert svgs.count() == len(_soup(path).select("figure.chart-figure"))
            for index in range(svgs.count()):
                box = svgs.nth(index).bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 40
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert overflow is False
            shot = tmp_path / f"{name}.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("PEERBENCH_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_commissioner_summary_prints_on_two_pages_and_its_panels_on_a_third(
    tmp_path: Path,
) -> None:
    """The case and the value keep their two A4 pages; the access and workforce panels
    (issue 16) start a third page of their own."""

    def pages(html: str, name: str) -> int:
        page = tmp_path / f"{name}.html"
        page.write_text(html, encoding="utf-8")
        pdf = tmp_path / f"{name}.pdf"
        assert print_pdf(page, pdf)
        return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))

    html = (COMMITTED / "commissioner.html").read_text(encoding="utf-8")
    panels = re.compile(
        r'<section id="[^"]+" aria-labelledby="[^"]+">\s*<h2 id="[^"]+">'
        r"(How quickly people are seen|How well peer workers are supported)</h2>.*?</section>",
        re.S,
    )
    assert len(panels.findall(html)) == 2
    assert 1 <= pages(panels.sub("", html), "without-panels") <= 2
    assert pages(html, "whole") == 3


def test_reference_reports_have_a_fixed_production_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never today's date, so regenerating gives the same files; an env var can set it."""
    from scripts.reference_reports import PRODUCED_ON, produced_on_default

    monkeypatch.delenv("PEERBENCH_PRODUCED_ON", raising=False)
    assert produced_on_default() == PRODUCED_ON
    monkeypatch.setenv("PEERBENCH_PRODUCED_ON", "2027-02-03")
    assert produced_on_default().isoformat() == "2027-02-03"
