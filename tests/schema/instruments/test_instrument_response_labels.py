"""Answers as words: each instrument's published response labels, matched loosely."""

from __future__ import annotations

import pytest

from peerbench.schema.instruments import (
    InstrumentDefinitionError,
    InstrumentRegistry,
    UnknownInstrumentError,
    default_registry,
)
from peerbench.schema.instruments.registry import parse_definition

LOCAL = """\
code: MYCHECK
name: Our confidence check
version: "1"
licence: Our own
source: Example Peer Network, 2024
item_count: 2
response_min: 0
response_max: 2
response_labels: {"Not yet": 0, "A bit": 1, "A lot": 2}
scoring: {method: sum}
score_min: 0
score_max: 4
direction: higher_is_better
"""


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("WEMWBS", "None of the time", 1),
        ("WEMWBS", "rarely", 2),
        ("WEMWBS", "  SOME of the  time ", 3),
        ("WEMWBS", "Often", 4),
        ("WEMWBS", "All\u00a0of the time", 5),
        ("SWEMWBS", "often", 4),
        ("PHQ9", "Not at all", 0),
        ("PHQ9", "several days", 1),
        ("PHQ9", "More than half the days", 2),
        ("PHQ9", "NEARLY EVERY DAY", 3),
        ("GAD7", "Several days", 1),
        ("UCLA3", "Hardly ever", 1),
        ("UCLA3", "Some of the time", 2),
        ("UCLA3", "Often", 3),
        ("CORE10", "Most or all of the time", 4),
        ("ONSLONELY", "Never", 5),
    ],
)
def test_builtin_labels(code: str, label: str, expected: int) -> None:
    assert default_registry().answer_code(code, label) == expected


@pytest.mark.parametrize(
    ("code", "label"),
    [("PHQ9", "Rarely"), ("WEMWBS", "Several days"), ("WEMWBS", "4"), ("ONS4", "Often")],
)
def test_words_of_another_scale_are_not_answers(code: str, label: str) -> None:
    assert default_registry().answer_code(code, label) is None


def test_instruments_without_published_labels_have_none() -> None:
    for code in ("ONS4", "PAM13", "REQOL10", "SEMCD6", "EQ5D5L"):
        assert default_registry().get(code).response_labels == {}


def test_custom_instrument_gets_answers_as_words() -> None:
    registry = InstrumentRegistry()
    registry.register(parse_definition(LOCAL, "mycheck.yaml"))
    assert registry.answer_code("mycheck", "a LOT") == 2
    assert registry.answer_code("MYCHECK", "not yet") == 0
    with pytest.raises(UnknownInstrumentError):
        registry.answer_code("NOPE", "a lot")


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ('{"A lot": 3}', "3 is outside the responses 0-2"),
        ('{"A lot": 2, "a  LOT": 1}', "are the same label"),
    ],
)
def test_bad_labels_are_refused(labels: str, message: str) -> None:
    text = LOCAL.replace('{"Not yet": 0, "A bit": 1, "A lot": 2}', labels)
    with pytest.raises(InstrumentDefinitionError, match=message):
        parse_definition(text, "mycheck.yaml")
