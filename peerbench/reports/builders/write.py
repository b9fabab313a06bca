"""Write reports to files: ``<kind>[-<id>].html``, optional PDF and a key-figures JSON.

:func:`write_all` is the one call a demo or a script needs::

    from peerbench.reports.builders import write_all
    paths = write_all("demo-output/reference", "demo-output/reports")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from peerbench.reports.builders import KINDS
from peerbench.reports.builders.commissioner import build_commissioner_summary
from peerbench.reports.builders.figures import key_figures
from peerbench.reports.builders.inputs import ReportData, load_report_data
from peerbench.reports.builders.network import build_network_report
from peerbench.reports.builders.pages import write_pages
from peerbench.reports.builders.quality import build_quality_report
from peerbench.reports.builders.quality_inputs import quality_inputs
from peerbench.reports.builders.select import number
from peerbench.reports.builders.service import build_service_report
from peerbench.reports.content import Report
from peerbench.reports.render import render_html

SMALL_SERVICE_MIN = 10


def build(
    data: ReportData, kind: str, service_id: str | None = None, *, owner: bool = True
) -> Report:
    """Build one report of ``kind`` (``service`` needs ``service_id``).

    ``owner`` is for service reports: False gives the view for readers outside the
    service's organisation (see :func:`build_service_report`).

    Raises:
        ValueError: for an unknown kind or a service report without a service.
        KeyError: if the service is not in the data.
    """
    if kind == "service":
        if service_id is None:
            raise ValueError("a service report needs a service id")
        return build_service_report(data, service_id, owner=owner)
    if kind == "network":
        return build_network_report(data)
    if kind == "commissioner":
        return build_commissioner_summary(data)
    if kind == "quality":
        return build_quality_report(quality_inputs(data))
    raise ValueError(f"unknown report kind {kind!r}; expected one of {', '.join(KINDS)}")


def write(report: Report, out_dir: Path, name: str, *, pdf: bool = False) -> list[Path]:
    """Write ``report`` as ``out_dir/name.html`` and ``.figures.json`` (and ``.pdf``).

    Returns:
        The paths written (the PDF only when Chromium is installed).
    """
    return write_pages(render_html(report), key_figures(report), out_dir, name, pdf=pdf)


def largest_and_smallest(data: ReportData) -> tuple[str, str]:
    """The services with the most and the fewest people supported (ties: by id).

    The smallest is chosen among services with at least :data:`SMALL_SERVICE_MIN` people.
    """
    sizes = sorted(
        (int(number(row, "participants") or 0), row.service_id)
        for row in data.raw.reach
        if row.period == "all"
    )
    small = [s for s in sizes if s[0] >= SMALL_SERVICE_MIN] or sizes
    return sizes[-1][1], small[0][1]


def write_all(
    source_dir: str | Path,
    out_dir: str | Path,
    *,
    services: Sequence[str] | None = None,
    pdf: bool = False,
    network_name: str = "the network",
    data: ReportData | None = None,
    produced_on: dt.date | None = None,
) -> list[Path]:
    """Write the full set of reports for the data in ``source_dir``.

    Writes ``network``, ``commissioner``, ``quality`` and one ``service-<id>`` report per
    service in ``services`` (default: the largest and the smallest service), each as
    HTML plus a ``.figures.json`` summary (and a PDF with ``pdf`` when Chromium exists).

    Args:
        source_dir: A pooled store or a folder of standard files.
        out_dir: Folder to write into (created if missing).
        services: Service ids for service reports.
        pdf: Also print each report to PDF.
        network_name: What the reports call the whole pool.
        data: Already-loaded data (skips loading ``source_dir``).
        produced_on: The production date printed on the reports (default: today; fix it
            for reproducible output). Ignored with ``data``, which carries its own.

    Returns:
        Every path written, HTML first for each report.
    """
    data = data or load_report_data(source_dir, network_name=network_name, produced_on=produced_on)
    chosen = list(services) if services is not None else list(dict.fromkeys(
        largest_and_smallest(data)))  # fmt: skip
    out = Path(out_dir)
    written: list[Path] = []
    written += write(build(data, "network"), out, "network", pdf=pdf)
    for service_id in chosen:
        written += write(build(data, "service", service_id), out, f"service-{service_id}", pdf=pdf)
    written += write(build(data, "commissioner"), out, "commissioner", pdf=pdf)
    written += write(build(data, "quality"), out, "quality", pdf=pdf)
    return written
