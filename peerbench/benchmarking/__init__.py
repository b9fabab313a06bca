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

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

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
from peerbench.lazy import lazy_names

if TYPE_CHECKING:
    from peerbench.benchmarking.compute import compute
    from peerbench.benchmarking.disclose import controlled
    from peerbench.benchmarking.sources import LoadedSource, open_source
    from peerbench.benchmarking.text import render_text

_LAZY = {
    "compute": "peerbench.benchmarking.compute",
    "controlled": "peerbench.benchmarking.disclose",
    "LoadedSource": "peerbench.benchmarking.sources",
    "open_source": "peerbench.benchmarking.sources",
    "render_text": "peerbench.benchmarking.text",
}
"""Imported on first use: the statistics behind ``compute`` and ``controlled`` (SciPy,
statsmodels, Ibis) take a second or more to import, which a process that only reads a
result (e.g. from the result cache) should not pay."""


class _Package(types.ModuleType):
    """Keeps ``peerbench.benchmarking.compute`` the function, as the eager import did.

    Importing the submodule ``peerbench.benchmarking.compute`` makes Python set it as
    this package's ``compute`` attribute; the function of that name is meant instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "compute" and isinstance(value, types.ModuleType):
            value = value.compute
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__getattr__ = lazy_names(__name__, _LAZY)

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
