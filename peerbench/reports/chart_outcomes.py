"""Outcome charts: score distributions before and after, individual change, retention."""

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

CHANGE_LABELS = {
    "improved": "Improved",
    "no_change": "No reliable change",
    "deteriorated": "Got worse",
}
_CHANGE_COLOURS = [BLUE, MID_GREY, ORANGE]
_CHANGE_TEXT = ["white", INK, "white"]  # ≥ 4.5:1 on each segment colour


def _pct(value: object) -> str:
    return fmt.percent(value)


def before_after_distribution(
    rows: Rows,
    *,
    score_label: str = "Wellbeing score",
    baseline_label: str = "First score (before)",
    followup_label: str = "Latest score (after)",
    title: str = "How scores were spread before and after support",
) -> Chart:
    """Side-by-side bars of the share of people in each score band, before and after.

    Args:
        rows: One row per band and time point. Columns: ``band`` (label, rows in score
            order), ``timepoint`` (``baseline`` or ``follow-up``), ``share`` (0–1 or a
            suppressed marker), optionally ``count``.
        score_label: Axis title naming the measure.
        baseline_label: Legend label for the first score.
        followup_label: Legend label for the latest score.
        title: Figure heading.

    Returns:
        The rendered chart; suppressed bars are left out and worded in the table.
    """
    data_rows = records(rows)
    names = {"baseline": baseline_label, "follow-up": followup_label}
    bands = list(dict.fromkeys(str(r["band"]) for r in data_rows))
    shown = [
        {"band": str(r["band"]), "when": names[str(r["timepoint"])], "share": value_of(r, "share")}
        for r in data_rows
        if value_of(r, "share") is not None
    ]
    when = vl.props(domain=[baseline_label, followup_label], range=[MID_GREY, BLUE])
    spec = vl.top_level(
        vl.view(
            vl.mark("bar", stroke="white", strokeWidth=0.5),
            vl.encoding(
                x=vl.field("band:N", sort=bands, title=score_label, axis=vl.props(labelAngle=0)),
                xOffset=vl.field("when:N", sort=[baseline_label, followup_label]),
                y=vl.field("share:Q", title="Share of people", axis=vl.props(format=".0%")),
                color=vl.field("when:N", title=None, scale=when),
            ),
            shown,
        ),
        width=WIDTH,
        height=260,
    )
    table: list[dict[str, Cell]] = []
    for band in bands:
        row: dict[str, Cell] = {score_label: band}
        for r in data_rows:
            if str(r["band"]) == band:
                row[names[str(r["timepoint"])]] = cell(r.get("share"), _pct)
        table.append(row)
    alt_text = (
        f"Bar chart of the share of people in each of {plural(len(bands), 'band')} of "
        f"{score_label.lower()}, comparing the first score with the latest."
        + hidden_note(count_hidden(data_rows, ["share"]), "value")
    )
    return render(spec, title=title, alt_text=alt_text, data=table)


def individual_change_bars(
    rows: Rows,
    *,
    group_label: str = "Group",
    title: str = "How many people improved, stayed the same or got worse",
) -> Chart:
    """Stacked 100% bars of the shares who improved, did not change and got worse.

    Args:
        rows: One row per group. Columns: ``group`` (label), ``improved``, ``no_change``,
            ``deteriorated`` (shares 0–1 or suppressed markers), optionally ``n``.
        group_label: Heading for the group column in the data table.
        title: Figure heading.

    Returns:
        The rendered chart; a suppressed share leaves a gap in its bar and is worded in
        the table.
    """
    data_rows = records(rows)
    groups = [str(r["group"]) for r in data_rows]
    shown = [
        {"group": str(r["group"]), "change": label, "share": share, "order": i}
        for r in data_rows
        for i, (key, label) in enumerate(CHANGE_LABELS.items())
        if (share := value_of(r, key)) is not None
    ]
    labels = list(CHANGE_LABELS.values())
    base = {
        "y": vl.field("group:N", sort=groups, title=None),
        "x": vl.field(
            "share:Q",
            stack="zero",
            title="Share of people",
            axis=vl.props(format=".0%", values=[0, 0.25, 0.5, 0.75, 1]),
            scale=vl.props(domain=[0, 1]),
        ),
        "order": vl.field("order:Q"),
    }
    bars = vl.view(
        vl.mark("bar", stroke="white", strokeWidth=1),
        vl.encoding(
            **base,
            color=vl.field(
                "change:N",
                title=None,
                sort=labels,
                scale=vl.props(domain=labels, range=_CHANGE_COLOURS),
            ),
        ),
    )
    text = vl.view(
        vl.mark("text", xOffset=-6, align="right", fontWeight="bold"),
        vl.encoding(
            **base,
            text=vl.field("pct:N"),
            color=vl.field(
                "change:N", legend=None, scale=vl.props(domain=labels, range=_CHANGE_TEXT)
            ),
        ),
    ) | {
        "transform": [
            {"filter": "datum.share >= 0.07"},
            {"calculate": "format(datum.share, '.0%')", "as": "pct"},
        ]
    }
    spec = vl.top_level(
        {"layer": [bars, text], "data": shown},
        resolve={"scale": {"color": "independent"}},
        width=WIDTH - 100,
        height=34 * max(len(groups), 1),
    )
    table: list[dict[str, Cell]] = []
    for r in data_rows:
        row: dict[str, Cell] = {group_label: str(r["group"])}
        row |= {label: cell(r.get(key), _pct) for key, label in CHANGE_LABELS.items()}
        if r.get("n") is not None:
            row["People"] = cell(r["n"], fmt.number)
        table.append(row)
    alt_text = (
        f"Stacked bars for {plural(len(groups), 'group')} showing the share of people who "
        "improved, showed no reliable change or got worse."
        + hidden_note(count_hidden(data_rows, list(CHANGE_LABELS)), "value")
    )
    return render(spec, title=title, alt_text=alt_text, data=table)


def _month_label(months: float) -> str:
    return "Start" if months == 0 else f"{fmt.number(months)} months"


def retention_curve(
    rows: Rows,
    *,
    title: str = "How many people we stayed in touch with over time",
    series_order: Sequence[str] | None = None,
) -> Chart:
    """Lines of the share of people still followed up at each time point.

    Args:
        rows: One row per time point (and series). Columns: ``months`` (0 for baseline,
            3, 6, 12, …), ``share`` (0–1 or a suppressed marker), optionally ``series``
            (e.g. "This service", "All services") and ``n`` (people followed up).
        title: Figure heading.
        series_order: Legend order of series (defaults to order of appearance).

    Returns:
        The rendered chart; suppressed points are left out (the line joins the others).
    """
    data_rows = [{"series": "All people", **r} for r in records(rows)]
    series = list(series_order or dict.fromkeys(str(r["series"]) for r in data_rows))
    months = sorted({float(r["months"]) for r in data_rows})
    shown = [
        {"months": float(r["months"]), "share": share, "series": str(r["series"])}
        for r in data_rows
        if (share := value_of(r, "share")) is not None
    ]
    label_expr = "datum.value == 0 ? 'Start' : datum.value + ' months'"
    colour = vl.props(domain=series, range=[BLUE, INK, ORANGE, MID_GREY][: len(series)])
    legend = None if len(series) == 1 else vl.props(symbolType="stroke", symbolStrokeWidth=2.5)
    spec = vl.top_level(
        vl.view(
            vl.mark("line", point=vl.props(filled=True, size=70), strokeWidth=2.5),
            vl.encoding(
                x=vl.field(
                    "months:Q",
                    title="Time since starting support",
                    axis=vl.props(values=months, labelExpr=label_expr, grid=False),
                    scale=vl.props(domain=[0, max(months, default=12)], nice=False),
                ),
                y=vl.field(
                    "share:Q",
                    title="Share still in touch",
                    axis=vl.props(format=".0%"),
                    scale=vl.props(domain=[0, 1]),
                ),
                color=vl.field("series:N", title=None, scale=colour, legend=legend),
                strokeDash=vl.field(
                    "series:N",
                    title=None,
                    scale=vl.props(domain=series, range=[[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]]),
                    legend=legend,
                ),
            ),
            shown,
        ),
        width=WIDTH,
        height=240,
    )
    table: list[dict[str, Cell]] = []
    for m in months:
        row: dict[str, Cell] = {"Time point": _month_label(m)}
        for r in data_rows:
            if float(r["months"]) == m:
                row[str(r["series"])] = cell(r.get("share"), _pct)
        table.append(row)
    alt_text = (
        f"Line chart of the share of people still in touch at {plural(len(months), 'time point')}"
        f" from the start to {_month_label(max(months, default=0)).lower()}"
        + (f", for {', '.join(series)}." if len(series) > 1 else ".")
        + hidden_note(count_hidden(data_rows, ["share"]), "value")
    )
    return render(spec, title=title, alt_text=alt_text, data=table)
