"""The registry: built-ins, local definition files and clear errors."""

import json
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from peerbench.schema.instruments import (
    InstrumentConflictError,
    InstrumentDefinitionError,
    InstrumentRegistry,
    UnknownInstrumentError,
    default_registry,
    score_items,
)

BUILTIN = [
    "CORE10", "EQ5D5L", "GAD7", "ONS4", "ONSLONELY", "PAM13",
    "PHQ9", "REQOL10", "SEMCD6", "SWEMWBS", "UCLA3", "WEMWBS",
]  # fmt: skip

LOCAL_YAML = """\
code: MYWELL
name: My service wellbeing check
version: 2
licence: Written by our service; free to use.
source: Local service, 2024.
item_count: 3
response_min: 1
response_max: 5
reverse_items: [2]
scoring:
  method: sum
missing:
  max_missing: 1
  prorate: true
  note: pro-rate one missing item
score_min: 3
score_max: 15
direction: higher_is_better
bands:
  - {label: low, min: 3, max: 8}
  - {label: high, min: 9, max: 15}
"""


def fresh() -> InstrumentRegistry:
    registry = InstrumentRegistry()
    registry.load_builtin()
    return registry


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtins_are_all_present() -> None:
    registry = default_registry()
    assert registry.codes() == BUILTIN
    assert [d.code for d in registry] == BUILTIN
    assert len(registry) == len(BUILTIN)
    assert all(registry.is_builtin(code) for code in BUILTIN)
    assert registry.get("phq9").code == "PHQ9"
    assert "gad7" in registry


def test_swemwbs_carries_its_copyright_line() -> None:
    swemwbs = default_registry().get("SWEMWBS")
    assert swemwbs.copyright == (
        "SWEMWBS © NHS Health Scotland, University of Warwick and University of "
        "Edinburgh, 2008, all rights reserved"
    )


def test_unknown_code_lists_known_codes() -> None:
    with pytest.raises(KeyError) as info:
        default_registry().get("NOPE")
    assert isinstance(info.value, UnknownInstrumentError)
    assert str(info.value).startswith("unknown instrument 'NOPE'; known instruments: CORE10, ")


def test_register_a_local_yaml_file_and_score_with_it(tmp_path: Path) -> None:
    registry = fresh()
    definition = registry.register_file(write(tmp_path, "mywell.yaml", LOCAL_YAML))
    assert registry.get("MYWELL") == definition
    assert not registry.is_builtin("MYWELL")
    result = score_items(definition, pa.array([[5, 1, 5], [5, None, 5]]))
    assert result.score.to_pylist() == [15.0, 15.0]


def test_register_a_local_json_file(tmp_path: Path) -> None:
    data = yaml.safe_load(LOCAL_YAML)
    registry = fresh()
    registry.register_file(write(tmp_path, "mywell.json", json.dumps(data)))
    assert "MYWELL" in registry


def test_a_local_file_cannot_silently_replace_a_builtin(tmp_path: Path) -> None:
    registry = fresh()
    phq9 = registry.get("PHQ9").model_dump(mode="json")
    phq9["caseness"]["threshold"] = 12
    path = write(tmp_path, "phq9.yaml", yaml.safe_dump(phq9, allow_unicode=True))
    with pytest.raises(InstrumentConflictError, match="PHQ9 is already a built-in instrument"):
        registry.register_file(path)
    registry.register_file(path, replace=True)
    caseness = registry.get("PHQ9").caseness
    assert caseness is not None
    assert caseness.threshold == 12
    assert not registry.is_builtin("PHQ9")


def test_registering_an_identical_definition_is_a_no_op() -> None:
    registry = fresh()
    registry.register(default_registry().get("GAD7"))
    assert registry.is_builtin("GAD7")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.yaml", "code: [unclosed\n", "bad.yaml: invalid YAML at line 2 column 1"),
        ("list.yaml", "- 1\n- 2\n", "list.yaml: must contain a mapping of definition fields"),
        ("empty.yaml", "", "empty.yaml: must contain a mapping of definition fields, got an"),
        (
            "method.yaml",
            LOCAL_YAML.replace("method: sum", "method: total"),
            "method.yaml: scoring.method: must be one of sum, mean, scaled_mean, lookup, "
            "per_item, categorical, licensed, profile (got 'total')",
        ),
        (
            "reverse.yaml",
            LOCAL_YAML.replace("reverse_items: [2]", "reverse_items: [4]"),
            "reverse.yaml: reverse_items[0]: item 4 does not exist: items are numbered 1 to 3",
        ),
        (
            "overlap.yaml",
            LOCAL_YAML.replace("{label: high, min: 9", "{label: high, min: 8"),
            "overlap.yaml: bands[1].min: band 'high' starts at 8, which overlaps band 'low'",
        ),
        (
            "lookup.yaml",
            LOCAL_YAML.replace("method: sum", "method: lookup\n  lookup: {3: 3, 4: 4}"),
            "lookup.yaml: scoring.lookup: has no converted score for raw score(s) 5, 6, 7",
        ),
        ("bad.json", "{", "bad.json: invalid JSON at line 1 column 2"),
        ("notes.txt", "code: X", "notes.txt: unsupported file type '.txt'"),
    ],
)
def test_malformed_definitions_name_the_file_and_field(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    registry = fresh()
    with pytest.raises(InstrumentDefinitionError) as info:
        registry.register_file(write(tmp_path, name, text))
    assert str(info.value).startswith(expected), str(info.value)
    assert isinstance(info.value, ValueError)
    assert "MYWELL" not in registry


def test_builtins_parse_the_same_with_the_fast_loader() -> None:
    """Built-ins are read with libyaml; the pure-Python loader gives the same definitions."""
    from importlib import resources

    from peerbench.schema.instruments.registry import builtin_definitions, parse_definition

    folder = resources.files("peerbench.schema.instruments") / "definitions"
    slow = [
        parse_definition(entry.read_text(encoding="utf-8"), entry.name)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]
    assert builtin_definitions() == slow
    assert sorted(d.code for d in slow) == sorted(BUILTIN)
