"""Reporting periods derived from the data: UK financial years (April to March).

Charities, networks and commissioners plan and report by financial year, so trends are
shown by financial year; a year the data only partly covers is labelled with the date
its data stop, e.g. "2026–27 (to 30 Sep 2026)".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def financial_year(day: dt.date) -> int:
    """The financial year a date falls in, named by the year it starts (2024 = 2024–25)."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(start_year: int, as_of: dt.date | None = None) -> str:
    """``"2024–25"``; with ``as_of`` inside that year, ``"2024–25 (to 30 Sep 2024)"``."""
    text = f"{start_year}–{(start_year + 1) % 100:02d}"
    end = dt.date(start_year + 1, 3, 31)
    if as_of is not None and financial_year(as_of) == start_year and as_of < end:
        text += f" (to {long_date(as_of, short=True)})"
    return text


def long_date(day: dt.date, *, short: bool = False) -> str:
    """``"30 September 2026"`` (``short``: ``"30 Sep 2026"``), without a leading zero."""
    return f"{day.day} {day.strftime('%b' if short else '%B')} {day.year}"


Years = np.ndarray[tuple[int], np.dtype[np.int64]]
"""An array of financial years (start years)."""


def financial_years(dates: pa.Array | pa.ChunkedArray) -> Years:
    """The financial year (start year) of each date, as int64 (nulls → -1)."""
    years = pc.year(dates).to_numpy(zero_copy_only=False)
    months = pc.month(dates).to_numpy(zero_copy_only=False)
    missing = pc.is_null(dates).to_numpy(zero_copy_only=False)
    years = np.where(missing, -1, years).astype(np.int64)
    months = np.where(missing, 4, months).astype(np.int64)
    out: Years = np.where(months >= 4, years, years - 1)
    return np.where(missing, -1, out)
