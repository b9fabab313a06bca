"""An extract is a valid Frictionless data package, carries its scoring rules, and is private.

frictionless-py (with its Parquet extra) validates every resource, Parquet included,
through its Python API and as the ``frictionless`` command a researcher would run.
"""

from __future__ import annotations

import csv
import json
import shutil
import stat
import subprocess
import sys
from functools import cache
from pathlib import Path

import pyarrow as pa
import pytest
from frictionless import validate

from peerbench.extracts import build_extract
from peerbench.extracts.scoring_rules import CONVERSIONS, ITEMS, RULES
from peerbench.schema.instruments import default_registry
from peerbench.synth import SynthConfig, generate


@cache
def synthetic() -> dict[str, pa.Table]:
    return dict(generate(SynthConfig(organisations=2, outcome_rows=300, seed=5)).tables)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fl") / "x"
    build_extract(synthetic(), project="study-1", extract_id="F-1", salt=b"f" * 32, out_dir=out)
    return out


def _errors(report: object) -> list[tuple[str, str, str]]:
    return [
        (task.name, error.type, getattr(error, "field_name", ""))
        for task in report.tasks  # type: ignore[attr-defined]
        for error in task.errors
    ]


def test_frictionless_python_api_finds_every_resource_valid(extract: Path) -> None:
    report = validate(str(extract / "datapackage.json"))
    assert _errors(report) == [] and report.valid
    names = {task.name for task in report.tasks}
    assert {"outcomes-parquet", "feedback-parquet", "participants-parquet"} <= names
    assert {"scoring-rules", "scoring-items", "scoring-conversions"} <= names
    outcomes = next(t for t in report.tasks if t.name == "outcomes-parquet")
    package = json.loads((extract / "datapackage.json").read_text())
    described = {r["name"]: r["x-rows"] for r in package["resources"]}
    assert outcomes.stats["rows"] == described["outcomes-parquet"] > 0


def test_frictionless_command_exits_0_in_the_extract_folder(extract: Path) -> None:
    command = shutil.which("frictionless", path=str(Path(sys.executable).parent))
    assert command is not None
    done = subprocess.run(
        [command, "validate", "--json", "datapackage.json"],
        cwd=extract,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert json.loads(done.stdout)["valid"] is True


def test_frictionless_still_catches_a_bad_parquet_value(extract: Path, tmp_path: Path) -> None:
    """The Parquet description is not so loose that it accepts anything."""
    import pyarrow.parquet as pq

    copy = tmp_path / "copy"
    shutil.copytree(extract, copy)
    path = copy / "participants.parquet"
    table = pq.read_table(path)
    position = table.column_names.index("deprivation_decile")
    deciles = table.column(position).to_pylist()
    deciles[0] = 11  # deciles run 1-10
    table = table.set_column(position, "deprivation_decile", pa.array(deciles, pa.int8()))
    pq.write_table(table, path)
    report = validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert ("participants-parquet", "constraint-error", "deprivation_decile") in _errors(report)


def test_scoring_rules_come_from_the_registry(extract: Path) -> None:
    registry = default_registry()
    held = sorted(set(synthetic()["outcome"].column("instrument").to_pylist()))

    def rows(name: str) -> list[dict[str, str]]:
        with open(extract / f"{name}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    rules = {row["instrument"]: row for row in rows(RULES)}
    assert sorted(rules) == held
    for code, row in rules.items():
        definition = registry.get(code)
        assert row["scoring_method"] == definition.scoring.method.value
        assert int(row["item_count"]) == definition.item_count
        assert row["licence"] == definition.licence
        assert int(row["missing_max"]) == definition.missing.max_missing
        expected_reverse = ";".join(str(i) for i in definition.reverse_items)
        assert row["reverse_items"] == expected_reverse
    items = rows(ITEMS)
    assert len(items) == sum(registry.get(code).item_count for code in held)
    conversions = rows(CONVERSIONS)
    if "SWEMWBS" in held:
        lookup = {
            float(r["key"]): float(r["value"])
            for r in conversions
            if r["instrument"] == "SWEMWBS" and r["table"] == "lookup"
        }
        assert lookup == {float(k): v for k, v in registry.get("SWEMWBS").scoring.lookup.items()}  # type: ignore[union-attr]
    dictionary = (extract / "data_dictionary.md").read_text(encoding="utf-8")
    assert "## Scoring rules" in dictionary
    for code in held:
        assert f"### `{code}`: {registry.get(code).name}" in dictionary
        assert registry.get(code).licence in dictionary


def test_extract_is_readable_by_its_owner_only(extract: Path) -> None:
    assert stat.S_IMODE(extract.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in extract.iterdir()}
    assert modes and set(modes.values()) == {0o600}, modes


def test_a_registered_value_set_and_levels_become_conversion_rows() -> None:
    import yaml

    from peerbench.extracts.scoring_rules import instruments_held, scoring_tables
    from peerbench.schema.instruments import InstrumentRegistry, parse_definition

    builtin = default_registry()
    data = builtin.get("EQ5D5L").model_dump(mode="json", exclude_none=True)
    data["code"] = "EQ5D5L_LOCAL"
    data["scoring"]["value_set"] = {
        "name": "demo",
        "source": "made up for this test",
        "intercept": 1.0,
        "constant": 0.05,
        "decrements": {str(d): [0.0, 0.1, 0.2, 0.3, 0.4] for d in range(1, 6)},
    }
    local = parse_definition(yaml.safe_dump(data), "local.yaml")
    registry = InstrumentRegistry([*builtin, local])
    outcomes = pa.table({"instrument": ["EQ5D5L_LOCAL", "PAM13", "NOT_REGISTERED", None]})
    held = instruments_held(outcomes, registry)
    assert held == ["EQ5D5L_LOCAL", "PAM13"]
    rows = scoring_tables(held, registry)["scoring_conversions"].to_pylist()
    value_set = [r for r in rows if r["table"] == "value_set:demo"]
    assert len(value_set) == 25 and {r["item"] for r in value_set} == {1, 2, 3, 4, 5}
    assert {"table": "value_set_constant:demo", "value": 0.05}.items() <= next(
        r for r in rows if r["table"] == "value_set_constant:demo"
    ).items()
    levels = [(r["key"], r["value"], r["label"]) for r in rows if r["table"] == "levels"]
    assert levels == [
        (1.0, 47.0, "level 1"),
        (2.0, 55.1, "level 2"),
        (3.0, 67.0, "level 3"),
        (4.0, None, "level 4"),
    ]
