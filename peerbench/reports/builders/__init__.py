"""Report builders: a benchmark (and data quality, and feedback) turned into report content.

One module per report kind, each returning a :class:`peerbench.reports.Report` for the
rendering layer:

* :func:`build_service_report`: one service, for the organisation that runs it;
* :func:`build_network_report`: every service together (public view);
* :func:`build_commissioner_summary`: the two-page case for investment;
* :func:`build_quality_report`: completeness, validity and follow-up of a submission or
  a network.

Every figure passes disclosure control (:func:`peerbench.benchmarking.disclose.controlled`,
or :mod:`peerbench.disclosure` for figures outside the benchmark). Load the inputs once
with :func:`load_report_data`; :func:`write_all` writes the whole set::

    from peerbench.reports.builders import write_all
    write_all("demo-output/reference", "demo-output/reports")
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from peerbench.lazy import lazy_names

if TYPE_CHECKING:
    from peerbench.reports.builders.commissioner import build_commissioner_summary
    from peerbench.reports.builders.figures import key_figures
    from peerbench.reports.builders.inputs import ReportData, load_report_data
    from peerbench.reports.builders.network import build_network_report
    from peerbench.reports.builders.pages import write_pages
    from peerbench.reports.builders.quality import QualityInputs, build_quality_report
    from peerbench.reports.builders.quality_inputs import quality_inputs
    from peerbench.reports.builders.service import build_service_report
    from peerbench.reports.builders.write import build, largest_and_smallest, write, write_all

KINDS = ("service", "network", "commissioner", "quality")
"""The report kinds, in the order ``peerbench report --kind`` lists them."""

_LAZY = {
    "build_commissioner_summary": "commissioner",
    "key_figures": "figures",
    "ReportData": "inputs",
    "load_report_data": "inputs",
    "build_network_report": "network",
    "QualityInputs": "quality",
    "build_quality_report": "quality",
    "quality_inputs": "quality_inputs",
    "build_service_report": "service",
    **dict.fromkeys(["build", "largest_and_smallest", "write", "write_all"], "write"),
    "write_pages": "pages",
}
"""Imported on first use: the builders load the statistics, Altair and the validators
(seconds), which a report answered from the result cache never needs."""


class _Package(types.ModuleType):
    """Keeps ``write`` and ``quality_inputs`` the functions, as the eager imports did.

    Importing a submodule makes Python set it as an attribute of this package; two
    submodules share their name with the function they define, which is meant instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("write", "quality_inputs") and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__getattr__ = lazy_names(__name__, _LAZY, base=f"{__name__}.")

__all__ = [
    "KINDS",
    "QualityInputs",
    "ReportData",
    "build",
    "build_commissioner_summary",
    "build_network_report",
    "build_quality_report",
    "build_service_report",
    "key_figures",
    "largest_and_smallest",
    "load_report_data",
    "quality_inputs",
    "write",
    "write_all",
    "write_pages",
]
