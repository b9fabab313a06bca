"""The benchmark result model: frozen dataclasses, JSON via ``to_dict()``, Arrow via ``tables()``.

A :class:`BenchmarkResult` is a set of flat sections (tuples of row dataclasses), one per
published table. Every row carries ``suppressed``: a mapping ``field → reason`` for the
values withheld in that row (the value itself is ``None``). A statistic is never dropped
silently: an estimate resting on fewer than ``options.min_n`` pairs has its value set to
``None`` and ``suppressed[field] = "below-min-n"``; disclosure control
(:mod:`peerbench.benchmarking.disclose`) adds ``small-count`` and ``secondary``.

``period`` in every comparison section is the baseline period the estimate rests on, or
:data:`ALL_PERIODS` when the result pools every period (``options.period is None``).

Example:
    >>> result = BenchmarkResult(options=BenchmarkOptions(), generated_from="example")
    >>> sorted(result.tables())[:3]
    ['access', 'access_reasons', 'casemix_coefficients']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from peerbench.benchmarking.access_rows import AccessReasonRow, AccessRow
from peerbench.benchmarking.comparison_rows import (
    CasemixCoefficient,
    CasemixFit,
    CasemixService,
    ForestRow,
    FunnelPoint,
    FunnelSummary,
    MetaRow,
    SubgroupLevel,
    SubgroupTest,
)
from peerbench.benchmarking.rows import (
    EconomicsRow,
    NetworkOutcomeRow,
    OutcomeMetrics,
    OutcomeRow,
    PooledOutcomeRow,
    ReachRow,
    Row,
    ServiceInfo,
    SuppressionMarker,
    SustainmentRow,
    plain,
)
from peerbench.benchmarking.workforce_rows import (
    PRACTICE,
    WorkerEndReasonRow,
    WorkerWellbeingRow,
    WorkforceRow,
)
from peerbench.disclosure import DisclosurePolicy

__all__ = [
    "ALL_PERIODS",
    "DEFAULT_BY",
    "SECTIONS",
    "AccessReasonRow",
    "AccessRow",
    "BenchmarkOptions",
    "BenchmarkResult",
    "CasemixCoefficient",
    "CasemixFit",
    "CasemixService",
    "DataQualityNote",
    "DisclosureInfo",
    "EconomicsRow",
    "ForestRow",
    "FunnelPoint",
    "FunnelSummary",
    "MetaRow",
    "NetworkOutcomeRow",
    "OutcomeMetrics",
    "OutcomeRow",
    "PooledOutcomeRow",
    "ReachRow",
    "Row",
    "ServiceInfo",
    "SubgroupLevel",
    "SubgroupTest",
    "SuppressionMarker",
    "SustainmentRow",
    "WorkerEndReasonRow",
    "WorkerWellbeingRow",
    "WorkforceRow",
]

ALL_PERIODS = "all"
"""``period`` value of rows that pool every baseline period."""

DEFAULT_BY = (
    "facilitator_model",
    "delivery_format",
    "structure",
    "condition_focus",
    *PRACTICE,
)
"""Service attributes compared in the "what works for whom" table, in report order."""


@dataclasses.dataclass(frozen=True)
class BenchmarkOptions:
    """What to benchmark and how.

    Attributes:
        instrument: Only this instrument (None: every instrument with a direction).
        period: Only baselines in this period (None: every period pooled, ``"all"``).
        by: Service attributes compared in the subgroup table.
        min_n: Minimum paired n behind any published estimate (CORC/ONS: 10).
        backend: Aggregation backend, ``duckdb`` or ``spark``.
        cost_table: Unit-cost CSV (None: the built-in default table).
        disclosure_policy: Policy used by :func:`~peerbench.benchmarking.controlled`
            (None: :class:`~peerbench.disclosure.DisclosurePolicy` defaults).
        target_price_year: Price year of economic values (None: latest deflator year).
        networks: Service → network mapping; adds ``networks`` rows when given.
        as_of: The day workforce and access figures are measured at (who is still in
            post, who is still waiting); None: the latest date in the records they read.
    """

    instrument: str | None = None
    period: str | None = None
    by: tuple[str, ...] = DEFAULT_BY
    min_n: int = 10
    backend: str = "duckdb"
    cost_table: str | None = None
    disclosure_policy: DisclosurePolicy | None = None
    target_price_year: int | None = None
    networks: Mapping[str, str] | None = None
    as_of: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view (the policy as its field values)."""
        out = {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        if self.disclosure_policy is not None:
            out["disclosure_policy"] = self.disclosure_policy.model_dump(mode="json")
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchmarkOptions:
        """Rebuild options from :meth:`to_dict` output."""
        values = dict(data)
        values["by"] = tuple(values.get("by", DEFAULT_BY))
        if values.get("disclosure_policy") is not None:
            values["disclosure_policy"] = DisclosurePolicy(**values["disclosure_policy"])
        if isinstance(values.get("as_of"), str):
            values["as_of"] = dt.date.fromisoformat(values["as_of"])
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class DisclosureInfo:
    """How a result was disclosure-controlled (absent on the raw, internal result).

    Attributes:
        policy: The policy's field values.
        viewer_organisation_id: Who the result was prepared for (None: public).
        owner_services: Services shown unrounded because the viewer owns them.
    """

    policy: Mapping[str, Any]
    viewer_organisation_id: str | None = None
    owner_services: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view."""
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclasses.dataclass(frozen=True)
class DataQualityNote:
    """An organisation left out of one table because its pooled data is inconsistent.

    Aggregation never fails on data the server accepted (SPEC "Submissions and
    periods"): the organisation's rows are left out of ``table`` and this note says so.

    Attributes:
        table: The section the organisation is missing from (e.g. ``economics``).
        organisation_id: The organisation left out.
        reason: What is inconsistent, in plain English.
    """

    table: str
    organisation_id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view."""
        return dataclasses.asdict(self)


SECTIONS: dict[str, type[Row]] = {
    "services": ServiceInfo,
    "reach": ReachRow,
    "outcomes": OutcomeRow,
    "pooled": PooledOutcomeRow,
    "networks": NetworkOutcomeRow,
    "funnel_points": FunnelPoint,
    "funnels": FunnelSummary,
    "meta": MetaRow,
    "forest": ForestRow,
    "subgroups": SubgroupLevel,
    "subgroup_tests": SubgroupTest,
    "casemix_fit": CasemixFit,
    "casemix_coefficients": CasemixCoefficient,
    "casemix_services": CasemixService,
    "sustainment": SustainmentRow,
    "economics": EconomicsRow,
    "access": AccessRow,
    "access_reasons": AccessReasonRow,
    "workforce": WorkforceRow,
    "worker_wellbeing": WorkerWellbeingRow,
    "worker_end_reasons": WorkerEndReasonRow,
}
"""Section name → row class; every section is a tuple field of :class:`BenchmarkResult`."""


@dataclasses.dataclass(frozen=True)
class BenchmarkResult:
    """Everything a benchmark publishes; see :data:`SECTIONS` for each section's rows.

    Attributes:
        options: The options it was computed with.
        generated_from: Description of the source (store path / folder, periods, files).
        disclosure: How it was controlled; None for the raw result (never publish that).
        services … economics: The sections (tuples of rows, see each row class).
        data_quality: Organisations left out of a section, and why.
    """

    options: BenchmarkOptions
    generated_from: str
    disclosure: DisclosureInfo | None = None
    services: tuple[ServiceInfo, ...] = ()
    reach: tuple[ReachRow, ...] = ()
    outcomes: tuple[OutcomeRow, ...] = ()
    pooled: tuple[PooledOutcomeRow, ...] = ()
    networks: tuple[NetworkOutcomeRow, ...] = ()
    funnel_points: tuple[FunnelPoint, ...] = ()
    funnels: tuple[FunnelSummary, ...] = ()
    meta: tuple[MetaRow, ...] = ()
    forest: tuple[ForestRow, ...] = ()
    subgroups: tuple[SubgroupLevel, ...] = ()
    subgroup_tests: tuple[SubgroupTest, ...] = ()
    casemix_fit: tuple[CasemixFit, ...] = ()
    casemix_coefficients: tuple[CasemixCoefficient, ...] = ()
    casemix_services: tuple[CasemixService, ...] = ()
    sustainment: tuple[SustainmentRow, ...] = ()
    economics: tuple[EconomicsRow, ...] = ()
    access: tuple[AccessRow, ...] = ()
    access_reasons: tuple[AccessReasonRow, ...] = ()
    workforce: tuple[WorkforceRow, ...] = ()
    worker_wellbeing: tuple[WorkerWellbeingRow, ...] = ()
    worker_end_reasons: tuple[WorkerEndReasonRow, ...] = ()
    data_quality: tuple[DataQualityNote, ...] = ()

    def section(self, name: str) -> tuple[Row, ...]:
        """The rows of section ``name`` (a key of :data:`SECTIONS`)."""
        rows: tuple[Row, ...] = getattr(self, name)
        return rows

    @property
    def suppressed(self) -> tuple[SuppressionMarker, ...]:
        """Every withheld value in every section, flattened."""
        return tuple(
            SuppressionMarker(table=name, row=dict(row.key()), field=field, reason=reason)
            for name in SECTIONS
            for row in self.section(name)
            for field, reason in sorted(row.suppressed.items())
        )

    def replace(self, **changes: Any) -> BenchmarkResult:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain Python: options, source, disclosure, sections, suppressed."""
        out: dict[str, Any] = {
            "options": self.options.to_dict(),
            "generated_from": self.generated_from,
            "disclosure": None if self.disclosure is None else self.disclosure.to_dict(),
        }
        for name in SECTIONS:
            out[name] = [row.to_dict() for row in self.section(name)]
        out["suppressed"] = [m.to_dict() for m in self.suppressed]
        out["data_quality"] = [note.to_dict() for note in self.data_quality]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchmarkResult:
        """Rebuild a result from :meth:`to_dict` output (e.g. an API response)."""
        disclosure = data.get("disclosure")
        sections = {
            name: tuple(row_type.from_dict(r) for r in data.get(name, ()))
            for name, row_type in SECTIONS.items()
        }
        return cls(
            options=BenchmarkOptions.from_dict(data["options"]),
            generated_from=data["generated_from"],
            disclosure=None
            if disclosure is None
            else DisclosureInfo(
                policy=disclosure["policy"],
                viewer_organisation_id=disclosure.get("viewer_organisation_id"),
                owner_services=tuple(disclosure.get("owner_services", ())),
            ),
            data_quality=tuple(DataQualityNote(**n) for n in data.get("data_quality", ())),
            **sections,  # type: ignore[arg-type]
        )

    def tables(self) -> dict[str, pa.Table]:
        """Every section as a flat Arrow table (mappings become JSON text columns).

        Also ``suppressed`` (table, row as JSON, field, reason). Empty sections keep
        their columns, so a CSV always has its header.
        """
        out = {name: _arrow(row_type, self.section(name)) for name, row_type in SECTIONS.items()}
        out["suppressed"] = _arrow(SuppressionMarker, self.suppressed)
        return out


_ARROW_TYPES: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}


def _arrow_type(hint: Any) -> pa.DataType:
    """Arrow type of a field annotation; ``X | None`` → X; mappings → JSON string."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _arrow_type(inner)
    return _ARROW_TYPES.get(hint, pa.string())


def _arrow(row_type: type[Row], rows: tuple[Row, ...]) -> pa.Table:
    hints = typing.get_type_hints(row_type)
    # Key columns first, then the values in declaration order, ``suppressed`` last.
    by_name = {f.name: f for f in dataclasses.fields(row_type)}
    rest = [n for n in by_name if n not in row_type.KEY and n != "suppressed"]
    tail = [] if row_type is SuppressionMarker else ["suppressed"]
    fields = [by_name[n] for n in (*row_type.KEY, *rest, *tail)]
    schema = pa.schema([(f.name, _arrow_type(hints[f.name])) for f in fields])
    columns: dict[str, list[Any]] = {f.name: [] for f in fields}
    for row in rows:
        for f in fields:
            value = plain(getattr(row, f.name))
            if isinstance(value, dict):
                value = json.dumps(value, sort_keys=True) if value else None
            columns[f.name].append(value)
    return pa.Table.from_pydict(columns, schema=schema)
