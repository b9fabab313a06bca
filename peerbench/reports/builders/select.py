"""Pick rows and values out of a (disclosure-controlled) benchmark result.

A withheld value is ``None`` in its row with the reason in ``row.suppressed``;
:func:`value` turns it into a :class:`~peerbench.reports.suppression.SuppressedValue`
so the rendering layer words and explains it, and never mistakes it for "no data".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from peerbench.benchmarking import (
    ALL_PERIODS,
    BenchmarkResult,
    EconomicsRow,
    OutcomeMetrics,
    OutcomeRow,
    PooledOutcomeRow,
    Row,
    ServiceInfo,
    SustainmentRow,
)
from peerbench.reports.suppression import SuppressedValue

R = TypeVar("R", bound=Row)

#: Follow-up time points in the order a reader expects them.
TIMEPOINTS = ("month_3", "month_6", "month_12", "end")


def value(row: Row | None, field: str) -> Any:
    """``row.field``, or a :class:`SuppressedValue` when it was withheld (None if no row)."""
    if row is None:
        return None
    reason = row.suppressed.get(field)
    if reason is not None:
        return SuppressedValue(reason)
    return getattr(row, field)


def number(row: Row | None, field: str) -> float | None:
    """``row.field`` as a float, or ``None`` when missing or withheld."""
    got = value(row, field)
    return float(got) if isinstance(got, int | float) and not isinstance(got, bool) else None


def where(rows: Iterable[R], **match: Any) -> list[R]:
    """The rows whose fields equal every ``match`` value."""
    return [r for r in rows if all(getattr(r, k) == v for k, v in match.items())]


def first(rows: Iterable[R], **match: Any) -> R | None:
    """The first row matching ``match``, or ``None``."""
    found = where(rows, **match)
    return found[0] if found else None


def service(result: BenchmarkResult, service_id: str) -> ServiceInfo:
    """The service's info row; raises ``KeyError`` if it is not in the result."""
    row = first(result.services, service_id=service_id)
    if row is None:
        raise KeyError(f"service {service_id!r} is not in the benchmark")
    return row


def service_name(result: BenchmarkResult, service_id: str) -> str:
    """The service's display name (its id when it has none).

    Two services with the same name are told apart by their organisation's id:
    "Long-Term Conditions Online Forum (org011-newham)".
    """
    row = first(result.services, service_id=service_id)
    name = (row.name if row is not None and row.name else None) or service_id
    if row is not None and sum(1 for s in result.services if s.name == name) > 1:
        return f"{name} ({row.organisation_id})"
    return name


def pooled(result: BenchmarkResult, instrument: str, timepoint: str) -> PooledOutcomeRow | None:
    """All services pooled, every period."""
    return first(result.pooled, instrument=instrument, timepoint=timepoint, period=ALL_PERIODS)


def outcome(
    result: BenchmarkResult, service_id: str, instrument: str, timepoint: str
) -> OutcomeRow | None:
    """One service's outcome row, every period."""
    return first(
        result.outcomes,
        service_id=service_id,
        instrument=instrument,
        timepoint=timepoint,
        period=ALL_PERIODS,
    )


def paired_n(row: OutcomeMetrics | None) -> int:
    """People with both scores (0 when missing or withheld)."""
    n = number(row, "n_paired")
    return int(n) if n is not None else 0


def reportable(row: OutcomeMetrics | None) -> bool:
    """Whether the row's change and improvement figures are published."""
    return row is not None and number(row, "mean_change") is not None


def counts_improvement(row: OutcomeMetrics | None) -> bool:
    """Whether the row publishes the share who reliably improved."""
    return number(row, "share_improved") is not None


def headline_timepoint(result: BenchmarkResult, instrument: str) -> str:
    """The follow-up with the most pooled pairs for ``instrument`` (earliest on ties)."""
    return max(
        TIMEPOINTS,
        key=lambda tp: (paired_n(pooled(result, instrument, tp)), -TIMEPOINTS.index(tp)),
    )


def instruments_by_evidence(
    result: BenchmarkResult, service_id: str | None = None, *, limit: int | None = None
) -> list[tuple[str, str]]:
    """``(instrument, timepoint)`` pairs with published change, most people first.

    Measures that count who reliably improved (they have a reliable-change threshold)
    come before those that only give an average.

    Subscales of profile instruments (``EQ5D5L.mobility``) are left out except the ONS4
    items, which are read one by one. For a service, only its reportable instruments.
    """
    candidates = sorted({r.instrument for r in result.pooled})
    candidates = [c for c in candidates if "." not in c or c.startswith("ONS4.")]
    found: list[tuple[int, int, str, str]] = []
    for instrument in candidates:
        timepoint = headline_timepoint(result, instrument)
        row: OutcomeMetrics | None = (
            pooled(result, instrument, timepoint)
            if service_id is None
            else outcome(result, service_id, instrument, timepoint)
        )
        if reportable(row):
            # Measures with a reliable-change threshold first: they say how many improved.
            counted = number(row, "share_improved") is not None
            found.append((0 if counted else 1, -paired_n(row), instrument, timepoint))
    found.sort()
    chosen = [(i, t) for _, _, i, t in found]
    return chosen if limit is None else chosen[:limit]


def sustainment(
    result: BenchmarkResult, instrument: str, service_id: str | None
) -> list[SustainmentRow]:
    """Sustainment rows (6 and 12 months) for a service, or pooled when ``None``."""
    rows = where(result.sustainment, instrument=instrument, service_id=service_id)

    def months(row: SustainmentRow) -> int:
        text = row.horizon.removeprefix("month_")
        return int(text) if text.isdigit() else 0

    return sorted((r for r in rows if r.period == ALL_PERIODS), key=months)


def economics(
    result: BenchmarkResult, kind: str, quantity: str, service_id: str | None = None
) -> EconomicsRow | None:
    """An economic value row (pooled when ``service_id`` is None)."""
    return first(result.economics, kind=kind, quantity=quantity, service_id=service_id)


def ordered(values: Iterable[str], order: Sequence[str]) -> list[str]:
    """``values`` in ``order`` first, then the rest alphabetically."""
    items = set(values)
    return [v for v in order if v in items] + sorted(items - set(order))
