"""Write a rendered report to files: ``<name>.html``, ``<name>.figures.json``, optional PDF.

Kept apart from the builders so that writing a report read back from the result cache
(or one a server built) imports none of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peerbench.io.atomic import atomic_path


def write_pages(
    page: str, figures: dict[str, Any], out_dir: Path, name: str, *, pdf: bool = False
) -> list[Path]:
    """Write a rendered report ``page`` and its key ``figures`` (see :func:`write`).

    Also serves reports a server built, which arrive rendered.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / f"{name}.html"
    with atomic_path(html) as tmp:
        tmp.write_text(page, encoding="utf-8")
    summary = out_dir / f"{name}.figures.json"
    with atomic_path(summary) as tmp:
        text = json.dumps(figures, indent=2, ensure_ascii=False)
        tmp.write_text(text + "\n", encoding="utf-8")
    written = [html, summary]
    if pdf:
        # Imported here: the renderer loads the chart stack (Altair), not needed for HTML.
        from peerbench.reports.render import find_chromium, print_pdf

    if pdf and find_chromium() is not None:
        target = out_dir / f"{name}.pdf"
        print_pdf(html, target)
        written.append(target)
    return written
