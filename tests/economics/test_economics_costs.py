"""Unit-cost tables and deflators: defaults, replacement files and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerbench.economics import (
    DEFAULT_VERSION,
    CostTable,
    DataFileError,
    DeflatorSeries,
)

HEADER = "item,unit,cost,low,high,source,price_year,note\n"


def test_default_table_holds_reference_costs() -> None:
    table = CostTable.default()
    assert table.version == DEFAULT_VERSION == "peerbench-default-2024.1"
    expected = {
        "non_elective_inpatient_stay": 1590,
        "excess_bed_day": 313,
        "outpatient_attendance": 120,
        "ae_attendance": 148,
        "gp_consultation": 39,
    }
    assert {c.item: c.cost for c in table.costs} == expected
    gp = table.get("gp_consultation")
    assert (gp.low, gp.high) == (33, 45)
    assert "PSSRU" in gp.source
    ae = table.get("ae_attendance")
    assert ae.price_year == 2016
    assert (ae.low, ae.high) == pytest.approx((148 * 0.8, 148 * 1.2))
    assert "±20%" in ae.note
    with pytest.raises(KeyError, match="has no item 'taxi'"):
        table.get("taxi")


def test_replacement_table_is_used_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "local.csv"
    path.write_text(
        HEADER + 'ae_attendance,attendance,"£1,200",,,Local tariff 2023,2023,\n',
        encoding="utf-8",
    )
    table = CostTable.from_csv(path)
    cost = table.get("ae_attendance")
    assert cost.cost == 1200
    assert (cost.low, cost.high) == pytest.approx((960, 1440))  # ±20% rule for blanks
    assert cost.range_from_rule
    assert table.version.startswith("user:local.csv:")
    assert CostTable.from_csv(path, version="trust-2023").version == "trust-2023"


def test_malformed_table_names_every_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "ae_attendance,attendance,lots,,,Somewhere,2016,\n"
        + "gp_consultation,consultation,39,50,60,PSSRU,2014,\n"
        + "ae_attendance,attendance,148,,,NHS,20x6,\n"
        + "A&E,attendance,148,,,,2016,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        CostTable.from_csv(path)
    found = {(i.row, i.column, i.code) for i in caught.value.issues}
    assert found == {
        (2, "cost", "not-a-number"),
        (3, "cost", "range-order"),
        (4, "item", "duplicate-item"),
        (4, "price_year", "not-a-number"),
        (5, "item", "pattern-invalid"),
        (5, "source", "value-missing"),
    }
    message = str(caught.value)
    assert "bad.csv: 6 problem(s)" in message
    assert "row 2, column 'cost': 'lots' is not a number" in message


def test_missing_columns_are_reported_on_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("item,cost\nae_attendance,148\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        CostTable.from_csv(path)
    assert {(i.row, i.column) for i in caught.value.issues} == {
        (1, "unit"),
        (1, "source"),
        (1, "price_year"),
    }


def test_price_year_conversion() -> None:
    series = DeflatorSeries.default()
    assert series.index[2019] == 100.0
    assert series.factor(2019, 2019) == 1.0
    expected = 148 * series.index[2023] / series.index[2016]
    assert series.convert(148, 2016, 2023) == pytest.approx(expected)
    assert series.convert(series.convert(100, 2016, 2022), 2022, 2016) == pytest.approx(100)
    assert "check" in series.source
    with pytest.raises(KeyError, match="no year 1990"):
        series.factor(1990, 2019)


def test_replacement_deflator_series(tmp_path: Path) -> None:
    path = tmp_path / "deflators.csv"
    path.write_text("year,index\n2016,80\n2024,100\n", encoding="utf-8")
    series = DeflatorSeries.from_csv(path, source="HMT March 2025")
    assert series.convert(148, 2016, 2024) == pytest.approx(185)
    assert series.latest_year == 2024
    bad = tmp_path / "bad.csv"
    bad.write_text("year,index\n2016,80\n2016,81\n2017,-1\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        DeflatorSeries.from_csv(bad)
    assert {(i.row, i.column) for i in caught.value.issues} == {(3, "year"), (4, "index")}
