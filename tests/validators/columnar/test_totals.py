"""Typed totals: a sum of the answered items is a note; every mismatch names its numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from peerbench.schema.instruments import default_registry
from peerbench.schema.instruments.registry import InstrumentRegistry
from peerbench.validators.catalogue import Severity
from peerbench.validators.columnar import compiled
from peerbench.validators.columnar.totals import Totals, number
from peerbench.validators.report import Report
from tests.validators.columnar.tables import run, text_table, unique_keys, valid_row

# Nine 4s and four 5s: 56 over 13 answered items of WEMWBS (14 items, 3 may be blank).
WEMWBS_13 = [4] * 9 + [5] * 4 + [None]


@pytest.fixture(autouse=True, params=["numpy", "compiled"])
def row_summaries(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs on both ways of summarising item rows (NumPy and compiled)."""
    if request.param == "compiled":
        monkeypatch.setattr(compiled, "COMPILED_MIN_ROWS", 0)


def outcome(instrument: str, items: list[Any], total: str) -> dict[str, Any]:
    row = valid_row("outcome", instrument=instrument, items=None, total_score=total)
    row.pop("items", None)
    for i, value in enumerate(items, start=1):
        row[f"item_{i}"] = None if value is None else str(value)
    return row


def report_of(*rows: dict[str, Any]) -> Report:
    return run(text_table(unique_keys(list(rows), "record_id")), "outcome")


def test_sum_of_answered_items_is_a_note_naming_both_numbers() -> None:
    report = report_of(outcome("WEMWBS", WEMWBS_13, "56"))
    assert report.flatten() == [(2, "total_score", "total-answered-sum")]
    assert report.valid and report.errors == 0 and report.warnings == 0 and report.notes == 1
    (finding,) = report.findings
    assert finding.severity is Severity.NOTE
    assert finding.message == (
        "total_score 56 is the sum of the 13 answered items; the standard scores this "
        "form as 60.31 (pro-rated: 56 × 14/13)."
    )


@pytest.mark.parametrize("total", ["60", "60.31", "60.5"])
def test_the_pro_rated_score_itself_needs_no_note(total: str) -> None:
    assert report_of(outcome("WEMWBS", WEMWBS_13, total)).flatten() == []


def test_a_wrong_total_with_a_blank_item_names_the_sum_and_the_pro_rated_score() -> None:
    report = report_of(outcome("WEMWBS", WEMWBS_13, "59"))
    assert report.flatten() == [(2, "total_score", "total-mismatch")]
    assert report.findings[0].message == (
        "total_score is 59 but the 13 answered items add up to 56, and the standard scores "
        "the form as 60.31 (pro-rated: 56 × 14/13)."
    )


def test_complete_answers_typed_as_their_sum_are_fine_and_a_wrong_sum_is_named() -> None:
    assert report_of(outcome("WEMWBS", [4] * 14, "56")).flatten() == []
    report = report_of(outcome("PHQ9", [1] * 9, "10"))
    assert report.findings[0].message == "total_score is 10 but the answers add up to 9."


def test_no_note_where_the_answered_sum_is_the_score() -> None:
    # All answered items 0 on a 0-based sum would pro-rate to the same 0; WEMWBS starts
    # at 1, so use a custom copy of GAD7 that allows one blank.
    registry = InstrumentRegistry()  # a fresh one: the default registry is shared
    registry.load_builtin()
    gad = registry.get("GAD7")
    custom = gad.model_copy(
        update={"code": "GAD7X", "missing": gad.missing.model_copy(update={"max_missing": 1})}
    )
    registry.register(custom)
    rows = unique_keys([outcome("GAD7X", [0] * 6 + [None], "0")], "record_id")
    assert run(text_table(rows), "outcome", registry=registry).flatten() == []


def test_an_answered_sum_is_only_accepted_for_summed_instruments() -> None:
    # SEMCD6 is a mean: 20 is the sum of the four answered items, not a score.
    report = report_of(outcome("SEMCD6", [5, 5, None, None, 5, 5], "20"))
    assert report.flatten() == [(2, "total_score", "total-mismatch")]
    assert report.findings[0].message == (
        "total_score is 20 but the mean of the 4 answered items is 5 (20 / 4)."
    )


@pytest.mark.parametrize(
    ("instrument", "items", "total", "why"),
    [
        ("SEMCD6", [5] * 5 + [6], "6", "the mean of the answers is 5.17 (31 / 6)"),
        # CORE10 items 3 and 4 are reverse-scored: 4 - 2 = 2, so every item counts 2.
        ("CORE10", [2] * 10, "25", "the answers score 20 (their mean, 20 / 10, × 10)"),
        (
            "CORE10",
            [2] * 9 + [None],
            "25",
            "the 9 answered items score 20 (their mean, 18 / 9, × 10)",
        ),
        (
            "SWEMWBS",
            [3, 4, 3, 2, 4, 3, 3],
            "22",
            "the answers add up to 22, which SWEMWBS scores as 19.98",
        ),
        ("ONSLONELY", [3], "2", "the answers score 3"),
    ],
)
def test_every_method_names_what_the_answers_score(
    instrument: str, items: list[Any], total: str, why: str
) -> None:
    report = report_of(outcome(instrument, items, total))
    assert report.flatten() == [(2, "total_score", "total-mismatch")]
    assert report.findings[0].message == f"total_score is {total} but {why}."


def test_a_pro_rated_lookup_names_the_raw_sum_and_its_pro_rating() -> None:
    swemwbs = default_registry().get("SWEMWBS")
    definition = swemwbs.model_copy(
        update={"missing": swemwbs.missing.model_copy(update={"max_missing": 1})}
    )
    totals = Totals(
        definition,
        submitted=np.array([20.0]),
        answered=np.array([18.0]),
        n_missing=np.array([1]),
        score=np.array([19.25]),
    )
    assert totals.why(0) == (
        "the 6 answered items add up to 18, pro-rated to 21 (18 × 7/6), "
        "which SWEMWBS scores as 19.25"
    )
    assert not totals.answered_sum()[0]  # a lookup score is never a plain sum


@pytest.mark.parametrize(
    ("value", "text"),
    [(56.0, "56"), (60.3077, "60.31"), (3.5, "3.5"), (-0.001, "0"), (19.98, "19.98")],
)
def test_number(value: float, text: str) -> None:
    assert number(value) == text
