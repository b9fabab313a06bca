"""Benchmarks: fair comparison of peer-support services ("what works for whom").

* :func:`compute`: ``compute(source, options) -> BenchmarkResult`` (raw, never publish);
* :func:`controlled`: the disclosure-controlled result for a viewer (owner or public);
* :func:`open_source`: a server data directory or a folder of standard files;
* :mod:`~peerbench.benchmarking.result`: the result model (:class:`BenchmarkResult`,
  its options and row types, ``to_dict()`` and ``tables()``).

Example:
    >>> from peerbench.aggregate import BenchmarkSource
    >>> from peerbench.synth import SynthConfig, generate
    >>> data = generate(SynthConfig(organisations=3, outcome_rows=2000)).tables
    >>> raw = compute(BenchmarkSource.from_tables(data), BenchmarkOptions(instrument="PHQ9"))
    >>> public = controlled(raw)
    >>> public.disclosure.policy["name"]
    'nhs-digital-2018'
"""

from peerbench.benchmarking.compute import compute
from peerbench.benchmarking.disclose import controlled
from peerbench.benchmarking.result import (
    ALL_PERIODS,
    DEFAULT_BY,
    SECTIONS,
    BenchmarkOptions,
    BenchmarkResult,
    CasemixCoefficient,
    CasemixFit,
    CasemixService,
    DataQualityNote,
    DisclosureInfo,
    EconomicsRow,
    ForestRow,
    FunnelPoint,
    FunnelSummary,
    MetaRow,
    NetworkOutcomeRow,
    OutcomeMetrics,
    OutcomeRow,
    PooledOutcomeRow,
    ReachRow,
    Row,
    ServiceInfo,
    SubgroupLevel,
    SubgroupTest,
    SuppressionMarker,
    SustainmentRow,
)
from peerbench.benchmarking.sources import LoadedSource, open_source
from peerbench.benchmarking.text import render_text

__all__ = [
    "ALL_PERIODS",
    "DEFAULT_BY",
    "SECTIONS",
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
    "LoadedSource",
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
    "compute",
    "controlled",
    "open_source",
    "render_text",
]
