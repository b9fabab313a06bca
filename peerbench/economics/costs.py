"""Unit costs: a versioned, replaceable table of what each NHS contact costs.

The default table (``data/unit_costs.csv``, version ``peerbench-default-2024.1``) holds
REFERENCE §6 values: NHS Reference Costs 2016/17 for a non-elective inpatient stay
(£1,590), an excess bed day (£313), an outpatient attendance (£120) and an A&E
attendance (£148); and a GP surgery consultation at £39 (range £33–£45, PSSRU Unit
Costs 2013–2015, marked "check"). Where a source gives no range, ``low`` and ``high`` are
``cost × (1 ∓ RANGE_FRACTION)`` with ``RANGE_FRACTION = 0.20`` (a peerbench rule, not a
published range). ``price_year`` is the year a price is expressed in; a financial year
is labelled by the calendar year in which it starts (2016 = 2016/17).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerbench.economics.csvfile import file_version, number, read_rows
from peerbench.economics.errors import DataFileError, DataFileIssue

DEFAULT_VERSION = "peerbench-default-2024.1"
RANGE_FRACTION = 0.20
RANGE_RULE = (
    f"low/high = cost × (1 ∓ {RANGE_FRACTION:.2f}) where the source gives no range "
    "(peerbench rule, not a published range)"
)
REQUIRED_COLUMNS = ("item", "unit", "cost", "source", "price_year")
COLUMNS = ("item", "unit", "cost", "low", "high", "source", "price_year", "note")
MIN_YEAR, MAX_YEAR = 1950, 2100
ITEM_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


class UnitCost(BaseModel):
    """The cost of one unit of an NHS contact, with its range and provenance.

    Attributes:
        item: Stable slug (``ae_attendance``).
        unit: What one unit is (``attendance``).
        cost: Central estimate in pounds at ``price_year`` prices.
        low: Low end of the range.
        high: High end of the range.
        source: Citation.
        price_year: Year the price is expressed in (financial years by starting year).
        note: Caveats, including how the range was set.
        range_from_rule: ``low``/``high`` were filled with the ±20% rule.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    item: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # same as ITEM_PATTERN
    unit: str = Field(min_length=1)
    cost: float = Field(ge=0)
    low: float = Field(ge=0)
    high: float = Field(ge=0)
    source: str = Field(min_length=1)
    price_year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    note: str = ""
    range_from_rule: bool = False

    @model_validator(mode="after")
    def _range_brackets_cost(self) -> Self:
        if not self.low <= self.cost <= self.high:
            raise ValueError(f"{self.item}: need low ≤ cost ≤ high")
        return self


class CostTable(BaseModel):
    """A versioned set of unit costs keyed by item.

    Attributes:
        version: ``peerbench-default-2024.1`` for the shipped table; for a user's file
            ``user:<file name>:<first 12 hex digits of its SHA-256>`` unless given.
        costs: The unit costs.
        path: Where the table was read from, if from a file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    costs: tuple[UnitCost, ...]
    path: str | None = None

    def __contains__(self, item: object) -> bool:
        return any(cost.item == item for cost in self.costs)

    def get(self, item: str) -> UnitCost:
        """The unit cost for ``item``.

        Raises:
            KeyError: With the items the table does hold.
        """
        for cost in self.costs:
            if cost.item == item:
                return cost
        held = ", ".join(cost.item for cost in self.costs)
        raise KeyError(f"unit cost table {self.version} has no item {item!r} (has: {held})")

    @classmethod
    def default(cls) -> CostTable:
        """The shipped table (REFERENCE §6)."""
        ref = resources.files("peerbench.economics").joinpath("data/unit_costs.csv")
        with resources.as_file(ref) as path:
            return cls.from_csv(path, version=DEFAULT_VERSION)

    @classmethod
    def from_csv(cls, path: str | Path, *, version: str | None = None) -> CostTable:
        """Read a unit-cost CSV, reporting every problem at once.

        Required columns: ``item, unit, cost, source, price_year``; optional ``low,
        high, note``. Blank ``low``/``high`` are filled with the ±20% rule (recorded in
        ``note`` and ``range_from_rule``). Costs may be written ``£1,590``.

        Raises:
            DataFileError: Listing each problem with its row number and column.
        """
        path = Path(path)
        rows, issues = read_rows(path, REQUIRED_COLUMNS)
        if issues:
            raise DataFileError(str(path), issues)
        costs: list[UnitCost] = []
        seen: set[str] = set()
        for line, row in enumerate(rows, start=2):
            cost = _row_cost(row, line, issues, seen)
            if cost is not None:
                costs.append(cost)
        if not rows:
            issues.append(DataFileIssue(2, "item", "value-missing", "the table has no rows"))
        if issues:
            raise DataFileError(str(path), issues)
        return cls(version=version or file_version(path), costs=tuple(costs), path=str(path))


def _row_cost(
    row: dict[str, str], line: int, issues: list[DataFileIssue], seen: set[str]
) -> UnitCost | None:
    """One validated row, or ``None`` after recording its problems."""
    before = len(issues)
    item = row.get("item", "")
    if not item:
        issues.append(DataFileIssue(line, "item", "value-missing", "a value is required"))
    elif not ITEM_PATTERN.fullmatch(item):
        issues.append(
            DataFileIssue(
                line, "item", "pattern-invalid", f"{item!r} must be a lower-case slug (a_e_visit)"
            )
        )
    elif item in seen:
        issues.append(DataFileIssue(line, "item", "duplicate-item", f"{item!r} appears twice"))
    seen.add(item)
    for column in ("unit", "source"):
        if not row.get(column):
            issues.append(DataFileIssue(line, column, "value-missing", "a value is required"))
    cost = number(row, "cost", line, issues)
    low = number(row, "low", line, issues, required=False)
    high = number(row, "high", line, issues, required=False)
    year = number(row, "price_year", line, issues)
    if year is not None and (year != int(year) or not MIN_YEAR <= year <= MAX_YEAR):
        issues.append(
            DataFileIssue(
                line,
                "price_year",
                "out-of-range",
                f"{row['price_year']!r} is not a year between {MIN_YEAR} and {MAX_YEAR}",
            )
        )
    for column, value in (("cost", cost), ("low", low), ("high", high)):
        if value is not None and value < 0:
            issues.append(DataFileIssue(line, column, "out-of-range", "must not be negative"))
    if len(issues) > before or cost is None or year is None:
        return None
    ruled = low is None or high is None
    low = cost * (1 - RANGE_FRACTION) if low is None else low
    high = cost * (1 + RANGE_FRACTION) if high is None else high
    if not low <= cost <= high:
        issues.append(
            DataFileIssue(
                line, "cost", "range-order", f"need low ≤ cost ≤ high ({low:g}, {cost:g}, {high:g})"
            )
        )
        return None
    note = row.get("note", "")
    if ruled:
        note = f"{note}; {RANGE_RULE}" if note else RANGE_RULE
    return UnitCost(
        item=item,
        unit=row["unit"],
        cost=cost,
        low=low,
        high=high,
        source=row["source"],
        price_year=int(year),
        note=note,
        range_from_rule=ruled,
    )
