"""Plain-text tables of a benchmark result, for people reading a terminal.

Two tables: "what works for whom" (pooled Hedges' g per service attribute level, with
the test of difference) and the per-service outcome table. A withheld value prints as
the policy's symbol (``*``), and a footnote says why values are withheld; a value that
does not exist (e.g. a mean change of the joint ``talking-therapies`` row) is blank. A
test of difference withheld because a group holds too few services
(:mod:`peerbench.benchmarking.sufficiency`) reads "too few services".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peerbench.benchmarking.result import BenchmarkResult
from peerbench.benchmarking.rows import Row
from peerbench.benchmarking.sufficiency import min_services, withheld

TOO_FEW = "too few services"

SYMBOL = "*"


def _fmt(value: Any, spec: str = ".2f") -> str:
    if value is None:
        return SYMBOL
    if isinstance(value, float):
        return format(value, spec)
    return str(value)


def _cell(row: Row, field: str, spec: str = ".2f") -> str:
    """``row.field`` formatted; ``*`` when withheld, blank when it does not exist."""
    value = getattr(row, field)
    if value is None and field not in row.suppressed:
        return ""
    return _fmt(value, spec)


def _p(test: Any) -> str:
    if withheld(test):
        return TOO_FEW
    return "" if test is None or test.p_value is None else f"{test.p_value:.3f}"


def _ci(low: Any, high: Any, spec: str = ".2f") -> str:
    if low is None or high is None:
        return ""
    return f"[{format(low, spec)}, {format(high, spec)}]"


def _pct(value: Any) -> str:
    return SYMBOL if value is None else f"{100 * value:.0f}%"


def grid(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, with a rule under the header."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def what_works(result: BenchmarkResult) -> str:
    """The subgroup table: pooled g per attribute level, and Q_between with its p-value."""
    tests = {(t.instrument, t.period, t.timepoint, t.attribute): t for t in result.subgroup_tests}
    rows = []
    for s in sorted(
        result.subgroups, key=lambda s: (s.instrument, s.period, s.timepoint, s.attribute, s.level)
    ):
        test = tests.get((s.instrument, s.period, s.timepoint, s.attribute))
        p = _p(test)
        rows.append(
            [
                s.instrument,
                s.period,
                s.timepoint,
                s.attribute,
                s.level,
                str(s.k),
                _fmt(s.n_paired),
                _fmt(s.estimate),
                _ci(s.ci_low, s.ci_high),
                p,
            ]
        )
    headers = [
        "instrument",
        "period",
        "timepoint",
        "attribute",
        "level",
        "k",
        "n",
        "g",
        "95% CI",
        "p(diff)",
    ]
    return grid(headers, rows)


def service_outcomes(result: BenchmarkResult) -> str:
    """Per service × instrument × period × timepoint: n, coverage, change, effect, rates."""
    rows = [
        [
            r.service_id,
            r.instrument,
            r.period,
            r.timepoint,
            _fmt(r.n_paired),
            _pct(r.coverage),
            _cell(r, "mean_change"),
            _ci(r.change_ci_low, r.change_ci_high),
            _cell(r, "d_z"),
            _cell(r, "hedges_g"),
            _pct(r.share_improved),
            "" if r.n_case_baseline is None else _pct(r.recovery_rate),
        ]
        for r in result.outcomes
        if r.n_paired != 0
    ]
    headers = [
        "service",
        "instrument",
        "period",
        "timepoint",
        "n",
        "coverage",
        "change",
        "95% CI",
        "d_z",
        "g",
        "improved",
        "recovered",
    ]
    return grid(headers, rows)


def _workforce_block(result: BenchmarkResult) -> str:
    from peerbench.benchmarking.workforce_text import workforce_block  # imports this module

    return workforce_block(result)


def render_text(
    result: BenchmarkResult, *, sections: Sequence[str] = ("what_works", "services")
) -> str:
    """The readable text report: header, the chosen tables and the disclosure footnote."""
    info = result.disclosure
    lines = [f"Benchmark of {result.generated_from}"]
    if info is None:
        lines.append("NOT disclosure-controlled: do not publish.")
    else:
        viewer = info.viewer_organisation_id or "public"
        lines.append(f"Disclosure policy {info.policy.get('name')}; viewer: {viewer}.")
    lines.append("")
    if "what_works" in sections:
        lines += [
            "What works for whom (pooled Hedges' g, DerSimonian-Laird)",
            what_works(result),
            f"p(diff) is given only where every group compared holds at least "
            f"{min_services(result)} services; otherwise it reads '{TOO_FEW}' and each "
            "group's own estimate stands alone.",
            "",
        ]
    if "services" in sections:
        lines += [
            "Outcomes per service (change: positive = improvement)",
            service_outcomes(result),
            "",
        ]
    if "workforce" in sections and (block := _workforce_block(result)):
        lines += [block, ""]
    if result.access:
        from peerbench.benchmarking.access_text import access_block

        lines += access_block(result.access, result.access_reasons)
    for note in result.data_quality:
        lines.append(
            f"Left out of {note.table}: organisation {note.organisation_id} ({note.reason})."
        )
    lines.append(
        f"{SYMBOL} withheld: fewer than the minimum number of people, a count of 1-7, or "
        "hidden so that another hidden count cannot be worked out. Counts are rounded to 5."
    )
    return "\n".join(lines) + "\n"
