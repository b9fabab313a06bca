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

from peerbench.reports.builders.commissioner import build_commissioner_summary
from peerbench.reports.builders.figures import key_figures
from peerbench.reports.builders.inputs import ReportData, load_report_data
from peerbench.reports.builders.network import build_network_report
from peerbench.reports.builders.quality import QualityInputs, build_quality_report
from peerbench.reports.builders.quality_inputs import quality_inputs
from peerbench.reports.builders.service import build_service_report
from peerbench.reports.builders.write import (
    KINDS,
    build,
    largest_and_smallest,
    write,
    write_all,
    write_pages,
)

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
