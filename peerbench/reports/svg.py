"""Make vl-convert's SVG safe to inline several times in one accessible HTML page.

vl-convert renders each chart to a standalone SVG whose clip paths use short ids such as
``clip1``. Inlined twice in one page, the second chart would clip to the first chart's
rectangle, so every id gets a per-chart prefix. The root element is then labelled as a
single image (``role="img"`` with a ``<title>``), because screen readers cannot make sense of
hundreds of individual marks; the data table beside the chart carries the detail.
"""

from __future__ import annotations

import hashlib
import re
from html import escape

_ID = re.compile(r'\bid="([^"]+)"')
_ROOT = re.compile(r"<svg\b[^>]*>")


def prefix_ids(svg: str, prefix: str) -> str:
    """Rename every ``id`` and its ``url(#…)`` / ``href="#…"`` references with ``prefix``."""
    for old in sorted(set(_ID.findall(svg)), key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    return svg


def label_root(svg: str, label: str, prefix: str) -> str:
    """Mark the root ``<svg>`` as one image named by ``label`` (a ``<title>`` child)."""
    match = _ROOT.search(svg)
    if match is None:
        raise ValueError("not an SVG document")
    title_id = f"{prefix}-title"
    root = match.group(0)[:-1]
    root = re.sub(r'\s(role|aria-[a-z]+)="[^"]*"', "", root)
    opening = f'{root} role="img" aria-labelledby="{title_id}" focusable="false">'
    title = f'<title id="{title_id}">{escape(label)}</title>'
    return svg[: match.start()] + opening + title + svg[match.end() :]


def finish(svg: str, label: str) -> str:
    """Prefix ids (deterministically, from the SVG's content) and label the root."""
    prefix = "c" + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:10]
    return label_root(prefix_ids(svg, prefix), label, prefix)
