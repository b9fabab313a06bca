"""Text fields: the byte-level fast path must agree with trimming plus the regex."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.schema.fields import ID_PATTERN, INSTRUMENT_CODE_PATTERN, PARTICIPANT_KEY_PATTERN
from peerbench.validators.columnar.coerce import Coerced, as_text
from peerbench.validators.columnar.distinct import coerce_distinct
from peerbench.validators.columnar.text import byte_pattern, small_whole_numbers, to_text
from peerbench.validators.identifiers import detect

PATTERNS = [ID_PATTERN, PARTICIPANT_KEY_PATTERN, INSTRUMENT_CODE_PATTERN, None]


def slow(values: list[str | None], pattern: str | None) -> list[tuple[str | None, bool, bool]]:
    """The reference: trim, blank to null, regex; (value, empty, invalid) per cell."""
    text = as_text(pa.array(values, pa.string()))
    empty = pc.is_null(text).to_pylist()
    ok = [True] * len(values) if pattern is None else pc.match_substring_regex(text, pattern)
    out = []
    for value, blank, good in zip(text.to_pylist(), empty, list(ok), strict=True):
        bad = not blank and not bool(good)
        out.append((None if bad else value, bool(blank), bad))
    return out


def fast(values: list[str | None], pattern: str | None) -> list[tuple[str | None, bool, bool]]:
    result = to_text(pa.array(values, pa.string()), pattern)
    return list(
        zip(result.values.to_pylist(), result.empty.tolist(), result.invalid.tolist(), strict=True)
    )


@pytest.mark.parametrize("pattern", [ID_PATTERN, PARTICIPANT_KEY_PATTERN, INSTRUMENT_CODE_PATTERN])
def test_standard_patterns_compile_to_byte_tables(pattern: str) -> None:
    assert byte_pattern(pattern) is not None


@pytest.mark.parametrize("pattern", [r"^a|b$", r"^[^a]{2}$", r"^[a ]{2}$", r"^[a-z]{1,3}[0-9]$"])
def test_other_shapes_fall_back_to_the_regex(pattern: str) -> None:
    assert byte_pattern(pattern) is None
    assert fast(["ab", " a ", None], pattern) == slow(["ab", " a ", None], pattern)


CELLS = [
    "m-0001",
    " m-0001 ",
    "",
    "   ",
    None,
    "-m",
    "m" * 64,
    "m" * 65,
    "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70",
    "3F2A9C4E8B7D6A5F1E0C2B3A4D5E6F70",
    "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f7",
    "PHQ9",
    "P",
    "phq9",
    "\u00a0PHQ9",
    "PHQ9\u2003",
    "café",
    "a\tb",
    "x\n",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_fast_path_matches_trim_and_regex(pattern: str | None) -> None:
    assert fast(CELLS, pattern) == slow(CELLS, pattern)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.text(alphabet="aZ9_.-f \t\u00a0é", max_size=40)), max_size=30
    ),
    pattern=st.sampled_from(PATTERNS),
)
def test_fast_path_agrees_on_any_text(values: list[str | None], pattern: str | None) -> None:
    assert fast(values, pattern) == slow(values, pattern)


def test_a_sliced_array_is_read_from_its_offset() -> None:
    array = pa.array(["bad value", "m-1", " m-2", None, "m 3"]).slice(1, 3)
    result = to_text(array, ID_PATTERN)
    assert result.values.to_pylist() == ["m-1", "m-2", None]
    assert result.empty.tolist() == [False, False, True]
    assert not result.invalid.any()


def test_repeated_values_are_checked_once_and_spread_back() -> None:
    cells = ["s-1", " s-1", "bad id!", None, "s-2"] * 2000
    result = coerce_distinct(pa.array(cells), lambda c: to_text(c, ID_PATTERN))
    assert result.values.to_pylist()[:5] == ["s-1", "s-1", None, None, "s-2"]
    assert result.invalid[:5].tolist() == [False, False, True, False, False]
    assert result.empty[:5].tolist() == [False, False, False, True, False]
    assert pc.cast(result.raw, pa.string()).to_pylist()[:3] == ["s-1", "s-1", "bad id!"]
    assert np.count_nonzero(result.invalid) == 2000


def test_an_all_empty_column_is_all_empty() -> None:
    result = coerce_distinct(pa.nulls(10_000, pa.string()), lambda c: to_text(c, ID_PATTERN))
    assert result.empty.all()
    assert not result.invalid.any()
    assert result.values.null_count == 10_000


def test_unused_dictionary_entries_are_dropped() -> None:
    """Parquet batches carry every value read so far; only the used ones are checked."""
    dictionary = pa.array([f"s-{i}" for i in range(10_000)] + ["bad id!"])
    indices = pa.array([3, 10_000, None, 3, 9_999] * 1000, pa.int32())
    column = pa.DictionaryArray.from_arrays(indices, dictionary)
    seen: list[int] = []

    def convert(values: pa.Array) -> Coerced:
        seen.append(len(values))
        return to_text(values, ID_PATTERN)

    result = coerce_distinct(column, convert)
    assert seen == [3]
    assert result.values.to_pylist()[:5] == ["s-3", None, None, "s-3", "s-9999"]
    assert result.invalid[:5].tolist() == [False, True, False, False, False]
    assert pc.cast(result.raw, pa.string()).to_pylist()[:2] == ["s-3", "bad id!"]


def test_identifiers_in_a_dictionary_column_are_found_per_cell() -> None:
    dictionary = pa.array(["v2", "call 07700 900123", "unused a@b.co"])
    column = pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 1, 0], pa.int32()), dictionary)
    assert detect(column).tolist() == detect(pc.cast(column, pa.string())).tolist()
    assert detect(column).tolist() == [-1, 2, -1, 2, -1]


@given(st.lists(st.one_of(st.none(), st.integers(0, 9999).map(str)), max_size=50))
def test_small_whole_numbers_parse_digits_like_arrow(cells: list[str | None]) -> None:
    array = pa.array(cells, pa.string())
    parsed = small_whole_numbers(array.slice(0))
    assert parsed is not None
    expected = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
    np.testing.assert_array_equal(parsed, expected)


@pytest.mark.parametrize("cell", ["", " 3", "3 ", "-1", "+2", "2.0", "12345", "x", "٣"])
def test_small_whole_numbers_leave_anything_else_to_the_general_path(cell: str) -> None:
    assert small_whole_numbers(pa.array(["1", cell, None])) is None


def test_small_whole_numbers_read_a_sliced_array() -> None:
    parsed = small_whole_numbers(pa.array(["7", "42", None, "305"]).slice(1, 3))
    assert parsed is not None
    np.testing.assert_array_equal(parsed, [42.0, np.nan, 305.0])
