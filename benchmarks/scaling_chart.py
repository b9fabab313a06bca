"""A small, dependency-free SVG line chart with log-scaled axes (for the scaling curve).

Deterministic: the same points give the same bytes (no ids, dates or random colours),
so a regenerated chart only changes when the measurements do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

COLOURS = ("#1b6ca8", "#d1495b", "#2a9d8f", "#e9a23b", "#6a4c93", "#555555")
"""Line colours, in series order (colour-blind-distinguishable pairs first)."""
PANEL_WIDTH, PANEL_HEIGHT = 420, 300
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 40, 48
LEGEND_HEIGHT = 28


@dataclass(frozen=True)
class Series:
    """One line: a name and its (x, y) points (x and y positive)."""

    name: str
    points: Sequence[tuple[float, float]]


def _decades(low: float, high: float) -> tuple[int, int]:
    """Whole powers of ten around ``[low, high]``."""
    first = math.floor(math.log10(low))
    last = math.ceil(math.log10(high))
    return first, max(last, first + 1)


def _label(value: float) -> str:
    """``10000`` → ``10k``, ``1e6`` → ``1M``, ``0.1`` → ``0.1``."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#e5e5e5"/>'


def _panel(title: str, series: Sequence[Series], x_label: str, left: float) -> list[str]:
    xs = [x for s in series for x, _ in s.points if x > 0]
    ys = [y for s in series for _, y in s.points if y > 0]
    if not xs or not ys:
        return []
    x0, x1 = _decades(min(xs), max(xs))
    y0, y1 = _decades(min(ys), max(ys))
    width = PANEL_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    height = PANEL_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    ox, oy = left + MARGIN_LEFT, MARGIN_TOP

    def px(x: float) -> float:
        return ox + (math.log10(x) - x0) / (x1 - x0) * width

    def py(y: float) -> float:
        return oy + height - (math.log10(y) - y0) / (y1 - y0) * height

    out = [
        f'<text x="{ox + width / 2:.1f}" y="{oy - 14:.1f}" text-anchor="middle" '
        f'font-weight="bold">{escape(title)}</text>',
        f'<rect x="{ox:.1f}" y="{oy:.1f}" width="{width:.1f}" height="{height:.1f}" '
        'fill="none" stroke="#999"/>',
    ]
    for power in range(x0, x1 + 1):
        x = px(10.0**power)
        out.append(_line(x, oy, x, oy + height))
        out.append(
            f'<text x="{x:.1f}" y="{oy + height + 16:.1f}" text-anchor="middle">'
            f"{_label(10.0**power)}</text>"
        )
    for power in range(y0, y1 + 1):
        y = py(10.0**power)
        out.append(_line(ox, y, ox + width, y))
        out.append(
            f'<text x="{ox - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{_label(10.0**power)}</text>'
        )
    out.append(
        f'<text x="{ox + width / 2:.1f}" y="{oy + height + 36:.1f}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    for index, s in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = [(px(x), py(y)) for x, y in s.points if x > 0 and y > 0]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y in points:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    return out


def svg_chart(title: str, panels: Sequence[tuple[str, Sequence[Series]]], *, x_label: str) -> str:
    """Side-by-side log-log panels sharing one legend (the first panel's series names)."""
    width = PANEL_WIDTH * len(panels)
    height = PANEL_HEIGHT + LEGEND_HEIGHT + 24
    body: list[str] = [
        f'<text x="{width / 2:.1f}" y="18" text-anchor="middle" font-size="15" '
        f'font-weight="bold">{escape(title)}</text>'
    ]
    for index, (name, series) in enumerate(panels):
        group = _panel(name, series, x_label, PANEL_WIDTH * index)
        body.append(f'<g transform="translate(0,24)">{"".join(group)}</g>')
    names = [s.name for s in panels[0][1]] if panels else []
    x = MARGIN_LEFT
    legend_y = PANEL_HEIGHT + 24 + 18
    for index, name in enumerate(names):
        colour = COLOURS[index % len(COLOURS)]
        body.append(
            f'<rect x="{x}" y="{legend_y - 9}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{legend_y + 1}">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" '
        f'role="img" aria-label="{escape(title)}">'
        f'<rect width="{width}" height="{height}" fill="white"/>' + "".join(body) + "</svg>\n"
    )
