"""Quality figures that add up: one organisation's profile counts, summed over a pool.

Every count the data-quality report shows is a sum over rows, people (a participant
is ``(participant_key, service_id)``, so one organisation's) or findings, and every
record identity belongs to one organisation. So the report of a pool can be summed from
figures made per organisation, each computed once by Great Expectations when that
organisation's data changes (:mod:`peerbench.server.quality_record`), instead of
re-profiling the whole pool on every cold read.

One organisation's :class:`Figures` hold, in JSON-ready form:

* ``parts``: the raw GX profile (before the invalid-cell correction) of each of its
  services' rows, and of its organisation record; summed, they are its whole profile,
  and one of them is a service report's quality section;
* ``years``: per financial year, people starting support and the profile of the year's
  slice (:func:`~peerbench.reports.builders.quality_data.quality_by_year`'s slices);
* ``members``: its member-coverage counts; ``validation``: its validator counts.

Summing then scoring goes through :func:`peerbench.validators.quality.assemble_profile`,
the end of :func:`~peerbench.validators.quality.quality_profile`, so a pool of tables
under the sample size gets the same figures either way (a test compares the report
bytes). A larger pool sums exact counts where re-profiling sampled each table.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.reports.builders.periods import financial_years
from peerbench.reports.builders.quality_data import (
    _DATED,
    MemberCoverage,
    _people_years,
    _slice,
    member_coverage,
)
from peerbench.validators.gx_runner import ExpectationResult, SuiteRunner
from peerbench.validators.quality import RecordTypeQuality, _share, profile_table
from peerbench.validators.report import FileSummary, Report

Figures = dict[str, Any]
"""One organisation's figures, JSON-ready (see the module docstring)."""
Part = dict[str, Any]
"""Record type → ``{"rows", "rows_profiled", "items", "expectations"}``."""


def _part(tables: Mapping[str, pa.Table], runner: SuiteRunner) -> Part:
    out: Part = {}
    for record_type, table in tables.items():
        profile = profile_table(table, record_type, runner)
        items = 0
        if record_type == "outcome" and table.num_rows:
            from peerbench.validators.gx_view import _item_missing_share

            items = table.num_rows - _item_missing_share(table).null_count
        out[record_type] = {
            "rows": profile.rows,
            "rows_profiled": profile.rows_profiled,
            "items": items,
            "expectations": [dataclasses.asdict(e) for e in profile.expectations],
        }
    return out


def _by_service(tables: Mapping[str, pa.Table]) -> dict[str, dict[str, pa.Table]]:
    """Tables cut by service (``""``: rows without one), plus ``"#organisation"``."""
    keys: set[str] = set()
    for table in tables.values():
        if "service_id" in table.column_names:
            keys.update("" if v is None else v for v in pc.unique(table["service_id"]).to_pylist())
    parts: dict[str, dict[str, pa.Table]] = {}
    for key in sorted(keys):
        parts[key] = {}
        for record_type, table in tables.items():
            if "service_id" not in table.column_names:
                continue
            column = table["service_id"]
            mask = pc.is_null(column) if key == "" else pc.equal(column, key)
            parts[key][record_type] = table.filter(pc.fill_null(mask, False))
    parts["#organisation"] = {
        rt: t for rt, t in tables.items() if "service_id" not in t.column_names
    }
    return parts


def _years(tables: Mapping[str, pa.Table]) -> list[int]:
    years = set(_people_years(tables).values())
    for record_type, column in _DATED.items():
        if record_type in tables:
            years.update(int(y) for y in set(financial_years(tables[record_type][column]).tolist()))
    return sorted(y for y in years if y >= 0)


def figures_of(tables: Mapping[str, pa.Table], validation: Report, runner: SuiteRunner) -> Figures:
    """One organisation's figures from its current tables and its validator report."""
    starts = _people_years(tables)
    years = {
        str(year): {
            "people": sum(1 for y in starts.values() if y == year),
            "starts": year in set(starts.values()),
            "part": _part(_slice(tables, year, starts), runner),
        }
        for year in _years(tables)
    }
    files: dict[str, dict[str, Any]] = {}
    for summary in validation.files:
        if summary.record_type:
            entry = files.setdefault(summary.record_type, {"rows": 0, "invalid_cells": {}})
            entry["rows"] += summary.rows
            cells = Counter(entry["invalid_cells"]) + summary.invalid_cells
            entry["invalid_cells"] = dict(cells)
    return {
        "parts": {key: _part(part, runner) for key, part in _by_service(tables).items()},
        "years": years,
        "members": [dataclasses.asdict(m) for m in member_coverage(_with_outcome(tables))],
        "validation": {
            "by_code": dict(validation.by_code),
            "errors": validation.errors,
            "warnings": validation.warnings,
            "notes": validation.notes,
            "files": files,
        },
    }


def _with_outcome(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """An organisation without outcomes still has its row in a pool's members table."""
    from peerbench.schema.arrow import arrow_schema

    out = dict(tables)
    out.setdefault("outcome", arrow_schema("outcome").empty_table())
    return out


def _result(rows: list[dict[str, Any]], items: list[int]) -> ExpectationResult:
    """One expectation summed over parts, scored as GX scores it (gx_runner._result)."""
    first = rows[0]
    mostly = first["mostly"]
    if first["checked"] is not None:
        checked = sum(r["checked"] for r in rows)
        failed = sum(r["failed"] for r in rows)
        observed = 100.0 * (checked - failed) / checked if checked else None
        share = 1.0 if not checked else (checked - failed) / checked
        success = failed == 0 if mostly is None else share >= mostly / 100.0
        return ExpectationResult(**{**first, "checked": checked, "failed": failed,
                                    "observed": observed, "success": success})  # fmt: skip
    # An aggregate (the mean item missingness): the mean of the parts' means, weighted.
    weighted = [(r["observed"], n) for r, n in zip(rows, items, strict=True) if n]
    total = sum(n for _, n in weighted)
    mean = sum(o * n for o, n in weighted) / total if total else None
    return ExpectationResult(**{**first, "observed": mean, "success": first["success"]
                                if mean is None else all(r["success"] for r in rows)})  # fmt: skip


def summed(parts: Iterable[Part]) -> dict[str, RecordTypeQuality]:
    """Record type → its profile summed over ``parts`` (standard order; none if no rows)."""
    from peerbench.schema.record_table import RECORDS

    chosen = list(parts)
    out: dict[str, RecordTypeQuality] = {}
    for record_type in RECORDS:
        mine = [p[record_type] for p in chosen if record_type in p]
        if not mine:
            continue
        rows = sum(m["rows"] for m in mine)
        if rows == 0:
            out[record_type] = RecordTypeQuality(record_type, 0, 0)
            continue
        filled = [m for m in mine if m["rows"]]
        results = [
            _result([m["expectations"][i] for m in filled], [m["items"] for m in filled])
            for i in range(len(filled[0]["expectations"]))
        ]
        out[record_type] = RecordTypeQuality(
            record_type=record_type,
            rows=rows,
            rows_profiled=sum(m["rows_profiled"] for m in mine),
            expectations=results,
            completeness_counts=_share(r for r in results if r.dimension == "completeness"),
            validity_counts=_share(r for r in results if r.dimension == "validity"),
        )
    return out


def summed_validation(figures: Iterable[Figures]) -> Report:
    """The validator counts of several organisations as one report (counts only)."""
    report = Report()
    files: dict[str, FileSummary] = {}
    for entry in figures:
        counts = entry["validation"]
        report.by_code.update(counts["by_code"])
        report.errors += counts["errors"]
        report.warnings += counts["warnings"]
        report.notes += counts["notes"]
        for record_type, file in counts["files"].items():
            summary = files.setdefault(
                record_type,
                FileSummary(file=record_type, record_type=record_type, file_format=None),
            )
            summary.rows += file["rows"]
            summary.invalid_cells.update(file["invalid_cells"])
    report.files.extend(files.values())
    return report


def summed_members(figures: Iterable[Figures]) -> list[MemberCoverage]:
    """Every organisation's member coverage, in organisation order."""
    members = [MemberCoverage(**m) for entry in figures for m in entry["members"]]
    return sorted(members, key=lambda m: m.organisation_id)
