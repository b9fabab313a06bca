"""The quality profile's correction for cells the validation engine nulled.

Split from :mod:`peerbench.validators.quality` (whose docstring gives the formula) so
that module stays small; nothing here loads GX.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peerbench.validators.quality import RecordTypeQuality
    from peerbench.validators.report import Report


def with_invalid_cells(profile: RecordTypeQuality, report: Report) -> RecordTypeQuality:
    """``profile`` with the cells the validation engine nulled counted as they were.

    Such a cell held a value (so it is complete) that could not be used (so it is a
    failed validity check GX never saw). The report counts them over every row; the
    profile may cover a sample, so the counts are scaled by the share of rows profiled.
    """
    files = [f for f in report.files if f.record_type == profile.record_type]
    total = sum(f.rows for f in files)
    if not files or total == 0:
        return profile
    share = min(1.0, profile.rows_profiled / total)
    cells: Counter[str] = Counter()
    for summary in files:
        cells.update(summary.invalid_cells)
    passed, checked = profile.completeness_counts
    valid_passed, valid_checked = profile.validity_counts
    for column, count in cells.items():
        estimate = count * share
        # Counted as missing by GX (the cell is null now); at most what GX found missing.
        missing = sum(
            e.failed or 0
            for e in profile.expectations
            if e.dimension == "completeness" and e.column == column
        )
        passed += min(estimate, missing)
        valid_checked += estimate
    return replace(
        profile,
        completeness_counts=(passed, checked),
        validity_counts=(valid_passed, valid_checked),
    )
