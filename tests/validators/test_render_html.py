"""The HTML report: self-contained, structured, one table row per finding, escaped."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from peerbench.validators.render_html import render_html
from peerbench.validators.report import FileSummary, Report


def _report(max_findings: int = 100) -> Report:
    report = Report(max_findings=max_findings)
    outcomes = FileSummary("outcomes.csv", "outcome", "csv", rows=120)
    participants = FileSummary("participants.csv", "participant", "csv", rows=30)
    report.files += [outcomes, participants]
    report.add(
        "code-invalid",
        file="outcomes.csv",
        rows=[4, 9],
        column="timepoint",
        values=["<script>alert(1)</script>", "x"],
        summary=outcomes,
    )
    report.add(
        "out-of-range",
        file="participants.csv",
        rows=[7],
        column="deprivation_decile",
        values=["11"],
        detail="1 to 10",
        summary=participants,
    )
    report.add("column-unknown", file="participants.csv", column="notes", summary=participants)
    return report


def _soup(report: Report) -> BeautifulSoup:
    return BeautifulSoup(render_html(report), "html.parser")


def _tag(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select_one(selector)
    assert found is not None, selector
    return found


def test_title_and_headings() -> None:
    soup = _soup(_report())
    assert soup.title is not None and soup.title.string == "Data check report: not valid"
    assert _tag(soup, "h1").get_text() == "Data check report"
    assert _tag(soup, "html").get("lang") == "en"


def test_summary_says_not_valid_in_words() -> None:
    summary = _tag(_soup(_report()), "#summary")
    assert "invalid" in (summary.get("class") or [])
    assert "Not valid." in summary.get_text()
    assert "3 errors must be fixed" in summary.get_text()
    files = [[td.get_text() for td in row.find_all("td")] for row in summary.select("tbody tr")]
    assert files == [
        ["outcomes.csv", "outcome", "120", "2", "0"],
        ["participants.csv", "participant", "30", "1", "1"],
    ]


def test_summary_valid() -> None:
    report = Report()
    report.files.append(FileSummary("services.csv", "service", "csv", rows=4))
    soup = _soup(report)
    summary = _tag(soup, "#summary")
    assert "valid" in (summary.get("class") or [])
    assert "Valid." in summary.get_text()
    assert soup.select("tr.finding") == []


def test_a_table_per_file_and_a_row_per_finding() -> None:
    soup = _soup(_report())
    sections = soup.select("section.file")
    assert [_tag(s, "h2").get_text() for s in sections] == [
        "Problems in outcomes.csv",
        "Problems in participants.csv",
    ]
    rows = soup.select("tr.finding")
    assert len(rows) == 4
    headers = [th.get_text() for th in _tag(sections[0], "thead").find_all("th")]
    assert headers == ["Row", "Column", "Value", "Kind", "What's wrong", "How to fix"]
    first = [td.get_text() for td in rows[0].find_all("td")]
    assert first[0] == "4" and first[1] == "timepoint" and first[3] == "Error"
    assert first[2] == "<script>alert(1)</script>"  # shown as text, never as markup
    assert first[5].startswith("Use a code from the list")
    assert [r.get("data-code") for r in rows] == [
        "code-invalid",
        "code-invalid",
        "column-unknown",
        "out-of-range",
    ]


def test_counts_per_code() -> None:
    table = _tag(_soup(_report()), "#counts table")
    counts = {
        cells[1].get_text(): cells[3].get_text()
        for cells in (row.find_all("td") for row in table.select("tbody tr"))
    }
    assert counts == {"code-invalid": "2", "out-of-range": "1", "column-unknown": "1"}


def test_truncation_note() -> None:
    soup = _soup(_report(max_findings=1))
    assert len(soup.select("tr.finding")) == 1
    assert "… and 3 more not listed" in _tag(soup, "p.more").get_text()


def test_self_contained_and_printable() -> None:
    html = render_html(_report())
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    assert soup.find("link") is None
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert "url(" not in html
    style = _tag(soup, "style").get_text()
    assert "@media print" in style and "size: A4" in style


PROFILE = {
    "score": {
        "overall": 81.5,
        "completeness": 92.25,
        "validity": 97.0,
        "follow_up_coverage": None,
        "weights": {"completeness": 0.4, "validity": 0.4, "follow_up_coverage": 0.2},
    },
    "item_missing_percent": 3.5,
    "sample": {"rows": 100_000, "seed": 0, "sampled": False},
    "record_types": {
        "participant": {
            "rows": 30,
            "rows_profiled": 30,
            "completeness": 92.25,
            "validity": 97.0,
            "expectations": [
                {"column": "sex", "check": "required", "success": True, "failed": 0, "checked": 30},
                {
                    "column": "age_band",
                    "check": "code",
                    "success": False,
                    "failed": 2,
                    "checked": 30,
                },
            ],
        }
    },
}


def test_quality_profile_in_words() -> None:
    report = _report()
    report.extras["quality"] = PROFILE
    section = _tag(_soup(report), "#quality")
    tables = {_tag(t, "caption").get_text(): t for t in section.find_all("table")}
    assert list(tables) == ["Scores", "By record type", "Checks that did not pass"]
    scores = [
        [td.get_text() for td in tr.find_all("td")] for tr in tables["Scores"].select("tbody tr")
    ]
    assert scores[0] == ["Overall score", "81.5 out of 100"]
    assert scores[3][1] == "not assessed"
    failing = [
        [td.get_text() for td in tr.find_all("td")]
        for tr in tables["Checks that did not pass"].select("tbody tr")
    ]
    assert failing == [["participant", "age_band", "code", "2", "30"]]


def test_quality_section_of_unknown_shape_shown_generically() -> None:
    report = _report()
    report.extras["quality"] = {
        "completeness": {"age_band": 0.95, "sex": 1.0},
        "columns": [{"column": "age_band", "filled": 19, "distinct": 5}],
        "note": "Most fields are filled in.",
    }
    section = _tag(_soup(report), "#quality")
    assert _tag(section, "h2").get_text() == "Data quality"
    assert [h.get_text() for h in section.find_all("h3")] == ["Completeness", "Columns", "Note"]
    assert "age_band" in section.get_text() and "Most fields are filled in." in section.get_text()


def test_no_quality_section_without_profile() -> None:
    assert _soup(_report()).select("#quality") == []


def test_notes_are_said_in_a_valid_summary_and_counted_when_capped() -> None:
    report = Report(max_findings=1)
    summary = FileSummary("feedback.csv", "feedback", "csv")
    report.files.append(summary)
    for _ in range(2):
        report.add("record-type-empty", file="feedback.csv", detail="x", summary=summary)
    soup = _soup(report)
    text = " ".join(_tag(soup, "#summary").get_text().split())
    assert "2 notes on how the data was read; nothing to fix." in text
    assert [row.get("class") for row in soup.select("tr.finding")] == [["finding", "note"]]
    assert "… and 1 more not listed" in _tag(soup, "p.more").get_text()
