"""Small block factories shared by the builders (key figures that may be suppressed)."""

from __future__ import annotations

from typing import Any

from peerbench.reports.content import KeyFigure
from peerbench.reports.suppression import as_suppressed


def key_figure(label: str, raw: Any, text: str, meaning: str) -> KeyFigure:
    """A key figure whose value may be a suppression marker.

    Args:
        label: What is counted.
        raw: The value behind ``text`` (a number, ``None`` or a suppression marker).
        text: The formatted value.
        meaning: One sentence saying what it means.
    """
    marker = as_suppressed(raw)
    if marker is not None:
        return KeyFigure(label, "", meaning, suppressed_reason=marker.reason)
    return KeyFigure(label, text, meaning)
