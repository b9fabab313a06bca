"""Header findings: synonyms from synonyms.yaml named as the field, else the closest spelling."""

from __future__ import annotations

from peerbench.schema.header_words import synonym_field
from tests.validators.columnar.tables import run, text_table, valid_row


def _messages(report_rows: list[dict[str, str | None]], record_type: str) -> dict[str, str]:
    report = run(text_table(report_rows), record_type)
    return {f"{f.code} {f.column}": f.message for f in report.findings}


def test_a_listed_synonym_of_a_missing_field_is_named_as_that_field() -> None:
    row = valid_row("referral")
    row["Condition"] = row.pop("primary_condition")
    found = _messages([row], "referral")
    unknown = found["column-unknown Condition"]
    assert "it looks like the standard's primary_condition" in unknown
    assert "peerbench map" in unknown
    assert unknown.endswith("spreadsheet.")


def test_a_synonym_of_a_required_field_names_the_column_in_the_missing_finding() -> None:
    row = valid_row("participant")
    row["Gender"] = row.pop("sex")
    found = _messages([row], "participant")
    assert "it looks like the standard's sex" in found["column-unknown Gender"]
    assert "(is 'Gender' meant to be sex?)" in found["column-missing sex"]


def test_a_synonym_of_a_field_already_present_is_not_suggested() -> None:
    row = valid_row("referral", Condition="diabetes")
    found = _messages([row], "referral")
    assert "looks like" not in found["column-unknown Condition"]


def test_a_close_spelling_is_offered_without_a_question_mark_before_the_full_stop() -> None:
    row = valid_row("participant")
    row["age_bnd"] = row.pop("age_band")
    message = _messages([row], "participant")["column-unknown age_bnd"]
    assert message.endswith("; the closest standard header is age_band.")
    assert "?." not in message


def test_synonyms_are_matched_as_words_and_per_file() -> None:
    assert synonym_field("  CONDITION ", "referrals") == "primary_condition"
    assert synonym_field("Main_Condition", "participants") == "primary_condition"
    assert synonym_field("Condition", "services") is None
    assert synonym_field("nothing like it", "referrals") is None
