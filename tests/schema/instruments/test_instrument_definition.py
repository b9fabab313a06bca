"""The definition model: expansion of items and rejection of inconsistent definitions."""

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from peerbench.schema.instruments import (
    InstrumentDefinition,
    InstrumentDefinitionError,
    builtin_definitions,
    default_registry,
)
from peerbench.schema.instruments.errors import problems_from_validation

BASE: dict[str, Any] = {
    "code": "MYSCALE",
    "name": "My scale",
    "version": 1,
    "licence": "Free",
    "source": "Local",
    "item_count": 4,
    "response_min": 0,
    "response_max": 3,
    "scoring": {"method": "sum"},
    "score_min": 0,
    "score_max": 12,
    "direction": "higher_is_worse",
}


def problems(**changes: Any) -> list[tuple[str, str]]:
    """Validate BASE with ``changes`` and return (field, message) problems."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    with pytest.raises(ValidationError) as info:
        InstrumentDefinition.model_validate(data)
    return [(p.field, p.message) for p in problems_from_validation(info.value)]


def test_base_is_valid_and_version_number_becomes_a_string() -> None:
    d = InstrumentDefinition.model_validate(BASE)
    assert d.version == "1"


def test_items_expand_with_overrides_and_reverse_flags() -> None:
    eq5d = default_registry().get("EQ5D5L")
    items = eq5d.items()
    assert [(i.min, i.max) for i in items] == [(1, 5)] * 5 + [(0, 100)]
    assert items[5].label == "health today (VAS)"
    core10 = default_registry().get("CORE10")
    assert [i.number for i in core10.items() if i.reverse] == [3, 4]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"reverse_items": [5]}, "reverse_items[0]", "item 5 does not exist"),
        ({"reverse_items": [1, 1]}, "reverse_items", "more than once"),
        ({"response_max": -1}, "response_max", "below response_min"),
        (
            {"bands": [{"label": "a", "min": 0, "max": 6}, {"label": "b", "min": 6, "max": 12}]},
            "bands[1].min",
            "overlaps band 'a'",
        ),
        ({"bands": [{"label": "a", "min": 5, "max": 2}]}, "bands[0].min", "above max"),
        ({"bands": [{"label": "a", "min": 0, "max": 13}]}, "bands[0]", "outside the score range"),
        (
            {"caseness": {"threshold": 13, "rule": "at_or_above"}},
            "caseness.threshold",
            "outside the score range",
        ),
        ({"score_max": 13}, "score_max", "does not match 12"),
        ({"missing": {"max_missing": 1}}, "missing.prorate", "must be true"),
        ({"missing": {"max_missing": 4, "prorate": True}}, "missing.max_missing", "below"),
        ({"scoring": {"method": "median"}}, "scoring.method", "must be one of sum, mean"),
        ({"scoring": {"method": "scaled_mean"}}, "scoring.multiplier", "is required"),
        ({"scoring": {"method": "sum", "multiplier": 10}}, "scoring.multiplier", "only used"),
        ({"code": "my scale"}, "code", "must match the pattern"),
        ({"colour": "red"}, "colour", "not a recognised field"),
        (
            {"reliable_change": {"threshold": 3, "source": "x"}, "direction": "none"},
            "direction",
            "reliable_change",
        ),
        (
            {"subscales": [{"name": "a", "item": 1, "label": "a"}]},
            "subscales",
            "per_item and profile",
        ),
    ],
)
def test_inconsistent_definitions_are_rejected_with_field_paths(
    changes: dict[str, Any], field: str, fragment: str
) -> None:
    found = problems(**changes)
    assert any(f == field and fragment in m for f, m in found), found


def test_missing_required_fields_are_listed_together() -> None:
    data = {k: v for k, v in BASE.items() if k not in {"name", "licence"}}
    with pytest.raises(ValidationError) as info:
        InstrumentDefinition.model_validate(data)
    fields = {p.field: p.message for p in problems_from_validation(info.value)}
    assert fields == {"name": "is required", "licence": "is required"}


def test_lookup_must_cover_every_raw_score() -> None:
    lookup = {raw: float(raw) for raw in range(0, 13) if raw not in {3, 7}}
    found = problems(scoring={"method": "lookup", "lookup": lookup})
    assert ("scoring.lookup", "has no converted score for raw score(s) 3, 7; it must cover "
            "every raw score from 0 to 12") in found  # fmt: skip


def test_per_item_needs_a_subscale_for_every_item() -> None:
    found = problems(
        scoring={"method": "per_item"},
        score_min=None,
        score_max=None,
        subscales=[{"name": "first", "item": 1, "label": "first"}],
    )
    assert any(f == "subscales" and "missing item(s) 2, 3, 4" in m for f, m in found)


def test_subscale_bands_are_checked_against_the_item_range() -> None:
    found = problems(
        scoring={"method": "per_item"},
        score_min=None,
        score_max=None,
        subscales=[
            {
                "name": f"s{i}",
                "item": i,
                "label": "x",
                "bands": [{"label": "b", "min": 0, "max": 9}],
            }
            for i in range(1, 5)
        ],
    )
    assert ("subscales[0].bands[0]", "band 'b' (0-9) is outside the score range 0-3") in found


def test_categorical_categories_must_cover_the_responses() -> None:
    found = problems(
        item_count=1,
        scoring={"method": "categorical"},
        score_min=0,
        score_max=3,
        categories=[{"value": 0, "label": "a"}, {"value": 1, "label": "b"}],
    )
    assert any(f == "categories" and "exactly one category" in m for f, m in found)


def test_level_cut_points_must_ascend() -> None:
    found = problems(levels={"cut_points": [5, 4]})
    assert ("levels.cut_points[1]", "4 must be above 5") in found


@pytest.mark.parametrize("definition", builtin_definitions(), ids=lambda d: d.code)
def test_builtin_definitions_round_trip_through_json(definition: InstrumentDefinition) -> None:
    text = json.dumps(definition.model_dump(mode="json"))
    assert InstrumentDefinition.model_validate_json(text) == definition
    assert InstrumentDefinition.model_validate(json.loads(text)) == definition


def test_definition_error_message_names_the_source_and_field() -> None:
    data = copy.deepcopy(BASE) | {"reverse_items": [9]}
    with pytest.raises(ValidationError) as info:
        InstrumentDefinition.model_validate(data)
    error = InstrumentDefinitionError.from_validation("my.yaml", info.value)
    assert str(error) == (
        "my.yaml: reverse_items[0]: item 9 does not exist: items are numbered 1 to 4"
    )
