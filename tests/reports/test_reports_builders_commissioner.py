"""The commissioner summary states the base of every figure, and when it was produced."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from peerbench.benchmarking import controlled
from peerbench.reports.builders import build, load_report_data
from peerbench.reports.builders.commissioner import SERVICE_USE, WELLBY, base_text
from peerbench.reports.builders.select import economics
from peerbench.reports.content import KeyFigure, Report, Table
from peerbench.reports.render import render_html
from peerbench.reports.suppression import SuppressedValue
from tests.reports.test_reports_builders_data import small_data, small_folder

PRODUCED = dt.date(2027, 1, 15)
BASE = re.compile(r"Rests on ([\d,]+) people \((\d+)% of the ([\d,]+) people supported\)")


@pytest.fixture(scope="module")
def summary() -> Report:
    return build(dataclasses.replace(small_data(), produced_on=PRODUCED), "commissioner")


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_base_text_in_words() -> None:
    who = "who answered the same questions at the start and 6 months after starting"
    assert base_text(430, 3475, who) == (
        f"Rests on 430 people (12% of the 3,475 people supported), those {who}."
    )
    assert base_text(SuppressedValue("small-count"), 3475, who).startswith(
        "Rests on too few people to show how many"
    )
    assert base_text(430, SuppressedValue("small-count"), who).startswith("Rests on 430 people,")


def test_every_pound_and_share_states_its_base(summary: Report) -> None:
    public = controlled(small_data().raw, small_data().policy)
    figures = {b.label: b for b in summary.blocks() if isinstance(b, KeyFigure)}
    supported = _number(figures["People supported"].value_text.split()[0])
    expected = {
        "Value of the wellbeing gained": economics(public, *WELLBY),
        "NHS costs avoided": economics(public, *SERVICE_USE),
    }
    checked = 0
    for label, figure in figures.items():
        if label == "People supported":
            continue
        row = expected.get(label.replace(" (not yet certain)", ""))
        if row is not None and row.n is None:  # hidden count: its base is not given either
            assert figure.what_it_means.startswith("Rests on too few people to show how many")
            continue
        found = BASE.search(figure.what_it_means)
        assert found, (label, figure.what_it_means)
        n, share, total = _number(found[1]), int(found[2]), _number(found[3])
        assert total == supported
        assert share == round(100 * n / supported)
        if row is not None:
            assert n == row.n  # the published (rounded) count behind the £ figure
            assert n < supported  # a base smaller than everyone supported, said in words
        checked += 1
    assert checked >= 2
    table = next(b for b in summary.blocks() if isinstance(b, Table))
    for cells in table.rows:
        if "£" in str(cells[1]):
            assert BASE.search(str(cells[-1])), cells


def test_data_up_to_and_produced_on_are_distinct(summary: Report) -> None:
    assert summary.data_up_to == "30 September 2026"
    assert summary.generated_on == "15 January 2027"
    html = render_html(summary)
    assert "Data up to:</dt><dd>30 September 2026" in html
    assert "Produced on:</dt><dd>15 January 2027" in html


def test_the_production_date_is_injected_when_loading() -> None:
    data = load_report_data(small_folder(), produced_on=PRODUCED)
    assert (data.as_of, data.produced_on) == (dt.date(2026, 9, 30), PRODUCED)
    for kind in ("network", "quality"):
        report = build(data, kind)
        assert (report.data_up_to, report.generated_on) == ("30 September 2026", "15 January 2027")
