"""Outcome checks driven by the instrument registry."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from peerbench.validators.columnar import compiled
from tests.validators.columnar.tables import Flat, flat, run, unique_keys, valid_row


@pytest.fixture(autouse=True, params=["numpy", "compiled"])
def row_summaries(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs on both ways of summarising item rows (NumPy and compiled)."""
    if request.param == "compiled":
        monkeypatch.setattr(compiled, "COMPILED_MIN_ROWS", 0)


def outcome(instrument: str, items: list[Any] | None, **changes: Any) -> dict[str, Any]:
    """A CSV outcome row for ``instrument`` with ``items`` (None: no item columns)."""
    changes.setdefault("total_score", None)
    row = valid_row("outcome", instrument=instrument, items=None, **changes)
    row.pop("items", None)
    for i, value in enumerate(items or [], start=1):
        row[f"item_{i}"] = None if value is None else str(value)
    return row


def check(*rows: dict[str, Any]) -> Flat:
    return flat(unique_keys(list(rows), "record_id"), "outcome")


def test_valid_outcomes() -> None:
    assert (
        check(
            outcome("PHQ9", [0, 1, 2, 3, 0, 1, 2, 3, 0], total_score="12"),
            outcome("SWEMWBS", [3, 4, 3, 2, 4, 3, 3], total_score="19.98"),
            outcome("GAD7", [1] * 7),
        )
        == []
    )


def test_instrument_unknown() -> None:
    assert check(outcome("NOPE", [1, 2])) == [(2, "instrument", "instrument-unknown")]


def test_wrong_item_count_in_text_columns() -> None:
    # GAD7 has 7 items; an answer in item_8 is one too many.
    assert check(outcome("GAD7", [1] * 8)) == [(2, "items", "wrong-item-count")]


def test_short_text_rows_are_padded_and_blanks_counted_missing() -> None:
    report = run(pa.table({k: [v] for k, v in outcome("GAD7", [1] * 5).items()}), "outcome")
    assert report.flatten() == [(2, "items", "too-many-missing-items")]
    assert report.valid  # a warning
    assert "2 of 7 answers are missing" in report.findings[0].message


def test_item_out_of_range_names_the_item_and_scale() -> None:
    report = run(
        pa.table({k: [v] for k, v in outcome("PHQ9", [0, 1, 4, 3, 0, 1, 2, 3, 0]).items()}),
        "outcome",
    )
    assert report.flatten() == [(2, "item_3", "item-out-of-range")]
    assert report.findings[0].message == "item_3 is 4, outside the scale 0 to 3 (PHQ9 item 3)."


def test_item_type_invalid() -> None:
    assert check(outcome("GAD7", [1, 1, "x", 1, 1, 1, 1])) == [(2, "item_3", "type-invalid")]


def test_items_required_for_scored_instruments() -> None:
    assert check(outcome("GAD7", None)) == [(2, "items", "required-missing")]


def test_too_many_missing_respects_the_instrument_rule() -> None:
    # SEMCD6 allows two missing answers (pro-rated), not three.
    assert check(
        outcome("SEMCD6", [5, 5, None, None, 5, 5]),
        outcome("SEMCD6", [5, None, None, None, 5, 5]),
    ) == [(3, "items", "too-many-missing-items")]


@pytest.mark.parametrize(
    ("instrument", "items", "total", "bad"),
    [
        ("PHQ9", [1] * 9, "9", False),
        ("PHQ9", [1] * 9, "9.005", False),
        ("PHQ9", [1] * 9, "10", True),
        ("SEMCD6", [5, 5, 5, 5, 6, 6], "5.3", False),  # 5.333 rounded to one decimal
        ("SEMCD6", [5, 5, 5, 5, 6, 6], "5.5", True),
        ("WEMWBS", [3] * 13 + [None], "42", False),  # pro-rated 42, exact
        ("WEMWBS", [3] * 12 + [4, None], "43", False),  # pro-rated 43.08, rounded
        ("WEMWBS", [3] * 13 + [None], "43", True),
        ("SWEMWBS", [3, 4, 3, 2, 4, 3, 3], "22", True),  # the raw sum, not the metric
    ],
)
def test_total_mismatch_tolerances(
    instrument: str, items: list[Any], total: str, bad: bool
) -> None:
    expected = [(2, "total_score", "total-mismatch")] if bad else []
    assert check(outcome(instrument, items, total_score=total)) == expected


def test_total_mismatch_message_gives_computed_total() -> None:
    report = run(
        pa.table({k: [v] for k, v in outcome("PHQ9", [1] * 9, total_score="10").items()}), "outcome"
    )
    assert report.findings[0].message == "total_score is 10 but the answers add up to 9."


def test_licensed_score_missing_and_no_items_needed() -> None:
    assert check(
        outcome("PAM13", None, licensed_score="60.2", licensed_level="3"),
        outcome("PAM13", None),
    ) == [(3, "licensed_score", "licensed-score-missing")]


@pytest.mark.parametrize(
    ("score", "level", "bad"),
    [
        ("47.0", "1", False),
        ("47.1", "2", False),
        ("55.1", "3", True),
        ("67.1", "4", False),
        ("80", "3", True),
    ],
)
def test_pam_level_mismatch(score: str, level: str, bad: bool) -> None:
    expected = [(2, "licensed_level", "pam-level-mismatch")] if bad else []
    assert check(outcome("PAM13", None, licensed_score=score, licensed_level=level)) == expected


def test_list_column_from_parquet() -> None:
    rows = [outcome("GAD7", None), outcome("GAD7", None), outcome("GAD7", None)]
    table = pa.Table.from_pylist(unique_keys(rows, "record_id"))
    items = pa.array([[1] * 7, [1] * 6, [1, 1, 9, 1, 1, 1, None]], pa.list_(pa.int16()))
    table = table.append_column("items", items)
    assert run(table, "outcome").flatten() == [
        (3, "items", "wrong-item-count"),  # lists keep their length: no padding
        (4, "item_3", "item-out-of-range"),
    ]
