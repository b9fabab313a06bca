"""The disclosure policy: defaults, variants and loading from YAML or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from peerbench.disclosure import Cell, DisclosurePolicy, Suppressed, Table, apply_disclosure


def test_defaults_follow_nhs_digital_and_corc() -> None:
    policy = DisclosurePolicy()
    assert (policy.small_count_min, policy.small_count_max) == (1, 7)
    assert policy.rounding_base == 5
    assert policy.min_n == 10
    assert policy.proportions_from_rounded
    assert not policy.round_national_totals
    assert any("NHS Digital" in s for s in policy.sources)
    assert any("CORC" in s for s in policy.sources)


def test_dashboard_variant_suppresses_zero_to_four() -> None:
    policy = DisclosurePolicy.mental_health_dashboard()
    table = Table(cells=tuple(Cell(row=str(v), col="n", value=v) for v in (0, 4, 5, 7)))
    out = apply_disclosure(table, policy, viewer_is_owner=False)
    assert isinstance(out.value("0", "n"), Suppressed)
    assert isinstance(out.value("4", "n"), Suppressed)
    assert out.value("5", "n") == 5
    assert out.value("7", "n") == 5


def test_policy_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "name: local\nsmall_count_min: 0\nsmall_count_max: 4\nmin_n: 20\n", encoding="utf-8"
    )
    policy = DisclosurePolicy.from_file(path)
    assert policy.name == "local"
    assert (policy.small_count_min, policy.small_count_max, policy.min_n) == (0, 4, 20)
    assert policy.rounding_base == 5


def test_policy_from_json(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"rounding_base": 10}), encoding="utf-8")
    assert DisclosurePolicy.from_file(path).rounding_base == 10


def test_empty_yaml_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("", encoding="utf-8")
    assert DisclosurePolicy.from_file(path) == DisclosurePolicy()


def test_bad_policies_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must not exceed"):
        DisclosurePolicy(small_count_min=8, small_count_max=7)
    with pytest.raises(ValidationError, match="rounding_base"):
        DisclosurePolicy(rounding_base=0)
    with pytest.raises(ValidationError, match="suppress_below"):
        DisclosurePolicy.from_mapping({"suppress_below": 3})
    path = tmp_path / "policy.txt"
    path.write_text("min_n: 5", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.yaml"):
        DisclosurePolicy.from_file(path)
    listy = tmp_path / "policy.yaml"
    listy.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        DisclosurePolicy.from_file(listy)
