"""Qualitative feedback: themes, consent and quotes."""

from __future__ import annotations

import pyarrow.compute as pc

from peerbench.synth import SyntheticDataset


def test_free_text_only_with_consent(medium: SyntheticDataset) -> None:
    feedback = medium["feedback"]
    text = pc.is_valid(feedback.column("free_text"))
    consent = feedback.column("consent_to_quote")
    assert not pc.any(pc.and_(text, pc.invert(consent))).as_py()
    assert pc.any(text).as_py()


def test_themes_are_one_to_three_distinct_codes(medium: SyntheticDataset) -> None:
    for themes in medium["feedback"].column("themes").to_pylist():
        assert 1 <= len(themes) <= 3 and len(set(themes)) == len(themes)


def test_some_feedback_is_anonymous_and_half_is_released(medium: SyntheticDataset) -> None:
    feedback = medium["feedback"]
    anonymous = feedback.column("participant_key").null_count / feedback.num_rows
    released = pc.mean(pc.cast(feedback.column("released_after_review"), "int8")).as_py()
    assert 0.1 < anonymous < 0.3
    assert 0.4 < released < 0.6
