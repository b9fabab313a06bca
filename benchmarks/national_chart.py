"""A small SVG line chart of the national-scale growth table (no plotting library).

Seconds against submissions, both on log scales, one line per timed column of the
table ``bench_national`` prints; the README embeds the file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path

WIDTH, HEIGHT = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 230, 40, 60
COLOURS = ("#1b6ca8", "#d1495b", "#2e8b57", "#e09f3e", "#6a4c93")
SERIES = ("submission p95 s", "benchmark cold s", "benchmark warm s", "network report cold s")


def _ticks(low: float, high: float) -> list[float]:
    """Powers of ten and their 2× and 5× between ``low`` and ``high``."""
    out = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10.0**exponent
            if low <= value <= high:
                out.append(value)
    return out


def _label(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def chart_svg(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The SVG text of the chart (x: the first column; one line per :data:`SERIES`)."""
    xs = [float(r[0]) for r in rows]  # type: ignore[arg-type]
    series = {
        name: [float(r[headers.index(name)]) for r in rows]  # type: ignore[arg-type]
        for name in SERIES
        if name in headers
    }
    values = [v for vs in series.values() for v in vs if v > 0]
    y_low, y_high = min(values) / 1.5, max(values) * 1.5
    x_low, x_high = min(xs) / 1.2, max(xs) * 1.2
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(x: float) -> float:
        return LEFT + plot_w * math.log(x / x_low) / math.log(x_high / x_low)

    def y_at(y: float) -> float:
        return TOP + plot_h * (1 - math.log(y / y_low) / math.log(y_high / y_low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12" role="img" '
        'aria-labelledby="title"><title id="title">Server reads and submission latency as the '
        "national pool grows</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">Seconds as the pool '
        "grows (log scales)</text>",
    ]
    for y in _ticks(y_low, y_high):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y_at(y):.1f}" y2="{y_at(y):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y_at(y) + 4:.1f}" text-anchor="end">{_label(y)}</text>'
        )
    for x in xs:
        parts.append(
            f'<text x="{x_at(x):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
            f"{_label(x)}</text>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 18}" text-anchor="middle">'
        "submissions in the pool</text>"
        f'<text transform="translate(18 {TOP + plot_h / 2}) rotate(-90)" '
        'text-anchor="middle">seconds</text>'
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#888"/>'
    )
    for i, (name, ys) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{x_at(x):.1f},{y_at(y):.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        parts.extend(
            f'<circle cx="{x_at(x):.1f}" cy="{y_at(y):.1f}" r="3" fill="{colour}"/>'
            for x, y in zip(xs, ys, strict=True)
        )
        legend_y = TOP + 14 + 20 * i
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 16}" x2="{WIDTH - RIGHT + 40}" y1="{legend_y - 4}" '
            f'y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{WIDTH - RIGHT + 46}" y="{legend_y}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_chart(path: Path, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Write :func:`chart_svg` to ``path`` (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(chart_svg(headers, rows), encoding="utf-8")
