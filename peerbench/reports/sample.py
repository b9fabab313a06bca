"""A made-up example report using every block and chart type.

Used by the tests (structure, accessibility, browser rendering) and handy for previewing
the templates: ``python -c "from peerbench.reports.sample import *; print(html())"``.
All names and numbers are invented.
"""

from __future__ import annotations

import math

from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.content import (
    Callout,
    Figure,
    KeyFigure,
    Quote,
    Report,
    ReportKind,
    Section,
    Table,
)
from peerbench.reports.render import render_html

SMALL = {"value": None, "suppressed": "small-count"}
BELOW_MIN_N = {"value": None, "suppressed": "below-min-n"}
HOME = "Hillside Peer Support"

_SERVICES = [  # name, people with paired scores, share improved, flag
    (HOME, 84, 0.58, "within"),
    ("Riverside Recovery Café", 212, 0.49, "within"),
    ("Northgate Peer Network", 150, 0.66, "above_95"),
    ("Eastfield Hearing Voices", 41, 0.44, "within"),
    ("Southbank Listening Service", 310, 0.39, "below_99.8"),
    ("Westway Wellbeing Group", 6, None, "within"),
    ("Old Town Peer Mentors", 96, 0.55, "within"),
]
_POOLED = 0.51


def _funnel() -> charts.Chart:
    units = [
        {"unit": n, "value": SMALL if v is None else v, "precision": p, "flag": f}
        for n, p, v, f in _SERVICES
    ]
    curves = []
    for precision in range(10, 330, 10):
        se = math.sqrt(_POOLED * (1 - _POOLED) / precision)
        row = {"precision": float(precision)}
        for level, z in (("95", 1.96), ("998", 3.09)):
            row[f"lower_{level}"] = _POOLED - z * se
            row[f"upper_{level}"] = _POOLED + z * se
        curves.append(row)
    return charts.funnel_plot(
        units,
        curves,
        target=_POOLED,
        highlight=HOME,
        value_label="Share who improved",
        precision_label="People with before-and-after scores",
    )


def _forest() -> charts.Chart:
    rows = [
        {"label": HOME, "estimate": 3.4, "ci_low": 2.1, "ci_high": 4.7, "n": 84},
        {
            "label": "Riverside Recovery Café",
            "estimate": 2.6,
            "ci_low": 1.8,
            "ci_high": 3.4,
            "n": 212,
        },
        {
            "label": "Northgate Peer Network",
            "estimate": 4.0,
            "ci_low": 3.0,
            "ci_high": 5.0,
            "n": 150,
        },
        {
            "label": "Eastfield Hearing Voices",
            "estimate": 1.2,
            "ci_low": -0.8,
            "ci_high": 3.2,
            "n": 41,
        },
        {
            "label": "Westway Wellbeing Group",
            "estimate": BELOW_MIN_N,
            "ci_low": None,
            "ci_high": None,
        },
    ]
    pooled = {"estimate": 2.8, "ci_low": 2.0, "ci_high": 3.6, "pi_low": 0.6, "pi_high": 5.0}
    return charts.forest_plot(
        rows,
        pooled,
        estimate_label="Average change in wellbeing score (points)",
        reference=0.0,
        highlight=HOME,
    )


def _before_after() -> charts.Chart:
    shares = {
        "7–14": (0.22, 0.08),
        "15–19": (0.41, 0.27),
        "20–24": (0.27, 0.38),
        "25–29": (0.10, 0.21),
        "30–35": (SMALL, 0.06),
    }
    rows = [
        {"band": band, "timepoint": when, "share": share}
        for band, pair in shares.items()
        for when, share in zip(("baseline", "follow-up"), pair, strict=True)
    ]
    return charts.before_after_distribution(rows, score_label="Wellbeing score (SWEMWBS)")


def _change() -> charts.Chart:
    rows = [
        {"group": HOME, "improved": 0.58, "no_change": 0.33, "deteriorated": 0.09, "n": 84},
        {
            "group": "All services",
            "improved": 0.51,
            "no_change": 0.40,
            "deteriorated": 0.09,
            "n": 837,
        },
        {"group": "Men at Hillside", "improved": 0.52, "no_change": 0.41, "deteriorated": SMALL},
    ]
    return charts.individual_change_bars(rows)


def _retention() -> charts.Chart:
    rows = []
    for series, values in (
        (HOME, (1.0, 0.81, 0.64, 0.47)),
        ("All services", (1.0, 0.74, 0.58, SMALL)),
    ):
        for months, share in zip((0, 3, 6, 12), values, strict=True):
            rows.append({"months": months, "share": share, "series": series})
    return charts.retention_curve(rows)


def _reach() -> charts.Chart:
    rows = [
        {"category": "16–24", "service_share": 0.18, "population_share": 0.14},
        {"category": "25–44", "service_share": 0.41, "population_share": 0.33},
        {"category": "45–64", "service_share": 0.33, "population_share": 0.32},
        {"category": "65 and over", "service_share": SMALL, "population_share": 0.21},
    ]
    return charts.reach_vs_population(rows, category_label="Age")


def sample_report(kind: ReportKind = "service") -> Report:
    """An invented report exercising every block type, chart and suppression reason."""
    return Report(
        kind=kind,
        title="Hillside Peer Support: outcomes April 2024 to March 2025",
        subtitle="Compared with 6 other peer-support services in the network",
        generated_for=HOME,
        sections=[
            Section(
                title="In brief",
                intro="The headline results for the year.",
                blocks=[
                    KeyFigure(
                        "People supported",
                        fmt.people(1234),
                        "Hillside supported more people than any year before.",
                    ),
                    KeyFigure(
                        "People who felt better",
                        fmt.percent_ci(0.58, 0.47, 0.68),
                        "More than half of people finished with a better wellbeing score.",
                    ),
                    KeyFigure(
                        "Value of improved wellbeing",
                        fmt.money_per_person(2310, 1800, 2900),
                        "Each person's gain in wellbeing is worth about this much to society.",
                    ),
                    KeyFigure(
                        "People aged 65 and over",
                        "",
                        "Too few older people used the service to report safely.",
                        suppressed_reason="small-count",
                    ),
                    Callout("Results are similar to the network as a whole.", "good"),
                ],
            ),
            Section(
                title="How people's wellbeing changed",
                blocks=[
                    Figure(
                        _before_after(), "Scores moved up: fewer people were in the lowest bands."
                    ),
                    Figure(_change(), "Most people improved; fewer than 1 in 10 got worse."),
                    Quote(
                        "Talking to someone who had been there made me feel less alone.",
                        ["connection", "hope"],
                    ),
                ],
            ),
            Section(
                title="How Hillside compares",
                blocks=[
                    Figure(_funnel(), "Hillside's result is in line with what chance would allow."),
                    Figure(_forest(), "Every service with enough people saw wellbeing rise."),
                    Table(
                        columns=["Service", "People", "Share who improved"],
                        rows=[
                            [HOME, 84, "58%"],
                            ["Riverside Recovery Café", 212, "49%"],
                            ["Westway Wellbeing Group", SMALL, SMALL],
                            ["Total", 1234, "51%"],
                        ],
                        caption="Results by service",
                        what_it_means="Hillside's share is a little above the network's 51%.",
                    ),
                ],
            ),
            Section(
                title="Who the service reaches and keeps",
                blocks=[
                    Figure(
                        _reach(), "Younger adults are well reached; check access for older people."
                    ),
                    Figure(_retention(), "Nearly half of people were still in touch after a year."),
                    Callout(
                        "Follow-up at 12 months is below the network target of 50%.", "caution"
                    ),
                    Callout("Scores are self-reported by the people supported.", "info"),
                ],
            ),
        ],
        assumptions=[
            "An improvement means a rise of at least 3 points on the wellbeing scale.",
            "Wellbeing is valued at £13,000 per point-year (HM Treasury Green Book, 2021).",
        ],
        notes=["Invented data for illustration only."],
    )


def html(kind: ReportKind = "service") -> str:
    """The sample report rendered to HTML."""
    return render_html(sample_report(kind))
