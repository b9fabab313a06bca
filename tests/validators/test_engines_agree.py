"""Property: the record engine and the columnar engine report the same problems.

Records start as the models' own valid examples and are broken in the ways real data
breaks (blank required values, numbers out of range, bad codes, bad identifiers, bad
dates, broken cross-field rules, wrong item responses). The record engine validates them
as JSON; the columnar engine validates the same records as the table a reader produces.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators import validate_records, validate_table
from peerbench.validators.record_engine import records_to_table
from tests.factories import example_record

TODAY = dt.date(2026, 1, 1)
RULE_BREAKS: dict[str, list[dict[str, Any]]] = {
    "engagement": [
        {"end_date": "2024-12-01"},
        {"end_reason": "ongoing"},
        {"end_date": None},
        {"sessions_attended": 13},
    ],
    "outcome": [
        {"timepoint": "other", "days_since_start": None},
        {"items": [3, 4, 3, 2, 4, 3]},
        {"items": [3, 4, 3, 2, 4, 3, 9]},
        {"items": [3, 4, 3, None, 4, 3, 3]},
        {"total_score": 30},
        {"instrument": "PHQ9"},
        {"instrument": "PAM13", "items": None, "licensed_level": 1, "licensed_score": 80.5},
        {"instrument": "NOTREAL"},
    ],
    "feedback": [{"consent_to_quote": False}, {"free_text": "Call me on 07700 900123"}],
    "participant": [{"consent_research": None}],
}


def _base(record_type: str) -> dict[str, Any]:
    record = example_record(record_type)
    if record_type == "outcome":
        record["total_score"] = 19.98  # the example's items score 19.98, not 21.54
    return record


def _breaks(spec: FieldSpec) -> list[Any]:
    """Values that break one field on its own."""
    options: list[Any] = []
    if spec.required:
        options += [None, ""]
    if spec.kind in ("integer", "number") and spec.maximum is not None:
        options += [int(spec.maximum) + 1, int(spec.maximum) + 1000]
    if spec.kind in ("integer", "number") and spec.minimum is not None:
        options.append(int(spec.minimum) - 1)
    if spec.kind in ("code", "codes"):
        options.append("not-a-code" if spec.kind == "code" else ["hope", "not-a-code"])
    if spec.pattern is not None:
        options += ["has space!", "x" * 70]
    if spec.kind == "date":
        options += ["2025-02-30", "2025-13-01", "someday", "2027-01-01"]
    if spec.kind == "string" and spec.max_length is not None:
        options.append("y" * (spec.max_length + 1))
    return options


@st.composite
def record(draw: st.DrawFn, record_type: str) -> dict[str, Any]:
    out = _base(record_type)
    specs = [s for s in field_specs(RECORD_TYPES[record_type]) if _breaks(s)]
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["field", "rule"]))
        if kind == "rule" and record_type in RULE_BREAKS:
            out.update(draw(st.sampled_from(RULE_BREAKS[record_type])))
        else:
            spec = draw(st.sampled_from(specs))
            out[spec.name] = draw(st.sampled_from(_breaks(spec)))
    return {k: v for k, v in out.items() if v is not None}


@st.composite
def payload(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    record_type = draw(st.sampled_from(sorted(RECORD_TYPES)))
    return record_type, draw(st.lists(record(record_type), min_size=1, max_size=4))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload())
def test_record_and_columnar_engines_agree(case: tuple[str, list[dict[str, Any]]]) -> None:
    record_type, records = case
    by_records = {
        (f.row, f.column, f.code) for f in validate_records(record_type, records, today=TODAY)
    }
    table = records_to_table(record_type, [_strip(r) for r in records])
    by_columns = set(validate_table(table, record_type, today=TODAY).flatten())
    assert by_records == by_columns


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    """What a reader does with blank text: an empty cell is a missing value."""
    return {k: v for k, v in record.items() if not (isinstance(v, str) and not v.strip())}
