"""The compiled record schema decides which Parquet rows jsonschema-rs must see (issue 14).

Two properties are checked against ``jsonschema-rs`` itself: a row the masks call valid
is valid and a row they call invalid is invalid (``UNKNOWN`` may be either), and the
findings of checking only the flagged rows are those of checking every row, on the
contract records, the hostile corpus and hypothesis-drawn tables of every record type.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache, partial
from pathlib import Path
from typing import Any

import jsonschema_rs
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerbench.schema.fields import ID_PATTERN, INSTRUMENT_CODE_PATTERN, PARTICIPANT_KEY_PATTERN
from peerbench.schema.json_schema import record_schema
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators import validate
from peerbench.validators.columnar.text import byte_pattern
from peerbench.validators.limits import DEFAULT_LIMITS
from peerbench.validators.readers import parquet as parquet_reader
from peerbench.validators.readers import strict
from peerbench.validators.readers.sources import OpenOptions, new_source
from peerbench.validators.readers.strict import checked_batches, json_rows
from peerbench.validators.readers.strict_columnar import Rows, record_verdicts, rows_to_check
from peerbench.validators.readers.strict_scalars import ascii_exact
from peerbench.validators.readers.strict_tri import FALSE, TRUE, UNKNOWN, is_annotation
from peerbench.validators.readers.strict_values import KEYWORDS, evaluate
from peerbench.validators.report import Finding
from tests.budget import examples
from tests.contract.records import mutations

CORPUS = Path(__file__).parents[2] / "corpus" / "files"
TODAY = dt.date(2026, 1, 31)
RECORD_KEYWORDS = {"properties", "required", "additionalProperties"}


# ------------------------------------------------------------------------- helpers
@cache
def _schema(record_type: str) -> dict[str, Any]:
    """The record schema, copied once per record type (a copy per row cost seconds)."""
    return record_schema(record_type)


def _verdicts(record_type: str, batch: pa.RecordBatch) -> np.ndarray[Any, Any]:
    schema = _schema(record_type)
    return record_verdicts(schema, Rows.of(batch), schema.get("$defs", {}))


def _assert_sound(record_type: str, batch: pa.RecordBatch) -> None:
    """TRUE rows are valid and FALSE rows invalid, as jsonschema-rs sees their records."""
    verdicts = _verdicts(record_type, batch)
    validator = strict._validator(record_type)
    for row, (verdict, record) in enumerate(zip(verdicts, json_rows(batch), strict=True)):
        if verdict == UNKNOWN:
            continue
        valid = validator.is_valid(record)
        assert valid == (verdict == TRUE), (row, int(verdict), record, batch.schema)


def _findings(record_type: str, table: pa.Table, *, every_row: bool) -> list[Finding]:
    options = OpenOptions(record_type=record_type, mapping=None, batch_rows=7)
    source = new_source("f.parquet", record_type, "parquet", table.column_names, options)
    batches = table.to_batches(max_chunksize=7)
    for _ in checked_batches(iter(batches), source, every_row=every_row):
        pass
    return source.findings


def _same_findings(record_type: str, table: pa.Table) -> None:
    fast = _findings(record_type, table, every_row=False)
    assert fast == _findings(record_type, table, every_row=True)


# ------------------------------------------------------------- the keyword coverage
def _keywords(schema: Any, found: set[str]) -> set[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if is_annotation(key):
                if key == "$defs":
                    for sub in value.values():
                        _keywords(sub, found)
                continue
            found.add(key)
            if key == "properties":
                for sub in value.values():
                    _keywords(sub, found)
            elif key not in ("enum", "const", "required"):
                _keywords(value, found)
    elif isinstance(schema, list):
        for sub in schema:
            _keywords(sub, found)
    return found


@pytest.mark.parametrize("record_type", sorted(RECORD_TYPES))
def test_every_keyword_of_the_generated_schemas_is_compiled(record_type: str) -> None:
    """A new keyword in the generated schemas fails here until the compiler knows it."""
    used = _keywords(record_schema(record_type), set())
    compiled = set(KEYWORDS) | RECORD_KEYWORDS | {"then", "else", "minContains", "maxContains"}
    assert used - compiled == set()


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "multipleOf": 2},
        {"type": "array", "uniqueItems": True},
        {"type": "string", "format": "email"},
        {"oneOf": [{"type": "integer"}]},
    ],
)
def test_a_keyword_the_compiler_does_not_know_sends_the_values_to_the_validator(
    schema: dict[str, Any],
) -> None:
    array = pa.array([[1, 2], [3]]) if schema.get("type") == "array" else pa.array([4, 3])
    if schema.get("format"):
        array = pa.array(["a@b.c", "x"])
    assert evaluate(schema, array, {}).tolist() == [UNKNOWN, UNKNOWN]


def test_an_unknown_record_keyword_or_type_sends_every_row_to_the_validator() -> None:
    batch = pa.record_batch({"a": [1, 2]})
    schema = {"type": "object", "minProperties": 1}
    assert record_verdicts(schema, Rows.of(batch), {}).tolist() == [UNKNOWN, UNKNOWN]
    stamps = pa.array([dt.datetime(2025, 1, 1), None], pa.timestamp("s"))
    assert evaluate({"type": "string"}, stamps, {}).tolist() == [UNKNOWN, FALSE]


def test_a_column_given_twice_sends_every_row_to_the_validator() -> None:
    batch = pa.RecordBatch.from_arrays([pa.array(["a"]), pa.array(["b"])], names=["x", "x"])
    assert rows_to_check("organisation", batch).tolist() == [True]


@pytest.mark.parametrize(
    ("pattern", "exact"),
    [
        (r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$", True),
        (r"^[0-9a-f]{32}$", True),
        (r"^(ab|cd)+$", True),
        (r"\S", False),  # Unicode white space differs between RE2 and ECMA-262
        (r"^a.b$", False),  # "." and line breaks
        (r"^[^a]$", False),
        (r"^a{,3}$", False),  # a repeat in Python, a literal in RE2
        (r"^é$", False),
    ],
)
def test_patterns_trusted_on_all_text_use_only_ascii_literals(pattern: str, exact: bool) -> None:
    assert ascii_exact(pattern) is exact


def test_a_pattern_with_classes_is_trusted_only_on_printable_ascii() -> None:
    values = pa.array(["a", " ", "\u00a0", "\x0b", "\u2003x"])
    assert evaluate({"pattern": r"\S"}, values, {}).tolist() == [
        TRUE,
        FALSE,
        UNKNOWN,
        UNKNOWN,
        UNKNOWN,
    ]


@pytest.mark.parametrize(
    "pattern",
    [ID_PATTERN, PARTICIPANT_KEY_PATTERN, INSTRUMENT_CODE_PATTERN, r"^[a-c]{2}[a-z0-9]{0,3}$"],
)
def test_identifier_patterns_as_byte_tables_decide_as_the_validator_does(pattern: str) -> None:
    texts = [
        "a",
        "A1",
        "svc-1",
        "-svc",
        "ab",
        "abc12",
        "abc123",
        "PHQ9",
        "P",
        "x" * 64,
        "x" * 65,
        "0123456789abcdef0123456789abcdef",
        "0123456789ABCDEF0123456789abcdef",
        "",
        " a",
        "a ",
        "a\n",
        "é1",
        "ab\u00e9",
        "a\x00",
    ]
    values = pa.array([*texts, None])
    assert byte_pattern(pattern) is not None  # the shape the tables take
    validator = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    expected = [TRUE if validator.is_valid(t) else FALSE for t in texts]
    assert evaluate({"pattern": pattern}, values, {}).tolist()[:-1] == expected


# ------------------------------------------------------------ the contract records
@cache
def _one_row_tables(record_type: str) -> list[pa.Table]:
    tables = []
    for record in mutations(record_type):
        try:
            tables.append(pa.Table.from_pylist([record]))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # no single Arrow type holds it
            continue
    return tables


@cache
def _alike(record_type: str) -> list[pa.Table]:
    """The one-row tables that share an Arrow schema, each group as one table: every row's
    verdict is still checked on its own, at a fraction of the calls."""
    groups: dict[pa.Schema, list[pa.Table]] = {}
    for table in _one_row_tables(record_type):
        groups.setdefault(table.schema, []).append(table)
    return [pa.concat_tables(group).combine_chunks() for group in groups.values()]


@pytest.mark.parametrize("record_type", sorted(RECORD_TYPES))
def test_contract_records_give_the_findings_of_checking_every_row(record_type: str) -> None:
    assert len(_one_row_tables(record_type)) > 10
    for table in _alike(record_type):
        _assert_sound(record_type, table.to_batches()[0])
        _same_findings(record_type, table)


def test_contract_outcomes_are_mostly_decided_without_the_validator() -> None:
    verdicts = np.concatenate(
        [_verdicts("outcome", table.to_batches()[0]) for table in _alike("outcome")]
    )
    assert len(verdicts) == len(_one_row_tables("outcome"))
    assert (verdicts != UNKNOWN).sum() > 0.9 * len(verdicts)


# -------------------------------------------------------------- the hostile corpus
@pytest.mark.parametrize("folder", sorted(p.name for p in CORPUS.glob("parquet-*")))
def test_hostile_parquet_gives_the_findings_of_checking_every_row(
    folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted((CORPUS / folder).glob("*.parquet"))
    cases = yaml.safe_load((CORPUS.parent / "manifest.yaml").read_text(encoding="utf-8"))
    case = next(c for c in cases["cases"] if c["case"] == folder)
    limits = DEFAULT_LIMITS.replace(**case.get("limits") or {})  # as the corpus runs it
    fast = [validate(files, today=TODAY, limits=limits).findings]
    every_row = partial(strict.checked_batches, every_row=True)  # in turn, every row
    monkeypatch.setattr(parquet_reader, "checked_batches", every_row)
    assert fast == [validate(files, today=TODAY, limits=limits).findings]


# ----------------------------------------------------------- hypothesis: any table
_TEXT = st.sampled_from(
    [
        "",
        " ",
        "baseline",
        "Baseline",
        "other",
        "PHQ9",
        "CORE10",
        "EQ5D5L",
        "PAM13",
        "svc-1",
        "-bad",
        "m-1",
        "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70",
        "2025-01-13",
        "2024-02-30",
        "13/01/2025",
        "self_paper",
        "female",
        "35_44",
        "charity",
        "london",
        "connection",
        "ongoing",
        "completed",
        "x" * 201,
        "\u00a0",
        "a\nb",
        "\x0b",
        "é",
    ]
) | st.text(max_size=8)
_INTS = st.integers(-3, 12) | st.sampled_from([0, 1, 4, 99, 100, 101, 1000, 1001, 3660, 10**6])
_FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64) | st.sampled_from(
    [0.0, 1.0, 2.5, 55.0, 100.0, 100.5, -0.0]
)
_DATES = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
_ITEM = st.none() | st.integers(-2, 6) | st.sampled_from([100, 1000, 1001])
_LISTS = st.lists(_ITEM, max_size=14)


@st.composite
def _columns(draw: st.DrawFn, record_type: str, rows: int) -> pa.Table:
    names = list(_schema(record_type)["properties"])
    chosen = draw(st.lists(st.sampled_from([*names, "colour"]), unique=True, min_size=1))
    columns: dict[str, pa.Array] = {}
    for name in chosen:
        kind = draw(st.sampled_from(["text", "dict", "int", "float", "bool", "date", "list"]))
        values: list[Any]
        if kind in ("text", "dict"):
            values = draw(st.lists(st.none() | _TEXT, min_size=rows, max_size=rows))
            array = pa.array(values, pa.string())
            if kind == "dict":
                array = array.dictionary_encode()
        elif kind == "int":
            values = draw(st.lists(st.none() | _INTS, min_size=rows, max_size=rows))
            array = pa.array(values, draw(st.sampled_from([pa.int32(), pa.int64()])))
        elif kind == "float":
            values = draw(st.lists(st.none() | _FLOATS, min_size=rows, max_size=rows))
            array = pa.array(values, draw(st.sampled_from([pa.float32(), pa.float64()])))
        elif kind == "bool":
            values = draw(st.lists(st.none() | st.booleans(), min_size=rows, max_size=rows))
            array = pa.array(values, pa.bool_())
        elif kind == "date":
            values = draw(st.lists(st.none() | _DATES, min_size=rows, max_size=rows))
            array = pa.array(values, pa.date32())
        else:
            values = draw(st.lists(st.none() | _LISTS, min_size=rows, max_size=rows))
            array = pa.array(values, pa.list_(draw(st.sampled_from([pa.int16(), pa.int64()]))))
        columns[name] = array
    return pa.table(columns)


@cache
def _valid_rows(record_type: str) -> pa.Table | None:
    """The contract's valid records of ``record_type`` as one table (when Arrow can)."""
    from tests.contract.records import valid_records

    try:
        return pa.Table.from_pylist(valid_records(record_type))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


@st.composite
def _tables(draw: st.DrawFn) -> tuple[str, pa.Table]:
    record_type = draw(st.sampled_from(sorted(RECORD_TYPES)))
    rows = draw(st.integers(1, 12))
    table = draw(_columns(record_type, rows))
    valid = _valid_rows(record_type)
    if valid is not None and draw(st.booleans()):
        # Mostly valid rows with a few columns replaced: the masks' usual work.
        picks = draw(st.lists(st.integers(0, valid.num_rows - 1), min_size=rows, max_size=rows))
        base = valid.take(pa.array(picks))
        # One field changed in otherwise valid rows: a TRUE verdict is then put to the test.
        for name in table.column_names[:1]:
            position = base.schema.get_field_index(name)
            if position >= 0:
                base = base.set_column(position, name, table[name])
            elif draw(st.booleans()):
                base = base.append_column(name, table[name])
        table = base
    return record_type, table


@settings(
    max_examples=examples(500, 150), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(_tables())
def test_hypothesis_tables_give_the_findings_of_checking_every_row(
    drawn: tuple[str, pa.Table],
) -> None:
    record_type, table = drawn
    _assert_sound(record_type, table.combine_chunks().to_batches()[0])
    _same_findings(record_type, table)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_left_to_the_validator(value: float) -> None:
    """They have no JSON form; jsonschema-rs rejects them even where any number will do."""
    for schema in ({"type": "number"}, {"anyOf": [{"type": "number"}, {"type": "null"}]}):
        assert evaluate(schema, pa.array([1.5, value]), {}).tolist() == [TRUE, UNKNOWN]
    valid = _valid_rows("outcome")
    assert valid is not None
    scores = pa.array([value] * valid.num_rows, pa.float64())
    if "total_score" in valid.column_names:
        valid = valid.drop_columns(["total_score"])
    table = valid.append_column("total_score", scores)
    _assert_sound("outcome", table.combine_chunks().to_batches()[0])
    _same_findings("outcome", table)
    assert rows_to_check("outcome", table.to_batches()[0]).all()


def test_whole_numbers_as_doubles_are_integers_and_nan_is_left_to_the_validator() -> None:
    values = pa.array([3.0, 3.5, math.nan, None, math.inf])
    assert evaluate({"type": "integer"}, values, {}).tolist() == [
        TRUE,
        FALSE,
        UNKNOWN,
        FALSE,
        UNKNOWN,
    ]


def test_the_reference_outcomes_need_no_per_record_check(tmp_path: Path) -> None:
    from peerbench.io.tabular import FileFormat, write_table
    from peerbench.synth.config import SynthConfig
    from peerbench.synth.generator import generate

    table = generate(SynthConfig(outcome_rows=3000))["outcome"]
    path = tmp_path / "outcomes.parquet"
    write_table(table, path, FileFormat.PARQUET)
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        assert not rows_to_check("outcome", batch).any()


def test_an_arrow_error_in_the_masks_sends_every_row_to_the_validator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from peerbench.validators.readers import strict_columnar

    def fails(*_: Any) -> Any:
        raise pa.ArrowInvalid("cannot compare uint64 with -1")

    monkeypatch.setattr(strict_columnar, "record_verdicts", fails)
    batch = pa.record_batch({"organisation_id": ["org-1", "org-2"]})
    assert rows_to_check("organisation", batch).tolist() == [True, True]
