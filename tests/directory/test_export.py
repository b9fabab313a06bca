"""The reference pool as Open Referral UK lists: valid, complete, repeatable, owner-only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pyarrow as pa
import pytest

from peerbench.directory import DirectoryInvalid, build_list, export_directory
from peerbench.directory.export import to_json, unlisted_ids
from peerbench.directory.schemas import check_page


@pytest.mark.parametrize("kind", ["service", "organization"])
@pytest.mark.parametrize("shape", ["full", "list"])
def test_reference_pool_lists_are_valid(
    reference_tables: dict[str, pa.Table], kind: str, shape: str
) -> None:
    document = build_list(reference_tables, kind, shape)  # type: ignore[arg-type]
    assert check_page(document, kind) == []  # type: ignore[arg-type]
    services, organisations = reference_tables["service"], reference_tables["organisation"]
    expected = services.num_rows if kind == "service" else organisations.num_rows
    assert document["total_items"] == document["size"] == expected
    assert len({item["id"] for item in document["contents"]}) == expected


def test_every_service_and_organisation_is_listed(reference_tables: dict[str, pa.Table]) -> None:
    services = build_list(reference_tables, "service", "full")["contents"]
    names = sorted(s["name"] for s in services)
    assert names == sorted(reference_tables["service"].column("name").to_pylist())
    org_names = {s["organization"]["name"] for s in services}
    assert org_names == set(reference_tables["organisation"].column("name").to_pylist())
    orgs = build_list(reference_tables, "organization", "full")["contents"]
    assert sum(len(o["services"]) for o in orgs) == len(services)


def test_list_shape_keeps_only_one_to_one_fields(reference_tables: dict[str, pa.Table]) -> None:
    item = build_list(reference_tables, "service", "list")["contents"][0]
    assert set(item) == {"id", "organization_id", "name", "description", "status", "organization"}
    assert set(item["organization"]) == {"id", "name", "description"}


def _strings(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return {value} if isinstance(value, str) else set()


def test_no_participant_data_reaches_the_list(reference_tables: dict[str, pa.Table]) -> None:
    strings = _strings(build_list(reference_tables, "service", "full"))
    participant_level = ("participant", "engagement", "outcome", "service_use", "feedback")
    for record_type in participant_level:
        table = reference_tables[record_type]
        own = set(table.column_names) - {"service_id", "organisation_id"}
        assert not own & strings, record_type  # none of their field names
    keys = set(reference_tables["participant"].column("participant_key").to_pylist())
    assert not any(key in s for key in keys for s in strings)


def test_export_from_a_folder_is_repeatable_and_owner_only(
    reference_folder: Path, tmp_path: Path
) -> None:
    first = export_directory(reference_folder, tmp_path / "a" / "services.json")
    second = export_directory(reference_folder, tmp_path / "b.json")
    assert first.items == 28 and first.organisations == 12 and first.unlisted_ids == ()
    assert first.path.read_bytes() == second.path.read_bytes()
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert check_page(json.loads(first.path.read_text(encoding="utf-8")), "service") == []
    orgs = export_directory(reference_folder, tmp_path / "o.json", kind="organization")
    assert orgs.items == orgs.organisations == 12


def test_non_ascii_is_written_as_utf8(reference_tables: dict[str, pa.Table]) -> None:
    services = reference_tables["service"]
    names = services.column("name").to_pylist()
    names[0] = "Grŵp Cymorth ☕ Môn"
    renamed = services.set_column(
        services.schema.get_field_index("name"), "name", pa.array(names, pa.string())
    )
    text = to_json(build_list(reference_tables | {"service": renamed}, "service", "full"))
    assert "Grŵp Cymorth ☕ Môn" in text and "\\u" not in text


def test_open_referral_ids_that_are_not_uuids_are_reported() -> None:
    table = pa.table(
        {
            "service_id": ["a", "b", "c"],
            "open_referral_id": [None, "ORUK-9", "ac148810-d857-441c-9679-408f346de14b"],
        }
    )
    assert unlisted_ids(table) == ("b",)


def test_an_invalid_list_is_never_written(
    reference_tables: dict[str, pa.Table], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerbench.directory.mapping import oruk_service

    monkeypatch.setattr(
        "peerbench.directory.sources.directory_tables", lambda _path: reference_tables
    )
    monkeypatch.setattr(
        "peerbench.directory.export.oruk_service",
        lambda s, o: oruk_service(s, o) | {"status": "open"},
    )
    out = tmp_path / "services.json"
    with pytest.raises(DirectoryInvalid, match=r"contents\[0\]\.status"):
        export_directory(tmp_path, out)
    assert not out.exists()


def test_a_service_of_an_unknown_organisation_is_refused(
    reference_tables: dict[str, pa.Table],
) -> None:
    orgs = reference_tables["organisation"].slice(1)
    with pytest.raises(ValueError, match="which is not in the pool"):
        build_list(reference_tables | {"organisation": orgs}, "service", "full")


def test_a_second_validator_agrees(reference_tables: dict[str, pa.Table]) -> None:
    """jsonschema-rs (Rust; here through schemathesis) judges the same items the same way."""
    rs = pytest.importorskip("jsonschema_rs")
    from peerbench.directory.schemas import check, load_schema

    items = build_list(reference_tables, "service", "full")["contents"]
    broken = [dict(items[0], id="svc-1"), dict(items[1], status="open"), dict(items[2], url="x y")]
    for name in ("service", "service_list"):
        validator = rs.Draft202012Validator(load_schema(name), validate_formats=True)
        for item in [*items, *broken]:
            assert validator.is_valid(item) == (check(item, name) == []), (name, item["id"])
        assert not any(validator.is_valid(item) for item in broken)
