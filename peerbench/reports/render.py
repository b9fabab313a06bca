"""Render a :class:`~peerbench.reports.content.Report` to self-contained HTML, and to PDF.

The page has no scripts and fetches nothing: CSS is inlined and charts are inline SVG. The
output is deterministic (no timestamps unless the report carries ``generated_on``), so the
same content always gives byte-identical HTML.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined

from peerbench import __version__
from peerbench.io.atomic import atomic_path
from peerbench.reports import formatting as fmt
from peerbench.reports.content import Block, KeyFigure, Report, Section
from peerbench.reports.suppression import SuppressionWording, as_suppressed

if TYPE_CHECKING:  # charts load Altair; rendering a built report does not need it
    from peerbench.reports.chart import Chart

CHROMIUM = "/usr/bin/chromium"
PDF_TIMEOUT_SECONDS = 120
TONE_LABELS = {"info": "Note", "good": "Good news", "caution": "Take care"}


class PdfError(RuntimeError):
    """Chromium was found but did not produce a PDF."""


@dataclasses.dataclass(frozen=True)
class Item:
    """One thing to draw in a section: a run of key figures, or one other block.

    Attributes:
        kind: ``key_figures``, ``figure``, ``table``, ``quote`` or ``callout``.
        blocks: The blocks (several only for a run of key figures).
        number: Figure or table number, counted through the whole report (0 otherwise).
    """

    kind: str
    blocks: tuple[Block, ...]
    number: int = 0


@dataclasses.dataclass(frozen=True)
class SectionView:
    """A section with its anchor and the items to draw."""

    section: Section
    anchor: str
    items: tuple[Item, ...]


def section_views(sections: Sequence[Section]) -> list[SectionView]:
    """Group consecutive key figures into one row and number figures and tables."""
    counters = {"figure": 0, "table": 0}
    views = []
    for index, section in enumerate(sections, start=1):
        items: list[Item] = []
        for block in section.blocks:
            if isinstance(block, KeyFigure):
                if items and items[-1].kind == "key_figures":
                    items[-1] = Item("key_figures", (*items[-1].blocks, block))
                else:
                    items.append(Item("key_figures", (block,)))
                continue
            number = 0
            if block.block_type in counters:
                counters[block.block_type] += 1
                number = counters[block.block_type]
            items.append(Item(block.block_type, (block,), number))
        views.append(SectionView(section, f"section-{index}", tuple(items)))
    return views


@functools.lru_cache(maxsize=8)
def _environment(wording: SuppressionWording) -> Environment:
    """The template environment for ``wording``, made once: Jinja compiles each template
    once per environment (about 0.15 s for a report page), so a new environment per
    render compiled the page on every build. Rendering from one is thread-safe."""
    env = Environment(
        loader=PackageLoader("peerbench.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests["suppressed"] = lambda value: as_suppressed(value) is not None
    env.filters["cell_text"] = lambda value: cell_text(value, wording)
    env.filters["reason"] = lambda value: getattr(as_suppressed(value), "reason", "")
    env.filters["short_reason"] = wording.short
    env.filters["tone_label"] = lambda tone: TONE_LABELS.get(str(tone), "Note")
    env.filters["table_rows"] = chart_rows
    env.filters["split_value"] = split_value
    return env


def preload_templates(wording: SuppressionWording | None = None) -> None:
    """Compile every template for ``wording`` now, the pages and what they extend,
    import and include (a server does at start-up, so its first report does not)."""
    env = _environment(wording or SuppressionWording())
    for name in env.list_templates():
        env.get_template(name)


def cell_text(value: object, wording: SuppressionWording | None = None) -> str:
    """Text for a table cell: suppression wording, a formatted number, or the text itself."""
    marker = as_suppressed(value)
    if marker is not None:
        return (wording or SuppressionWording()).short(marker.reason)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return fmt.number(value)
    if isinstance(value, float):
        return fmt.number(value, 0 if value.is_integer() else 1)
    return str(value)


def split_value(text: str) -> tuple[str, str]:
    """Split "52% (95% CI 47% to 57%)" into the headline and its bracketed detail.

    Key figures print the headline large and the interval or range small beneath it.
    """
    head, sep, tail = text.partition(" (")
    if sep and tail.endswith(")"):
        return head, f"({tail}"
    return text, ""


def chart_rows(chart: Chart) -> list[list[object]]:
    """The chart's data table as rows of cells aligned to :attr:`Chart.columns`."""
    return [[row.get(column, "") for column in chart.columns] for row in chart.data]


def render_html(report: Report) -> str:
    """Render a report to one self-contained HTML page.

    Args:
        report: The report content.

    Returns:
        The HTML text (deterministic for the same content and peerbench version).
    """
    template = _environment(report.wording).get_template(f"{report.kind}.html.j2")
    return template.render(
        report=report, sections=section_views(report.sections), version=__version__
    )


def render_fragment(
    sections: Sequence[Section],
    wording: SuppressionWording | None = None,
    *,
    heading_level: int = 2,
    anchor_prefix: str = "section",
) -> str:
    """Sections as an HTML fragment drawn with the report components (for the portal).

    Charts, tables and hidden values look and read exactly as in a report; the legend
    "Why some numbers are hidden" follows when any value is hidden.
    """
    words = wording or SuppressionWording()
    views = [
        dataclasses.replace(view, anchor=f"{anchor_prefix}-{index}")
        for index, view in enumerate(section_views(sections), start=1)
    ]
    # The same legend as a whole report's: reasons in first-seen order.
    reasons = Report(kind="network", title="", sections=sections).suppression_reasons()
    return (
        _environment(words)
        .get_template("fragment.html.j2")
        .render(
            sections=views,
            level=heading_level,
            reasons=reasons,
            wording=words,
            prefix=anchor_prefix,
        )
    )


def report_filename(report: Report) -> str:
    """A file name from the report's kind and title, e.g. ``service-hillside-2024-25.html``."""
    slug = re.sub(r"[^a-z0-9]+", "-", report.title.lower()).strip("-")[:60].strip("-")
    return f"{report.kind}-{slug or 'report'}.html"


def write_report(report: Report, out_dir: Path) -> Path:
    """Render ``report`` and write it atomically into ``out_dir``.

    Args:
        report: The report content.
        out_dir: Folder to write into (created if missing).

    Returns:
        The path of the written HTML file.
    """
    target = Path(out_dir) / report_filename(report)
    with atomic_path(target) as tmp:
        tmp.write_text(render_html(report), encoding="utf-8")
    return target


def find_chromium() -> str | None:
    """Debian's ``/usr/bin/chromium`` if present, else ``chromium`` on ``PATH``, else None."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: str | None = None) -> bool:
    """Print an HTML report to an A4 PDF with headless Chromium.

    Args:
        html_path: The rendered report.
        pdf_path: Where to write the PDF (atomically).
        chromium: Browser executable; defaults to :func:`find_chromium`.

    Returns:
        True when the PDF was written; False when no Chromium is installed.

    Raises:
        PdfError: Chromium ran but did not produce a PDF.
    """
    browser = chromium or find_chromium()
    if browser is None:
        return False
    with (
        tempfile.TemporaryDirectory(prefix="peerbench-chromium-") as profile,
        atomic_path(Path(pdf_path)) as tmp,
    ):
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp}",
            Path(html_path).resolve().as_uri(),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PDF_TIMEOUT_SECONDS, check=False
        )
        if not tmp.read_bytes()[:5].startswith(b"%PDF"):
            raise PdfError(
                f"chromium exited {done.returncode} without a PDF: {done.stderr[-2000:]}"
            )
    return True
