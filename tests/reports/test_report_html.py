"""The rendered report, checked by parsing its DOM: structure, accessibility, self-containment."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any, get_args

import pytest
from bs4 import BeautifulSoup, Tag

from peerbench.reports.content import (
    Callout,
    Figure,
    KeyFigure,
    Quote,
    Report,
    ReportKind,
    Section,
    Table,
)
from peerbench.reports.render import render_html, split_value, write_report

SMALL = {"value": None, "suppressed": "small-count"}


def tags(soup: BeautifulSoup | Tag, selector: str) -> list[Tag]:
    return [t for t in soup.select(selector) if isinstance(t, Tag)]


def test_sample_has_every_block_type(report: Report) -> None:
    kinds = {type(block) for block in report.blocks()}
    assert kinds == {KeyFigure, Figure, Table, Quote, Callout}


def test_headings_are_in_order(soup: BeautifulSoup, report: Report) -> None:
    headings = tags(soup, "h1, h2, h3, h4, h5, h6")
    levels = [int(h.name[1]) for h in headings]
    assert levels[0] == 1
    assert levels.count(1) == 1
    for before, after in pairwise(levels):
        assert after <= before + 1, "a heading level is skipped"
    h2 = [h.get_text(strip=True) for h in tags(soup, "main section > h2")]
    assert h2[: len(report.sections)] == [s.title for s in report.sections]
    assert h2[len(report.sections) :] == [
        "Why some numbers are hidden",
        "How we worked this out",
        "Notes",
    ]


def test_every_figure_has_a_name_alt_text_and_data_table(
    soup: BeautifulSoup, report: Report
) -> None:
    figures = [b for b in report.blocks() if isinstance(b, Figure)]
    rendered = tags(soup, "figure.chart-figure")
    assert len(rendered) == len(figures) == 6
    for number, (figure, block) in enumerate(zip(rendered, figures, strict=True), start=1):
        caption = soup.find(id=str(figure["aria-labelledby"]))
        assert isinstance(caption, Tag)
        assert caption.get_text(" ", strip=True) == f"Figure {number}. {block.chart.title}"
        svg = figure.find("svg")
        assert isinstance(svg, Tag)
        assert svg["role"] == "img"
        title = soup.find(id=str(svg["aria-labelledby"]))
        assert isinstance(title, Tag)
        assert title.name == "title"
        assert title.get_text() == block.chart.alt
        table = figure.select_one("details table")
        assert table is not None
        assert len(tags(table, "tbody tr")) == len(block.chart.data)
        assert [th.get_text() for th in tags(table, "thead th")] == block.chart.columns
        meaning = figure.select_one("p.meaning")
        assert meaning is not None
        assert block.what_it_means in meaning.get_text()


def test_what_this_means_under_every_number(soup: BeautifulSoup, report: Report) -> None:
    key_figures = tags(soup, ".key-figure")
    assert len(key_figures) == sum(isinstance(b, KeyFigure) for b in report.blocks())
    for card in [*key_figures, *tags(soup, ".table-block"), *tags(soup, "figure.chart-figure")]:
        meaning = card.select_one("p.meaning")
        assert meaning is not None
        assert meaning.get_text(strip=True).startswith("What this means:")
        assert len(meaning.get_text(strip=True)) > len("What this means:") + 5


def test_self_contained(report_html: str, soup: BeautifulSoup) -> None:
    assert "<script" not in report_html.lower()
    assert not tags(soup, "link, iframe, object, embed, img")
    for tag in soup.find_all(True):
        assert isinstance(tag, Tag)
        for attr in ("src", "href", "xlink:href", "action", "data"):
            value = str(tag.get(attr, ""))
            assert not re.match(r"\s*(https?:)?//", value), f"{tag.name} {attr}={value}"
    style = " ".join(t.get_text() for t in tags(soup, "style"))
    assert "@import" not in style
    assert "url(" not in style
    assert not tags(soup, "[style*='url(']")


def test_print_stylesheet(soup: BeautifulSoup) -> None:
    style = tags(soup, "style")[0].get_text()
    assert "@page { size: A4; margin: 15mm; }" in style
    assert re.search(r"figure[^{]*\{[^}]*break-inside: avoid", style)


def test_suppressed_cells_are_marked_and_explained(soup: BeautifulSoup) -> None:
    cells = tags(soup, "td.suppressed, th.suppressed")
    assert cells
    reasons = Counter(str(c["data-suppressed"]) for c in cells)
    assert set(reasons) == {"small-count", "below-min-n"}
    for cell in cells:
        assert cell.get_text(strip=True).startswith("suppressed (fewer than ")
    card = soup.select_one(".key-figure.is-suppressed .value")
    assert card is not None
    assert card.get_text(strip=True) == "suppressed (fewer than 8 people)"
    legend = soup.select_one("#hidden-numbers")
    assert legend is not None
    terms = [dt.get_text(strip=True) for dt in tags(legend, "dt")]
    assert terms == ["suppressed (fewer than 8 people)", "suppressed (fewer than 10 people)"]
    assert "Counts of 1 to 7 people are not shown" in legend.get_text()


def test_no_legend_without_suppression() -> None:
    report = Report(kind="network", title="T", sections=[Section("S", blocks=[Quote("q")])])
    soup = BeautifulSoup(render_html(report), "html.parser")
    assert soup.select_one("#hidden-numbers") is None


def test_ids_are_unique(soup: BeautifulSoup) -> None:
    ids = Counter(str(t["id"]) for t in soup.find_all(id=True) if isinstance(t, Tag))
    assert [i for i, n in ids.items() if n > 1] == []


def test_contents_links_resolve(soup: BeautifulSoup) -> None:
    links = tags(soup, "nav.contents a")
    assert len(links) == 4
    for link in links:
        assert soup.find(id=str(link["href"]).lstrip("#")) is not None


def test_text_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    report = Report(
        kind="service",
        title=evil,
        generated_for=evil,
        sections=[
            Section(
                evil,
                intro=evil,
                blocks=[
                    KeyFigure(evil, evil, evil),
                    Table([evil, "n"], [[evil, 3]], caption=evil, what_it_means=evil),
                    Quote(evil, [evil]),
                    Callout(evil, "caution"),
                ],
            )
        ],
        assumptions=[evil],
        notes=[evil],
    )
    html = render_html(report)
    assert "<script" not in html
    assert html.count("&lt;script&gt;") >= 10


def test_output_is_deterministic(report: Report, report_html: str) -> None:
    assert render_html(report) == report_html
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", report_html)


def test_generated_on_is_printed_when_given() -> None:
    report = Report(kind="quality", title="T", generated_on="1 May 2025")
    soup = BeautifulSoup(render_html(report), "html.parser")
    meta = soup.select_one(".meta")
    assert meta is not None
    assert "Produced on: 1 May 2025" in meta.get_text(" ", strip=True)
    assert "Data up to" not in meta.get_text(" ", strip=True)


def test_data_up_to_is_printed_apart_from_the_production_date() -> None:
    report = Report(
        kind="commissioner", title="T", generated_on="1 May 2025", data_up_to="31 March 2025"
    )
    meta = BeautifulSoup(render_html(report), "html.parser").select_one(".meta")
    assert meta is not None
    text = meta.get_text(" ", strip=True)
    assert "Data up to: 31 March 2025" in text and "Produced on: 1 May 2025" in text


@pytest.mark.parametrize("kind", get_args(ReportKind))
def test_every_kind_renders(kind: ReportKind) -> None:
    report = Report(
        kind=kind,
        title="Title",
        sections=[Section("Only", blocks=[KeyFigure("People", "12 people", "A few.")])],
    )
    soup = BeautifulSoup(render_html(report), "html.parser")
    body = soup.find("body")
    assert isinstance(body, Tag)
    assert f"report-{kind}" in body["class"]
    kicker = soup.select_one(".kicker")
    assert kicker is not None
    assert kicker.get_text(strip=True)
    assert soup.select_one(".lede") is not None


def test_tables_number_right_aligned_and_rows_checked() -> None:
    table = Table(["Service", "People"], [["A", 1234], ["B", SMALL]], "c", "m")
    report = Report(kind="network", title="T", sections=[Section("S", blocks=[table])])
    soup = BeautifulSoup(render_html(report), "html.parser")
    cells = tags(soup, "tbody td")
    assert cells[0].get_text() == "1,234"
    assert "num" in cells[0]["class"]
    assert "suppressed" in cells[1]["class"]
    with pytest.raises(ValueError, match="row 0 has 1 cells"):
        Table(["a", "b"], [["x"]], "c", "m")


def test_key_figure_value_is_split_into_headline_and_detail() -> None:
    assert split_value("52% (95% CI 47% to 57%)") == ("52%", "(95% CI 47% to 57%)")
    assert split_value("1,234 people") == ("1,234 people", "")


def test_write_report(tmp_path: Path, report: Report, report_html: str) -> None:
    path = write_report(report, tmp_path / "out")
    assert path.name == "service-hillside-peer-support-outcomes-april-2024-to-march-2025.html"
    assert path.read_text(encoding="utf-8") == report_html
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left behind


def test_a_render_compiles_no_template_that_was_preloaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages are compiled once per wording (a new environment per render compiled each
    page again), and :func:`preload_templates` leaves nothing for the first render."""
    import jinja2

    from peerbench.reports import render

    render._environment.cache_clear()
    render.preload_templates()
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: Any = None, *a: Any, **k: Any) -> Any:
        compiled.append(str(name))
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    render_html(Report(kind="network", title="T", sections=[]))
    render_html(Report(kind="service", title="T", sections=[]))
    assert compiled == []
