"""Forest plot: each service's estimate with its interval, and the pooled estimate.

Rows sit on a numeric y axis (0, 1, 2, … from the top) labelled with service names, so the
pooled estimate can be drawn as the conventional diamond (an area whose width is the 95%
confidence interval) with its prediction interval as a thin line through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from peerbench.reports import formatting as fmt
from peerbench.reports import vega as vl
from peerbench.reports.chart import (
    Cell,
    Chart,
    Rows,
    hidden_note,
    plural,
    records,
    render,
    value_of,
)
from peerbench.reports.palette import BLUE, INK, LINE, ORANGE, WIDTH
from peerbench.reports.suppression import as_suppressed

POOLED = "All services (pooled)"
_ESTIMATE, _CI, _PEOPLE = "Estimate", "95% confidence interval", "People"


def _formatter(value_format: str) -> Callable[[object], str]:
    if value_format == "percent":
        return lambda v: fmt.percent(v, 0)
    return lambda v: fmt.number(v, 1)


def _table_row(
    label: str, row: Mapping[str, Any], show: Callable[[object], str]
) -> dict[str, Cell]:
    marker = as_suppressed(row.get("estimate"))
    if marker is not None:
        return {"Service": label, _ESTIMATE: marker, _CI: marker, _PEOPLE: marker}
    low, high = value_of(row, "ci_low"), value_of(row, "ci_high")
    interval = fmt.NOT_AVAILABLE if low is None or high is None else f"{show(low)} to {show(high)}"
    n = row.get("n")
    return {
        "Service": label,
        _ESTIMATE: show(row["estimate"]),
        _CI: interval,
        _PEOPLE: "" if n is None else fmt.number(n),
    }


def forest_plot(
    rows: Rows,
    pooled: Mapping[str, Any],
    *,
    estimate_label: str = "Average change in score",
    value_format: str = "number",
    reference: float | None = None,
    highlight: str | None = None,
    title: str = "Results by service, and all services together",
) -> Chart:
    """A forest plot of per-service estimates and the pooled random-effects estimate.

    Args:
        rows: One row per service. Columns: ``label``, ``estimate`` (number or suppressed
            marker), ``ci_low``, ``ci_high``, and optionally ``n`` (people).
        pooled: The pooled estimate: ``estimate``, ``ci_low``, ``ci_high``, and
            ``pi_low``/``pi_high`` (95% prediction interval; missing or NaN when fewer
            than three services), optionally ``n``.
        estimate_label: Axis title for the estimate.
        value_format: ``number`` or ``percent`` (estimates are proportions 0–1).
        reference: Draw a dashed vertical line here (e.g. 0 for "no change").
        highlight: Label of the service to pick out in colour.
        title: Figure heading.

    Returns:
        The rendered chart; suppressed services are left off the plot but listed.
    """
    data_rows = records(rows)
    show = _formatter(value_format)
    shown = [r for r in data_rows if value_of(r, "estimate") is not None]
    points = [
        {
            "pos": i,
            "label": str(r["label"]),
            "estimate": value_of(r, "estimate"),
            "low": value_of(r, "ci_low"),
            "high": value_of(r, "ci_high"),
            "mine": "yes" if r["label"] == highlight else "no",
        }
        for i, r in enumerate(shown)
    ]
    centre = len(shown) + 0.6
    est, low, high = (value_of(pooled, k) for k in ("estimate", "ci_low", "ci_high"))
    if est is None or low is None or high is None:
        raise ValueError("pooled estimate needs estimate, ci_low and ci_high")
    diamond = [
        {"x": low, "y": centre, "y2": centre},
        {"x": est, "y": centre - 0.35, "y2": centre + 0.35},
        {"x": high, "y": centre, "y2": centre},
    ]
    labels = {str(i): str(r["label"]) for i, r in enumerate(shown)} | {str(centre): POOLED}
    positions = [float(i) for i in range(len(shown))] + [centre]
    x_format = ".0%" if value_format == "percent" else ",.1f"
    x = vl.field("estimate:Q", title=estimate_label, axis=vl.props(format=x_format))
    scale = vl.props(domain=[-0.7, centre + 0.7], reverse=True, nice=False, zero=False)
    axis = vl.props(
        values=positions,
        labelExpr=f'{json.dumps(labels)}[""+datum.value]',
        grid=False,
        ticks=False,
        domain=False,
        labelFontSize=13,
        labelPadding=8,
        labelOverlap=False,
    )

    def y_of(field: str) -> vl.Spec:
        # Every layer carries the full axis: Vega-Lite merges the layers' axes, and one
        # default axis (which drops alternate labels on overlap) would hide services.
        return vl.field(f"{field}:Q", title=None, scale=scale, axis=axis)

    y = y_of("pos")
    colour = vl.field(
        "mine:N", legend=None, scale=vl.props(domain=["no", "yes"], range=[INK, ORANGE])
    )
    whiskers = vl.view(
        vl.mark("rule", strokeWidth=2),
        vl.encoding(x=vl.field("low:Q"), x2=vl.field("high"), y=y, color=colour),
        points,
    )
    dots = vl.view(
        vl.mark("point", shape="square", filled=True, size=70, opacity=1),
        vl.encoding(x=x, y=y, color=colour),
        points,
    )
    layers: list[vl.Spec] = [whiskers, dots]
    pi_low, pi_high = value_of(pooled, "pi_low"), value_of(pooled, "pi_high")
    if pi_low is not None and pi_high is not None:
        pi = {"low": pi_low, "high": pi_high, "pos": centre}
        layers.append(
            vl.view(
                vl.mark("rule", color=BLUE, strokeWidth=2, strokeDash=[2, 2]),
                vl.encoding(x=vl.field("low:Q"), x2=vl.field("high"), y=y),
                [pi],
            )
        )
    layers.append(
        vl.view(
            vl.mark("area", color=BLUE, orient="vertical", opacity=1, stroke=INK, strokeWidth=0.8),
            vl.encoding(x=vl.field("x:Q"), y=y_of("y"), y2=vl.field("y2")),
            diamond,
        )
    )
    if reference is not None:
        layers.insert(
            0,
            vl.view(
                vl.mark("rule", color=LINE, strokeDash=[5, 4]),
                vl.encoding(x=vl.field("x:Q")),
                [{"x": reference}],
            ),
        )
    spec = vl.top_level({"layer": layers}, width=WIDTH - 160, height=26 * (len(shown) + 2))

    table = [_table_row(str(r["label"]), r, show) for r in data_rows]
    pooled_row = _table_row(POOLED, pooled, show)
    if pi_low is not None and pi_high is not None:
        pooled_row["95% prediction interval"] = f"{show(pi_low)} to {show(pi_high)}"
    table.append(pooled_row)
    alt_text = (
        f"Forest plot of {estimate_label.lower()} for {plural(len(shown), 'service')} with 95% "
        f"confidence intervals; all services together: {show(est)} "
        f"({show(low)} to {show(high)})." + hidden_note(len(data_rows) - len(shown), "service")
    )
    return render(spec, title=title, alt_text=alt_text, data=table)
