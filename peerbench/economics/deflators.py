"""GDP deflators: converting a price from one year's prices to another's.

Formula: ``price_in_to_year = price_in_from_year × index[to_year] / index[from_year]``.

The default series (``data/deflators.csv``, version ``peerbench-approx-2024.1``) is HM
Treasury's "GDP deflators at market prices, and money GDP" for financial years (ONS
series L8GG), rebased to 2019-20 = 100 and labelled by the calendar year in which each
financial year starts. Its values are an approximation rebuilt from published annual
growth rates and must be checked against the latest HM Treasury release before
publishing; replace the file with :meth:`DeflatorSeries.from_csv`.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from peerbench.economics.csvfile import file_version, number, read_rows
from peerbench.economics.errors import DataFileError, DataFileIssue

DEFAULT_VERSION = "peerbench-approx-2024.1"
DEFAULT_SOURCE = (
    "HM Treasury, GDP deflators at market prices, and money GDP (financial years, ONS "
    "L8GG), rebased 2019-20 = 100; approximate values, check against the latest release: "
    "https://www.gov.uk/government/collections/gdp-deflators-at-market-prices-and-money-gdp"
)
REQUIRED_COLUMNS = ("year", "index")


class DeflatorSeries(BaseModel):
    """A price index by year.

    Attributes:
        version: Identifies the series used (shown in every result).
        source: Citation.
        index: Index value by year (financial years labelled by their starting year).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    source: str
    index: dict[int, float]

    @property
    def latest_year(self) -> int:
        """The last year in the series."""
        return max(self.index)

    def factor(self, from_year: int, to_year: int) -> float:
        """``index[to_year] / index[from_year]``.

        Raises:
            KeyError: If either year is outside the series (the message gives its span).
        """
        for year in (from_year, to_year):
            if year not in self.index:
                raise KeyError(
                    f"deflator series {self.version} has no year {year} "
                    f"(covers {min(self.index)}–{max(self.index)})"
                )
        return self.index[to_year] / self.index[from_year]

    def convert(self, amount: float, from_year: int, to_year: int) -> float:
        """Express ``amount`` (in ``from_year`` prices) in ``to_year`` prices."""
        return amount * self.factor(from_year, to_year)

    @classmethod
    def default(cls) -> DeflatorSeries:
        """The shipped, approximate HM Treasury series (check before publishing)."""
        return _shipped()

    @classmethod
    def from_csv(
        cls, path: str | Path, *, version: str | None = None, source: str | None = None
    ) -> DeflatorSeries:
        """Read a deflator CSV with columns ``year, index`` (others are ignored).

        Raises:
            DataFileError: Listing each problem with its row number and column.
        """
        path = Path(path)
        rows, issues = read_rows(path, REQUIRED_COLUMNS)
        if issues:
            raise DataFileError(str(path), issues)
        index: dict[int, float] = {}
        for line, row in enumerate(rows, start=2):
            year = number(row, "year", line, issues)
            value = number(row, "index", line, issues)
            if year is None or value is None:
                continue
            if year != int(year):
                issues.append(DataFileIssue(line, "year", "out-of-range", "must be a year"))
            elif int(year) in index:
                issues.append(DataFileIssue(line, "year", "duplicate-item", "year repeated"))
            elif value <= 0:
                issues.append(DataFileIssue(line, "index", "out-of-range", "must be positive"))
            else:
                index[int(year)] = value
        if not rows:
            issues.append(DataFileIssue(2, "year", "value-missing", "the series has no rows"))
        if issues:
            raise DataFileError(str(path), issues)
        return cls(
            version=version or file_version(path),
            source=source or f"user-supplied deflator series ({path.name})",
            index=index,
        )


@functools.cache
def _shipped() -> DeflatorSeries:
    """The shipped series, read once (a benchmark values hundreds of scopes with it)."""
    ref = resources.files("peerbench.economics").joinpath("data/deflators.csv")
    with resources.as_file(ref) as path:
        return DeflatorSeries.from_csv(path, version=DEFAULT_VERSION, source=DEFAULT_SOURCE)
