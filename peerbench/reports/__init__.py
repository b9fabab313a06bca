"""Report presentation: content model, charts, plain-English numbers and HTML/PDF output.

Content builders fill a :class:`Report` (sections of key figures, charts, tables, quotes
and callouts); :func:`render_html` turns it into one self-contained, accessible HTML page
and :func:`print_pdf` prints that page to A4 with headless Chromium.
"""

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
