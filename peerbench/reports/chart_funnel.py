"""Funnel plot: each service's result against how many people it rests on.

Services inside the funnel differ from the pooled figure by no more than chance would
explain; points outside the 95% limits deserve a look and outside 99.8% a closer one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
from peerbench.reports.palette import (
    BLUE,
    DARK_BLUE,
    DARK_ORANGE,
    GREY,
    INK,
    LINE,
    MUTED,
    ORANGE,
    WIDTH,
)
from peerbench.reports.suppression import as_suppressed

#: Flag codes from :mod:`peerbench.stats.funnel`, with reader-facing words.
FLAG_LABELS: dict[str, str] = {
    "within": "Within the expected range",
    "above_95": "Above the 95% limit",
    "above_99.8": "Above the 99.8% limit",
    "below_95": "Below the 95% limit",
    "below_99.8": "Below the 99.8% limit",
}
_COLOURS = [GREY, BLUE, DARK_BLUE, ORANGE, DARK_ORANGE]
_SHAPES = ["circle", "triangle-up", "triangle-up", "triangle-down", "triangle-down"]
_VERDICT = "Compared with the pooled result"
_LIMITS = {"95": "95% limits", "998": "99.8% limits"}


def flag_label(flag: object) -> str:
    """Reader-facing words for a funnel flag code; raises ``ValueError`` for unknown codes."""
    try:
        return FLAG_LABELS[str(flag)]
    except KeyError:
        raise ValueError(
            f"unknown funnel flag {flag!r}; expected one of {list(FLAG_LABELS)}"
        ) from None


def _formatter(value_format: str) -> Callable[[object], str]:
    if value_format == "percent":
        return lambda v: fmt.percent(v, 1)
    return lambda v: fmt.number(v, 1)


def _curve_rows(curves: Sequence[Mapping[str, Any]], clamp: bool) -> list[dict[str, Any]]:
    """Long-form limit lines; proportions are clamped to 0–100% (limits beyond are moot)."""
    long: list[dict[str, Any]] = []
    for row in curves:
        for level, label in _LIMITS.items():
            for side in ("lower", "upper"):
                y = value_of(row, f"{side}_{level}")
                if y is not None:
                    y = min(max(y, 0.0), 1.0) if clamp else y
                    long.append({"x": row["precision"], "y": y, "limit": label, "side": side})
    return long


def _limit_labels(curve_rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    xs = sorted({r["x"] for r in curve_rows})
    if not xs:
        return []
    anchor = xs[len(xs) // 6]
    names = {label: f"{level.replace('998', '99.8')}% limit" for level, label in _LIMITS.items()}
    return [
        {"x": r["x"], "y": r["y"], "name": names[r["limit"]]}
        for r in curve_rows
        if r["x"] == anchor and r["side"] == "upper"
    ]


def _table_row(
    row: Mapping[str, Any],
    value_label: str,
    precision_label: str,
    show: Callable[[object], str],
    highlight: str | None,
) -> dict[str, Cell]:
    name = str(row["unit"]) + (" (you)" if row["unit"] == highlight else "")
    marker = as_suppressed(row.get("value"))
    if marker is not None:
        # A hidden value's size is hidden too: it could reveal the small count.
        return {"Service": name, value_label: marker, precision_label: marker, _VERDICT: marker}
    return {
        "Service": name,
        value_label: show(row["value"]),
        precision_label: fmt.number(row["precision"]),
        _VERDICT: flag_label(row.get("flag", "within")),
    }


def funnel_plot(
    units: Rows,
    curves: Rows,
    *,
    target: float,
    highlight: str | None = None,
    value_label: str = "Result",
    precision_label: str = "Number of people",
    value_format: str = "percent",
    title: str = "How each service compares with the pooled result",
) -> Chart:
    """A funnel plot of services' results against their size, with control limits.

    Args:
        units: One row per service. Columns: ``unit`` (name), ``value`` (number or
            suppressed marker), ``precision`` (people, or 1/SE² for means), ``flag``
            (``within``, ``above_95``, ``below_95``, ``above_99.8``, ``below_99.8``).
        curves: Limit curves over precision. Columns: ``precision``, ``lower_95``,
            ``upper_95``, ``lower_998``, ``upper_998`` (as in
            :class:`peerbench.stats.funnel.FunnelCurves`).
        target: The pooled (target) value drawn as a horizontal line.
        highlight: Name of the unit to pick out (the reader's own service).
        value_label: Axis title for the value.
        precision_label: Axis title for precision.
        value_format: ``percent`` (values are proportions 0–1) or ``number``.
        title: Figure heading.

    Returns:
        The rendered chart; suppressed units are left off the plot but listed in the table.
    """
    rows = records(units)
    show = _formatter(value_format)
    shown = [
        {
            "unit": str(r["unit"]),
            "value": value_of(r, "value"),
            "precision": float(r["precision"]),
            "flag": flag_label(r.get("flag", "within")),
        }
        for r in rows
        if value_of(r, "value") is not None
    ]
    y_format = ".0%" if value_format == "percent" else ",.1f"
    x = vl.field("x:Q", title=precision_label, axis=vl.props(format=",.0f"))
    y = vl.field(
        "y:Q", title=value_label, axis=vl.props(format=y_format), scale=vl.props(zero=False)
    )
    curve_rows = _curve_rows(records(curves), value_format == "percent")
    limits = vl.view(
        vl.mark("line", color=LINE, strokeWidth=1.3, interpolate="monotone"),
        vl.encoding(
            x=x,
            y=y,
            detail=vl.field("side:N"),
            strokeDash=vl.field(
                "limit:N",
                legend=None,
                scale=vl.props(domain=list(_LIMITS.values()), range=[[6, 4], [1, 0]]),
            ),
        ),
        curve_rows,
    )
    # Name the upper limit lines near their left, where they are far apart, not in a legend.
    limit_names = vl.view(
        vl.mark("text", align="left", dx=3, dy=-8, fontSize=12, color=MUTED),
        vl.encoding(x=vl.field("x:Q"), y=vl.field("y:Q"), text=vl.field("name:N")),
        _limit_labels(curve_rows),
    )
    pooled_data = [{"y": target, "label": f"Pooled {show(target)}"}]
    pooled = vl.view(
        vl.mark("rule", color=INK, strokeWidth=2), vl.encoding(y=vl.field("y:Q")), pooled_data
    )
    pooled_label = vl.view(
        vl.mark("text", align="right", baseline="bottom", dy=-4, x="width", fontWeight="bold"),
        vl.encoding(y=vl.field("y:Q"), text=vl.field("label:N")),
        pooled_data,
    )
    points = vl.view(
        vl.mark("point", filled=True, size=90, opacity=0.9, stroke="white", strokeWidth=0.5),
        vl.encoding(
            x=vl.field("precision:Q"),
            y=vl.field("value:Q"),
            color=vl.field(
                "flag:N",
                title=None,
                scale=vl.props(domain=list(FLAG_LABELS.values()), range=_COLOURS),
            ),
            shape=vl.field(
                "flag:N",
                title=None,
                scale=vl.props(domain=list(FLAG_LABELS.values()), range=_SHAPES),
            ),
        ),
        shown,
    )
    layers: list[vl.Spec] = [limits, limit_names, pooled, pooled_label, points]
    mine = [u for u in shown if u["unit"] == highlight]
    if mine:
        at = {"x": vl.field("precision:Q"), "y": vl.field("value:Q")}
        ring = vl.mark("point", size=320, color=INK, strokeWidth=2.5, filled=False)
        name = vl.mark("text", align="left", dx=12, dy=-12, fontSize=13, fontWeight="bold")
        layers += [
            vl.view(ring, vl.encoding(**at), mine),
            vl.view(name, vl.encoding(**at, text=vl.field("unit:N")), mine),
        ]
    spec = vl.top_level({"layer": layers}, width=WIDTH, height=320)

    data = [_table_row(r, value_label, precision_label, show, highlight) for r in rows]
    outside = sum(u["flag"] != FLAG_LABELS["within"] for u in shown)
    where = ""
    if mine:
        where = f" {highlight} is marked with a ring and is {str(mine[0]['flag']).lower()}."
    alt_text = (
        f"Funnel plot of {len(shown)} services' {value_label.lower()} against "
        f"{precision_label.lower()}, around a pooled value of {show(target)}; "
        f"{plural(outside, 'service')} outside the 95% limits (dashed lines; "
        f"solid lines are the 99.8% limits).{where}"
        + hidden_note(len(rows) - len(shown), "service")
    )
    return render(spec, title=title, alt_text=alt_text, data=data)
