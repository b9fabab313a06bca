"""Report presentation: content model, charts, plain-English numbers and HTML/PDF output.

Content builders fill a :class:`Report` (sections of key figures, charts, tables, quotes
and callouts); :func:`render_html` turns it into one self-contained, accessible HTML page
and :func:`print_pdf` prints that page to A4 with headless Chromium.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peerbench.lazy import lazy_names

if TYPE_CHECKING:
    from peerbench.reports.chart import Chart
    from peerbench.reports.content import (
        Block,
        Callout,
        Figure,
        KeyFigure,
        Quote,
        Report,
        ReportKind,
        Section,
        Table,
    )
    from peerbench.reports.render import PdfError, print_pdf, render_html, write_report
    from peerbench.reports.suppression import SuppressedValue, SuppressionWording

_LAZY = {
    "Chart": "chart",
    **dict.fromkeys(
        ["Block", "Callout", "Figure", "KeyFigure", "Quote", "Report", "ReportKind"], "content"
    ),
    "Section": "content",
    "Table": "content",
    **dict.fromkeys(["PdfError", "print_pdf", "render_html", "write_report"], "render"),
    "SuppressedValue": "suppression",
    "SuppressionWording": "suppression",
}
"""Imported on first use: charts load Altair, pandas and vl-convert (about a second),
which a report answered from the result cache never needs."""


__getattr__ = lazy_names(__name__, _LAZY, base=f"{__name__}.")

__all__ = [
    "Block",
    "Callout",
    "Chart",
    "Figure",
    "KeyFigure",
    "PdfError",
    "Quote",
    "Report",
    "ReportKind",
    "Section",
    "SuppressedValue",
    "SuppressionWording",
    "Table",
    "print_pdf",
    "render_html",
    "write_report",
]
