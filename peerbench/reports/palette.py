"""Colours and chart styling shared by every report chart.

Colours come from the Okabe–Ito colour-blind-safe set, darkened where needed so every mark
has at least 3:1 contrast against white (WCAG 1.4.11) and text on top of it 4.5:1. Meaning is
never carried by colour alone: charts also use shape, position, labels or a data table.
"""

from __future__ import annotations

from typing import Any

INK = "#1a1a1a"  # body text: 17:1 on white
MUTED = "#4a4a4a"  # secondary text: 8.9:1 on white
GRID = "#e0e0e0"

BLUE = "#0072B2"  # Okabe–Ito blue, 5.2:1 on white; white text on it 5.2:1
DARK_BLUE = "#005A8C"  # 7.4:1
ORANGE = "#B35000"  # Okabe–Ito vermillion darkened: 5.2:1; white text on it 5.2:1
DARK_ORANGE = "#8A3D00"
GREY = "#767676"  # 4.5:1 on white
MID_GREY = "#8C8C8C"  # 3.4:1 on white; dark text on it 5.2:1
LINE = "#333333"

FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"

# Reference width for A4 portrait: 180 mm of text width is about 680 CSS pixels.
WIDTH = 580


def vega_config() -> dict[str, Any]:
    """The Vega-Lite ``config`` applied to every chart: readable, print-friendly text."""
    text = {"labelFont": FONT, "titleFont": FONT, "labelColor": INK, "titleColor": INK}
    return {
        "background": "white",
        "font": FONT,
        "padding": 8,
        "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": 300},
        "axis": {
            **text,
            "labelFontSize": 13,
            "titleFontSize": 13,
            "titleFontWeight": "bold",
            "domainColor": LINE,
            "tickColor": LINE,
            "gridColor": GRID,
            "titlePadding": 10,
            "labelLimit": 220,
        },
        "legend": {
            **text,
            "labelFontSize": 13,
            "titleFontSize": 13,
            "orient": "bottom",
            "direction": "horizontal",
            "columns": 3,
            "labelLimit": 260,
            "symbolSize": 120,
        },
        "text": {"font": FONT, "fontSize": 13, "color": INK},
        "title": {"font": FONT, "fontSize": 14, "color": INK, "anchor": "start"},
    }
