"""Every report chart, each a pure function from plain data to a rendered :class:`Chart`.

All accept a list of dicts, a pandas DataFrame or a pyarrow Table with the columns named in
their docstrings; suppressed values arrive as explicit markers (see
:mod:`peerbench.reports.suppression`) and are left off the chart but shown, in words, in
the chart's data table.
"""

from peerbench.reports.chart import Chart
from peerbench.reports.chart_forest import forest_plot
from peerbench.reports.chart_funnel import funnel_plot
from peerbench.reports.chart_outcomes import (
    before_after_distribution,
    individual_change_bars,
    retention_curve,
)
from peerbench.reports.chart_reach import reach_vs_population
from peerbench.reports.chart_trend import score_trend

__all__ = [
    "Chart",
    "before_after_distribution",
    "forest_plot",
    "funnel_plot",
    "individual_change_bars",
    "reach_vs_population",
    "retention_curve",
    "score_trend",
]
