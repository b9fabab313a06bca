"""Peer workers in the reports: the network report's section and the commissioner panel.

Both read the controlled result's workforce sections (SPEC §12 "Workforce"), pool-level
figures only (no per-service worker figure is public), and say what every figure rests
on: the number of worker periods or workers behind it (published, rounded counts).

* Network report, "Peer workers: retention, supervision and training": one table of
  every measure by role (share, number, out of), one of retention and supervision by
  who runs the service (when published), the grouped end reasons and the workers' own
  wellbeing change.
* Commissioner summary, "How well peer workers are supported": a plain-words table
  in its second section, each figure beside the number of workers it rests on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from peerbench.benchmarking import BenchmarkResult
from peerbench.benchmarking.workforce_rows import (
    ALL,
    END_GROUP_ORDER,
    MEASURES,
    ROLES,
    WorkerWellbeingRow,
    WorkforceRow,
)
from peerbench.benchmarking.workforce_text import END_TITLES, MEASURE_TITLES
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import select
from peerbench.reports.builders.periods import long_date
from peerbench.reports.builders.wording import instrument_name, instrument_topic, label
from peerbench.reports.content import Block, Section, Table, TableCell
from peerbench.reports.suppression import SuppressionWording, as_suppressed

SECTION_TITLE = "Peer workers: retention, supervision and training"
PANEL_TITLE = "How well peer workers are supported"
ROLE_NAMES = {
    ALL: "All workers",
    "volunteer": "Volunteers",
    "paid": "Paid",
    "sessional": "Sessional",
}


def _pool(result: BenchmarkResult) -> dict[tuple[str, str], WorkforceRow]:
    return {(r.measure, r.role): r for r in result.workforce if r.level == "all"}


def _as_of(result: BenchmarkResult) -> str:
    day = next((r.as_of for r in result.workforce), None)
    return "" if day is None else long_date(dt.date.fromisoformat(day))


def _measure_rows(pool: dict[tuple[str, str], WorkforceRow]) -> list[list[TableCell]]:
    rows: list[list[TableCell]] = []
    for measure in MEASURES:
        for role in (ALL, *ROLES):
            row = pool.get((measure, role))
            if row is None:
                continue
            rows.append(
                [
                    MEASURE_TITLES[measure] if role == ALL else "",
                    ROLE_NAMES[role],
                    select.value(row, "share"),
                    select.value(row, "n_yes"),
                    select.value(row, "n_base"),
                ]
            )
    return rows


def _model_rows(result: BenchmarkResult) -> list[list[TableCell]]:
    found = {
        (r.group, r.measure): r
        for r in result.workforce
        if r.level == "facilitator_model" and r.role == ALL
    }
    rows: list[list[TableCell]] = []
    for group in sorted({g for g, _ in found}):
        cells: list[TableCell] = [label("facilitator_model", group)]
        for measure in ("retained_12m", "supervised"):
            row = found.get((group, measure))
            cells += [select.value(row, "share"), select.value(row, "n_base")]
        rows.append(cells)
    return rows


def _wellbeing_rows(rows: Sequence[WorkerWellbeingRow]) -> list[list[TableCell]]:
    return [
        [
            instrument_name(w.instrument),
            ROLE_NAMES.get(w.role, w.role),
            select.value(w, "n_paired"),
            fmt.number_ci(
                select.value(w, "mean_change"),
                select.value(w, "ci_low"),
                select.value(w, "ci_high"),
                digits=1,
            ),
        ]
        for w in rows
    ]


def _comparison(pool: dict[tuple[str, str], WorkforceRow]) -> str:
    """Volunteers against paid workers at 12 months, in words, when both are published."""
    volunteer = pool.get(("retained_12m", "volunteer"))
    paid = pool.get(("retained_12m", "paid"))
    if volunteer is None or paid is None or volunteer.share is None or paid.share is None:
        return "Retention is compared by role only where both figures can be shown."
    return (
        f"A year after starting, {fmt.percent(volunteer.share)} of volunteers and "
        f"{fmt.percent(paid.share)} of paid peer workers were still in post (out of "
        f"{volunteer.n_base} and {paid.n_base} who started at least a year earlier)."
    )


def workforce_section(result: BenchmarkResult) -> Section | None:
    """The network report's peer-workers section (None: no worker records)."""
    pool = _pool(result)
    if not pool:
        return None
    day = _as_of(result)
    blocks: list[Block] = [
        Table(
            columns=["Measure", "Who", "Share", "Number", "Out of"],
            rows=_measure_rows(pool),
            caption=f"Peer workers on {day}, every service together",
            what_it_means=_comparison(pool),
            numeric=frozenset({2, 3, 4}),
        )
    ]
    models = _model_rows(result)
    if models:
        blocks.append(
            Table(
                columns=["Who runs the support", "In post a year on", "Out of",
                         "Supervised at least monthly", "Out of"],
                rows=models,
                caption="By who runs the support",
                what_it_means="Shown only where every kind of service has at least two "
                "services with peer-worker records, so no figure is one team's.",
            )
        )  # fmt: skip
    ends = {r.reason_group: r for r in result.worker_end_reasons}
    if ends:
        blocks.append(
            Table(
                columns=["Why the role ended", "Roles"],
                rows=[
                    [END_TITLES[g].capitalize(), select.value(ends.get(g), "n_ended")]
                    for g in END_GROUP_ORDER
                ]
                + [["All", select.value(ends.get(ALL), "n_ended")]],
                caption=f"Roles that had ended by {day}",
                what_it_means="Own health and the demands of the role are shown together, "
                "and only for the whole network, so no one's reason can be singled out.",
            )
        )
    if result.worker_wellbeing:
        blocks.append(
            Table(
                columns=["Questionnaire", "Who", "Workers with two scores", "Average change"],
                rows=_wellbeing_rows(result.worker_wellbeing),
                caption="Peer workers' own wellbeing, first score to latest",
                what_it_means="A positive change means workers feel better; the range "
                "allows for chance.",
                numeric=frozenset({2, 3}),
            )
        )
    return Section(
        SECTION_TITLE,
        intro=f"Who delivers peer support, measured on {day}. Retention counts every "
        "period in a role that started at least 6 (or 12) months earlier; supervision and "
        "training count the workers in post that day. Figures for single services are "
        "shown only to the organisation that runs them.",
        blocks=blocks,
    )


def _rests_on(n: object, who: str) -> str:
    if as_suppressed(n) is not None or not isinstance(n, int):
        return f"Rests on too few peer workers to show how many: those {who}."
    return f"Rests on {n} peer workers, those {who}."


def workforce_panel(result: BenchmarkResult, wording: SuppressionWording) -> Table | None:
    """The commissioner summary's panel on peer workers, a plain-words table placed in
    its second section (the summary keeps two sections and two printed pages).

    Each row: what is measured, the figure, and what it rests on (the published number
    of peer workers). None when the pool has no worker records.
    """
    pool = _pool(result)
    if not pool:
        return None
    day = _as_of(result)
    rows: list[list[TableCell]] = []
    kept = pool.get(("retained_12m", ALL))
    if kept is not None:
        rows.append(
            [
                "Still in their role a year after starting",
                fmt.percent(select.value(kept, "share"), wording=wording),
                _rests_on(select.value(kept, "n_base"), f"who started a year or more before {day}")
                + " "
                + _comparison(pool),
            ]
        )
    for measure, words in (
        ("supervised", "Supervised at least once a month"),
        ("trained", "Have finished their training"),
    ):
        row = pool.get((measure, ALL))
        if row is None:
            continue
        meaning = _rests_on(select.value(row, "n_base"), f"in post on {day}")
        accredited = pool.get(("accredited", ALL))
        if measure == "trained" and accredited is not None and accredited.share is not None:
            meaning += f" {fmt.percent(accredited.share)} of those trained did accredited training."
        rows.append([words, fmt.percent(select.value(row, "share"), wording=wording), meaning])
    for w in result.worker_wellbeing:
        if w.role != ALL:
            continue
        rows.append(
            [
                f"Change in their own {instrument_topic(w.instrument)}",
                fmt.signed(select.value(w, "mean_change"), wording=wording) + " points",
                _rests_on(select.value(w, "n_paired"), "who answered the questionnaire twice")
                + " Above zero means they feel better.",
            ]
        )
    return Table(
        columns=["Peer workers", "Figure", "What it rests on"],
        rows=rows,
        caption=PANEL_TITLE,
        what_it_means="Peer support depends on the people who give it: these figures show "
        "whether they stay, are supervised and trained, and how they are themselves.",
        numeric=frozenset({1}),
    )
