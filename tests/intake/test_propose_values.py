"""Column values read by the proposer: identifiers, ids, dates, instruments, labels."""

from __future__ import annotations

import pytest

from peerbench.intake.propose_match import field_spec
from peerbench.intake.propose_values import (
    date_format,
    distinct,
    guess_instrument,
    identifier_kind,
    looks_like_local_id,
    match_values,
    whole_numbers,
)
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.instruments.registry import default_registry

DEFS = list(default_registry())


def test_distinct_keeps_the_first_spelling_of_each_value() -> None:
    assert distinct(["Woman", " woman ", "", "Man", "WOMAN"]) == ["Woman", "Man"]


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        (["07700 900123", "07700 900456", ""], "a phone number"),
        (["a@example.org", "b@example.org"], "an email address"),
        (["LS6 2AB", "M1 1AE"], "a postcode"),
        (["ls62ab", "m11ae", "ls1 4ap"], "a postcode"),
        (["Ann Smith", "Bob Jones", "Cara Lee", "Dev Patel"], "a name"),
    ],
)
def test_identifier_values_are_found(cells: list[str], kind: str) -> None:
    assert identifier_kind(cells) == kind


@pytest.mark.parametrize(
    "cells",
    [["Woman", "Man", "Woman"], ["Walk and Talk", "Walk and Talk"], ["4", "5"], []],
)
def test_ordinary_values_are_not_identifiers(cells: list[str]) -> None:
    assert identifier_kind(cells) is None


def test_local_ids_are_unique_short_references() -> None:
    assert looks_like_local_id(["C001", "C002", "C010"])
    assert looks_like_local_id(["1043", "1044"])
    assert not looks_like_local_id(["C001", "C001"])
    assert not looks_like_local_id(["Woman", "Man"])


def test_whole_numbers() -> None:
    assert whole_numbers(["3", " 4.0", ""]) == [3, 4]
    assert whole_numbers(["3", "Often"]) is None


@pytest.mark.parametrize(
    ("cells", "fmt", "confidence"),
    [
        (["2025-01-14", "2025-03-02"], "iso", "certain"),
        (["14/01/2025", "02/03/2025"], "dd/mm/yyyy", "certain"),
        (["01/02/2025", "02/03/2025"], "dd/mm/yyyy", "likely"),
        (["01/14/2025", "03/02/2025"], None, "unsure"),
        (["14/01/25"], None, "unsure"),
        (["14.01.2025", "02-03-2025"], "dd/mm/yyyy", "certain"),
    ],
)
def test_date_formats(cells: list[str], fmt: str | None, confidence: str) -> None:
    found = date_format(cells)
    assert found is not None
    assert (found.format, found.confidence) == (fmt, confidence)


def test_cells_that_are_not_dates_have_no_format() -> None:
    assert date_format(["Woman", "14/01/2025"]) is None
    assert date_format([]) is None


def test_fourteen_items_of_one_to_five_are_wemwbs() -> None:
    guess = guess_instrument(14, ["1", "5", "3"], DEFS)
    assert (guess.code, guess.confidence) == ("WEMWBS", "likely")


def test_seven_items_with_a_zero_are_gad7_not_swemwbs() -> None:
    assert guess_instrument(7, ["0", "3", "2"], DEFS).code == "GAD7"
    assert guess_instrument(7, ["1", "5"], DEFS).code == "SWEMWBS"


def test_seven_items_that_fit_both_are_a_guess_naming_the_other() -> None:
    guess = guess_instrument(7, ["1", "2", "3"], DEFS)
    assert guess.confidence == "unsure"
    assert {guess.code, *guess.others} == {"GAD7", "SWEMWBS"}


def test_ten_items_of_zero_to_four_are_ambiguous() -> None:
    guess = guess_instrument(10, ["0", "4"], DEFS)
    assert guess.confidence == "unsure"
    assert {guess.code, *guess.others} == {"CORE10", "REQOL10"}


def test_an_instrument_named_in_the_headers_wins() -> None:
    guess = guess_instrument(7, ["1", "2"], DEFS, named="SWEMWBS")
    assert (guess.code, guess.confidence) == ("SWEMWBS", "certain")


def test_no_instrument_with_that_many_items() -> None:
    guess = guess_instrument(11, ["1"], DEFS)
    assert guess.code is None


def _with_labels(definition: InstrumentDefinition, labels: dict[str, int]) -> InstrumentDefinition:
    return definition.model_copy(update={"response_labels": labels})


def test_answer_words_choose_the_instrument_whose_labels_they_are() -> None:
    gad7 = next(d for d in DEFS if d.code == "GAD7")
    swemwbs = next(d for d in DEFS if d.code == "SWEMWBS")
    words = {
        "Not at all": 0,
        "Several days": 1,
        "More than half the days": 2,
        "Nearly every day": 3,
    }
    defs = [_with_labels(gad7, words), swemwbs]
    guess = guess_instrument(7, ["several days", "Nearly every day ", "2"], defs)
    assert (guess.code, guess.confidence) == ("GAD7", "likely")


def test_code_list_labels_need_no_mapping_and_close_ones_are_proposed() -> None:
    spec = field_spec("participants", "sex")
    match = match_values(spec, ["Woman", "F", "female", "Femal", "Non-binary"])
    assert match.mapped == {"Femal": "female"}
    assert match.unmatched == ("Non-binary",)
    assert match.confidence == "unsure"


def test_code_list_labels_all_accepted_are_certain() -> None:
    spec = field_spec("participants", "age_band")
    match = match_values(spec, ["45 to 54", "18-24", "75+"])
    assert (match.mapped, match.unmatched, match.confidence) == ({}, (), "certain")


def test_each_item_is_checked_against_its_own_range() -> None:
    # EQ-5D-5L's items 1-5 go to 5 (its sixth, the VAS, to 100): answers of 1-10 in
    # every column are the SEMCD6, not EQ5D5L.
    per_item = {n: ["1", "10", "7"] for n in range(1, 7)}
    guess = guess_instrument(6, per_item, DEFS)
    assert (guess.code, guess.confidence) == ("SEMCD6", "likely")
    # All together, the VAS's range would let EQ5D5L fit too.
    assert guess_instrument(6, ["1", "10", "7"], DEFS).confidence == "unsure"


def test_a_column_is_recognised_by_its_code_list_labels() -> None:
    from peerbench.intake.propose_match import vocabulary
    from peerbench.intake.propose_values import field_from_values

    extra = {**vocabulary().values, "timepoint": vocabulary().timepoints}
    assert field_from_values(["Still attending", "Finished", "Dropped out"], extra) == (
        "engagements",
        "end_reason",
    )
    assert field_from_values(["Start", "End", "3 months"], extra) == ("outcomes", "timepoint")
    assert field_from_values(["red", "blue"], extra) is None
    assert field_from_values(["1", "2"], extra) is None
    assert field_from_values(["Female"], extra) is None  # one value says too little


def test_a_column_mixing_iso_and_day_first_dates_is_day_first() -> None:
    found = date_format(["2026-05-08", "23/06/2026", "2026-04-27"])
    assert found is not None and (found.format, found.confidence) == ("dd/mm/yyyy", "certain")


def test_not_answered_words_do_not_stop_an_instrument_fitting() -> None:
    per_item = {n: ["1", "5", "n/a"] for n in range(1, 8)}
    guess = guess_instrument(7, per_item, DEFS)
    assert (guess.code, guess.confidence) == ("SWEMWBS", "likely")


def test_when_nothing_fits_the_instrument_whose_range_holds_the_numbers_comes_first() -> None:
    per_item = {n: ["1", "5", "Meh"] for n in range(1, 8)}
    guess = guess_instrument(7, per_item, DEFS)
    assert (guess.code, guess.confidence, guess.unknown_words) == ("SWEMWBS", "unsure", ("Meh",))


def test_answers_exported_with_their_number_are_that_number() -> None:
    from peerbench.intake.propose_values import exported_number

    assert [exported_number(a) for a in ("4 - Often", "Often (4)", "Often", "12")] == [
        "4",
        "4",
        "Often",
        "12",
    ]
    per_item = {n: ["0 - Not at all", "Nearly every day (3)"] for n in range(1, 8)}
    assert guess_instrument(7, per_item, DEFS).code == "GAD7"
