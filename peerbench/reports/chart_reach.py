"""Reach: who a service reaches, compared with the population it serves."""

from __future__ import annotations

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
from peerbench.reports.palette import BLUE, INK, MID_GREY, WIDTH


def reach_vs_population(
    rows: Rows,
    *,
    category_label: str = "Group",
    service_label: str = "People supported",
    population_label: str = "Local population",
    title: str = "Who the service reaches, compared with the local population",
) -> Chart:
    """Paired bars: each category's share of people supported against its population share.

    Args:
        rows: One row per category (e.g. age band or ethnic group). Columns: ``category``,
            ``service_share`` and ``population_share`` (0–1 or suppressed markers).
        category_label: Heading for the category column in the data table.
        service_label: Legend label for the service's share.
        population_label: Legend label for the population share.
        title: Figure heading.

    Returns:
        The rendered chart; suppressed shares are left out and worded in the table.
    """
    data_rows = records(rows)
    categories = [str(r["category"]) for r in data_rows]
    keys = {"service_share": service_label, "population_share": population_label}
    shown = [
        {"category": str(r["category"]), "source": label, "share": share}
        for r in data_rows
        for key, label in keys.items()
        if (share := value_of(r, key)) is not None
    ]
    sources = list(keys.values())
    base = {
        "y": vl.field("category:N", sort=categories, title=None),
        "yOffset": vl.field("source:N", sort=sources),
        "x": vl.field("share:Q", title="Share of people", axis=vl.props(format=".0%")),
    }
    bars = vl.view(
        vl.mark("bar", height={"band": 0.9}),
        vl.encoding(
            **base,
            color=vl.field(
                "source:N",
                title=None,
                sort=sources,
                scale=vl.props(domain=sources, range=[BLUE, MID_GREY]),
            ),
        ),
    )
    # Values at the bar ends, so nobody has to read them off the axis.
    labels = vl.view(
        vl.mark("text", align="left", dx=4, fontSize=11, color=INK),
        vl.encoding(**base, text=vl.field("share:Q", format=".0%")),
    )
    spec = vl.top_level(
        {"layer": [bars, labels], "data": shown},
        width=WIDTH - 120,
        height=44 * max(len(categories), 1),
    )
    table: list[dict[str, Cell]] = []
    for r in data_rows:
        row: dict[str, Cell] = {category_label: str(r["category"])}
        row |= {label: cell(r.get(key), fmt.percent) for key, label in keys.items()}
        table.append(row)
    alt_text = (
        f"Paired bars for {plural(len(categories), 'group')} comparing the share of "
        f"{service_label.lower()} with the share of the {population_label.lower()}."
        + hidden_note(count_hidden(data_rows, list(keys)), "value")
    )
    return render(spec, title=title, alt_text=alt_text, data=table)
