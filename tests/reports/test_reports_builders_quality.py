"""The data-quality report says which organisation a benchmark table left out, and why."""

from __future__ import annotations

import datetime as dt

from peerbench.benchmarking import DataQualityNote
from peerbench.reports.builders.quality import QualityInputs, build_quality_report
from peerbench.reports.content import Callout
from peerbench.validators.quality import quality_profile


def _callouts(inputs: QualityInputs) -> list[str]:
    report = build_quality_report(inputs)
    brief = next(s for s in report.sections if s.title == "In brief")
    return [b.text for b in brief.blocks if isinstance(b, Callout)]


def test_an_organisation_left_out_is_named_with_the_reason() -> None:
    inputs = QualityInputs(
        subject="the network",
        as_of=dt.date(2026, 9, 30),
        profile=quality_profile({}),  # the callout needs no data
        member_names={"org-b": "Bravo Trust"},
    )
    assert not any("left out" in text for text in _callouts(inputs))
    note = DataQualityNote("economics", "org-b", "service use: two different baselines")
    texts = _callouts(QualityInputs(**{**inputs.__dict__, "left_out": (note,)}))
    left = [t for t in texts if "left out" in t]
    assert left == [
        "Bravo Trust's data was left out of the economics figures because it does not "
        "agree with itself (service use: two different baselines); everyone else's "
        "figures are shown."
    ]
