"""Reports as PDF downloads: the same HTML printed by headless Chromium, where it exists."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi.responses import Response

from peerbench.portal.errors import PortalNotFound
from peerbench.reports.render import print_pdf

NO_PDF = (
    "PDF copies are not available on this server (Chromium is not installed). "
    "Download the HTML and print it from your browser instead."
)


def pdf_response(html: str, name: str, headers: dict[str, str] | None = None) -> Response:
    """``html`` printed to an A4 PDF, sent as the attachment ``name``.pdf.

    Raises:
        PortalNotFound: the server has no Chromium to print with.
    """
    with tempfile.TemporaryDirectory(prefix="peerbench-portal-pdf-") as folder:
        source, target = Path(folder) / "report.html", Path(folder) / "report.pdf"
        source.write_text(html, encoding="utf-8")
        if not print_pdf(source, target):
            raise PortalNotFound(NO_PDF)
        data = target.read_bytes()
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    return Response(
        data,
        media_type="application/pdf",
        headers={**(headers or {}), "Content-Disposition": f'attachment; filename="{safe}.pdf"'},
    )
