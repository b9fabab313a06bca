"""JSON within limits: digits per number and nesting depth."""

from __future__ import annotations

import json

import pytest

from peerbench.validators.limits import Limits
from peerbench.validators.readers.json_limits import JsonLimitError, loads, nesting


def test_ordinary_json_is_parsed_as_json_loads_does() -> None:
    text = '{"a": [1, 2.5, {"b": -30}], "c": "x"}'
    assert loads(text, Limits()) == json.loads(text)


def test_a_number_over_the_digit_limit_is_refused_before_conversion() -> None:
    assert loads("[" + "9" * 10 + "]", Limits(max_number_digits=10)) == [9_999_999_999]
    with pytest.raises(JsonLimitError) as raised:
        loads("[-" + "9" * 11 + "]", Limits(max_number_digits=10))
    assert raised.value.name == "max_number_digits" and "11 digits" in raised.value.found


def test_a_long_float_counts_its_digits() -> None:
    with pytest.raises(JsonLimitError, match="12 digits"):
        loads("[1." + "5" * 11 + "]", Limits(max_number_digits=10))


def test_nesting_beyond_the_limit_is_refused() -> None:
    assert loads("[[[1]]]", Limits(max_json_depth=3)) == [[[1]]]
    with pytest.raises(JsonLimitError, match="nested 4 deep"):
        loads("[[[[1]]]]", Limits(max_json_depth=3))


def test_nesting_too_deep_for_the_parser_is_a_limit_not_a_recursion_error() -> None:
    with pytest.raises(JsonLimitError) as raised:
        loads("[" * 100_000 + "]" * 100_000, Limits())
    assert raised.value.name == "max_json_depth"


@pytest.mark.parametrize(("data", "depth"), [(1, 0), ([], 1), ({"a": [1, {"b": []}]}, 4)])
def test_nesting_counts_levels(data: object, depth: int) -> None:
    assert nesting(data, 100) == depth


def test_finding_carries_the_row() -> None:
    error = JsonLimitError("max_json_depth", 3, "deep")
    found = error.finding("f.jsonl", row=7)
    assert found.code == "limit-exceeded" and found.row == 7
