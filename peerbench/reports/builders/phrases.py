"""Sentences shared by the report builders: outcome figures with their plain reading."""

from __future__ import annotations

from typing import Any

from peerbench.benchmarking import OutcomeMetrics
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import select
from peerbench.reports.builders.chart_inputs import scale
from peerbench.reports.builders.wording import instrument_topic, timepoint_phrase
from peerbench.reports.suppression import SuppressionWording, as_suppressed

FLAG_MEANINGS: dict[str, str] = {
    "within": "within the range expected by chance: its result is in line with other "
    "services once its size is taken into account",
    "above_95": "above the 95% limit: better than most services, by more than chance "
    "would usually explain",
    "above_99.8": "above the 99.8% limit: clearly better than the pooled result",
    "below_95": "below the 95% limit: worth a closer look at what might be different",
    "below_99.8": "below the 99.8% limit: clearly below the pooled result; worth "
    "understanding why (who it serves, how data are collected)",
}


def scale_text(instrument: str) -> str:
    """The scale in words, "on a scale of 7 to 35" (empty when unknown)."""
    found = scale(instrument)
    if found is None:
        return ""
    return f"on a scale of {fmt.number(found[0])} to {fmt.number(found[1])}"


def change_text(row: OutcomeMetrics | None, wording: SuppressionWording) -> str:
    """Average improvement with its interval: "+2.1 points (95% CI 1.7 to 2.5)"."""
    mean = select.value(row, "mean_change")
    if as_suppressed(mean) is not None or mean is None:
        return fmt.number(mean, wording=wording)
    low, high = select.value(row, "change_ci_low"), select.value(row, "change_ci_high")
    text = fmt.signed(mean, 1) + " points"
    if isinstance(low, float) and isinstance(high, float):
        text += f" (95% CI {fmt.signed(low, 1)} to {fmt.signed(high, 1)})"
    return text


NO_THRESHOLD = "not counted (no agreed margin of error)"


def improved_text(row: OutcomeMetrics | None, wording: SuppressionWording) -> str:
    """Share reliably improved with its Wilson interval: "52% (95% CI 47% to 57%)"."""
    if row is not None and row.rc_threshold is None and "share_improved" not in row.suppressed:
        return NO_THRESHOLD
    return fmt.percent_ci(
        select.value(row, "share_improved"),
        select.value(row, "improved_ci_low"),
        select.value(row, "improved_ci_high"),
        wording=wording,
    )


def improved_meaning(row: OutcomeMetrics | None, instrument: str, timepoint: str) -> str:
    """What "reliably improved" means for this measure, in one sentence."""
    threshold = select.number(row, "rc_threshold")
    margin = (
        f"by at least {fmt.number(threshold, 1)} points, more than the measure's margin of error"
        if threshold is not None
        else "by more than the measure's margin of error"
    )
    return (
        f"People whose {instrument_topic(instrument)} score improved {margin}, "
        f"{timepoint_phrase(timepoint)}. The range in brackets is where the true figure "
        "very probably lies."
    )


def change_meaning(instrument: str, pooled_row: Any, wording: SuppressionWording) -> str:
    """How to read the average change, with the all-services figure to compare."""
    text = (
        f"The average change in {instrument_topic(instrument)} {scale_text(instrument)}, "
        "where a plus sign means things got better."
    )
    if pooled_row is not None and select.number(pooled_row, "mean_change") is not None:
        text += f" All services together: {fmt.signed(pooled_row.mean_change, 1)} points."
    return text


def people_text(value: Any, wording: SuppressionWording) -> str:
    """A count of people, or its suppression wording."""
    return fmt.people(value, wording=wording)
