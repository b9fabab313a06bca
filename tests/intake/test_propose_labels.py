"""A mapped column's labels: ages banded as the transform bands them, usual words, TODOs."""

from __future__ import annotations

from peerbench.intake.cells import age_band
from peerbench.intake.propose_labels import age_band_table, propose_values_of
from peerbench.intake.propose_model import Block


def test_the_age_table_bands_every_age_as_the_transform_does() -> None:
    table = age_band_table()
    assert len(table) == 121
    for age in range(121):
        assert table[str(age)] == age_band(age), age


def test_usual_words_for_codes_are_proposed_with_their_reason() -> None:
    block = Block("engagements")
    propose_values_of(block, "Status", "end_reason", ["Still coming", "Finished", "DNA"])
    assert block.values == {"end_reason": {"Still coming": "ongoing", "DNA": "disengaged"}}
    assert block.value_notes["end_reason"]["Still coming"] == "a usual word for this code (likely)"
    assert block.todos == []


def test_booleans_other_than_yes_and_no_are_a_todo() -> None:
    block = Block("participants")
    propose_values_of(block, "Consent", "consent_research", ["Yes", "No", "Signed"])
    assert block.values == {}
    assert any("1 answer(s) other than yes/no" in todo for todo in block.todos)
