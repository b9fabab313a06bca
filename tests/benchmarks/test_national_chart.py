"""The national growth chart is a well-formed SVG with a line per timed column."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from benchmarks.national_chart import SERIES, chart_svg, write_chart
from benchmarks.server_pool import percentile

HEADERS = [
    "submissions", "current pool files", "submission p50 s", "submission p95 s",
    "benchmark cold s", "benchmark warm s", "benchmark MB", "network report cold s",
]  # fmt: skip
ROWS = [[100, 646, 0.1, 0.16, 2.7, 0.05, 1.2, 5.5], [400, 2547, 0.2, 0.37, 15.7, 0.08, 1.3, 29.9]]
SVG = "{http://www.w3.org/2000/svg}"


def test_chart_has_one_line_per_series(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "national.svg"
    write_chart(path, HEADERS, ROWS)
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == len(SERIES)
    assert all(len(line.attrib["points"].split()) == len(ROWS) for line in lines)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert set(SERIES) <= set(labels) and "2,547" not in labels and "400" in labels


def test_slower_is_higher() -> None:
    root = ET.fromstring(chart_svg(HEADERS, ROWS))
    cold = root.findall(f"{SVG}polyline")[1].attrib["points"].split()
    (_x1, y1), (_x2, y2) = (p.split(",") for p in cold)
    assert float(y2) < float(y1)  # 15.7 s is drawn above 2.7 s


def test_percentile_matches_the_inclusive_definition() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.05
    assert percentile(values, 50) == 50.5
    assert percentile([0.3], 95) == 0.3
