"""Trend: a few scores (0–100) across reporting periods, e.g. data-quality scores by year."""

from __future__ import annotations

from collections.abc import Sequence

from peerbench.reports import formatting as fmt
from peerbench.reports import vega as vl
from peerbench.reports.chart import (
    Cell,
    Chart,
    Rows,
    cell,
    count_hidden,
    hidden_note,
    plural,
    records,
    render,
    value_of,
)
from peerbench.reports.palette import BLUE, INK, MID_GREY, ORANGE, WIDTH

_COLOURS = [BLUE, ORANGE, INK, MID_GREY]
_DASHES = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]]


def score_trend(
    rows: Rows,
    *,
    period_label: str = "Period",
    value_label: str = "Score (out of 100)",
    title: str = "How the scores changed over time",
    series_order: Sequence[str] | None = None,
) -> Chart:
    """Lines of scores on a 0–100 scale across periods, one line per series.

    Args:
        rows: One row per period and series. Columns: ``period`` (label, rows in time
            order), ``series`` (e.g. "Completeness"), ``value`` (0–100, ``None`` or a
            suppressed marker when there is nothing to score).
        period_label: Axis title and data-table heading for the periods.
        value_label: Axis title for the score.
        title: Figure heading.
        series_order: Legend order of series (defaults to order of appearance).

    Returns:
        The rendered chart; missing or hidden points are left out and worded in the table.
    """
    data_rows = records(rows)
    periods = list(dict.fromkeys(str(r["period"]) for r in data_rows))
    series = list(series_order or dict.fromkeys(str(r["series"]) for r in data_rows))
    shown = [
        {"period": str(r["period"]), "series": str(r["series"]), "value": value}
        for r in data_rows
        if (value := value_of(r, "value")) is not None
    ]
    n = len(series)
    legend = vl.props(symbolType="stroke", symbolStrokeWidth=2.5)
    spec = vl.top_level(
        vl.view(
            vl.mark("line", point=vl.props(filled=True, size=80), strokeWidth=2.5),
            vl.encoding(
                x=vl.field(
                    "period:N", sort=periods, title=period_label, axis=vl.props(labelAngle=0)
                ),
                y=vl.field(
                    "value:Q",
                    title=value_label,
                    scale=vl.props(domain=[0, 100]),
                    axis=vl.props(values=[0, 20, 40, 60, 80, 100]),
                ),
                color=vl.field(
                    "series:N",
                    title=None,
                    scale=vl.props(domain=series, range=_COLOURS[:n]),
                    legend=legend,
                ),
                strokeDash=vl.field(
                    "series:N",
                    title=None,
                    scale=vl.props(domain=series, range=_DASHES[:n]),
                    legend=legend,
                ),
            ),
            shown,
        ),
        width=WIDTH,
        height=240,
    )
    table: list[dict[str, Cell]] = []
    for period in periods:
        row: dict[str, Cell] = {period_label: period}
        for r in data_rows:
            if str(r["period"]) == period:
                row[str(r["series"])] = cell(r.get("value"), lambda v: fmt.number(v))
        table.append(row)
    alt_text = (
        f"Line chart of {plural(n, 'score')} ({', '.join(series)}) across "
        f"{plural(len(periods), 'period')}, from {periods[0] if periods else 'none'} to "
        f"{periods[-1] if periods else 'none'}, on a scale of 0 to 100."
        + hidden_note(count_hidden(data_rows, ["value"]), "value")
    )
    return render(spec, title=title, alt_text=alt_text, data=table)
