"""Opening files and folders: dispatch, manifests, overrides and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peerbench.validators import readers
from peerbench.validators.mapping import Mapping
from peerbench.validators.readers import open_sources


def test_a_folder_opens_its_data_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "participants.csv").write_text("participant_key\nk1\n")
    (tmp_path / "outcomes.jsonl").write_text('{"record_id": "m1"}\n')
    (tmp_path / "README.md").write_text("not data")
    (tmp_path / "mapping.yaml").write_text("columns: {}")
    (tmp_path / "~$outcomes.xlsx").write_bytes(b"Excel lock file")
    (tmp_path / ".hidden.csv").write_text("a\n1\n")
    sources = open_sources(tmp_path)
    assert [Path(s.file).name for s in sources] == ["outcomes.jsonl", "participants.csv"]
    assert [s.record_type for s in sources] == ["outcome", "participant"]


def test_the_manifest_gives_text_files_their_version(tmp_path: Path) -> None:
    (tmp_path / "peerbench.json").write_text(json.dumps({"standard_version": "1.0.0"}))
    (tmp_path / "outcomes.csv").write_text("record_id\nm1\n")
    (source,) = open_sources(tmp_path / "outcomes.csv")
    assert source.standard_version == "1.0.0"
    assert source.findings == []


def test_a_manifest_of_another_major_version_is_unsupported(tmp_path: Path) -> None:
    (tmp_path / "peerbench.json").write_text(json.dumps({"standard_version": "2.0.0"}))
    (tmp_path / "outcomes.csv").write_text("record_id\nm1\n")
    (tmp_path / "participants.jsonl").write_text('{"participant_key": "k"}\n')
    sources = open_sources(tmp_path)
    for source in sources:
        assert [(f.code, f.value) for f in source.findings] == [("version-unsupported", "2.0.0")]
        assert list(source.batches) == []


def test_a_broken_manifest_is_reported_as_its_own_source(tmp_path: Path) -> None:
    (tmp_path / "peerbench.json").write_text("{oops")
    (tmp_path / "outcomes.csv").write_text("record_id\nm1\n")
    manifest, outcomes = open_sources(tmp_path)
    assert manifest.file.endswith("peerbench.json")
    assert [f.code for f in manifest.findings] == ["file-unreadable"]
    assert outcomes.findings == []


@pytest.mark.parametrize(("name", "hint"), [("outcomes.xls", ".xlsx"), ("outcomes.pdf", ".csv")])
def test_unsupported_formats_are_unreadable_with_a_hint(
    tmp_path: Path, name: str, hint: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    (source,) = open_sources(path)
    assert [f.code for f in source.findings] == ["file-unreadable"]
    assert hint in source.findings[0].message


def test_a_mapping_for_one_record_type_leaves_other_files_alone(tmp_path: Path) -> None:
    (tmp_path / "participants.csv").write_text("Client ID\nk1\n")
    (tmp_path / "outcomes.csv").write_text("Client ID\nk1\n")
    (tmp_path / "export.csv").write_text("Client ID\nk1\n")
    mapping = Mapping(record_type="participant", columns={"Client ID": "participant_key"})
    export, outcomes, participants = open_sources(tmp_path, mapping=mapping)
    assert participants.columns == ["participant_key"]
    assert outcomes.columns == ["Client ID"]
    # A file whose name says nothing takes the mapping's record type.
    assert export.record_type == "participant"
    assert export.columns == ["participant_key"]


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        open_sources(tmp_path / "nope.csv")


def test_an_unknown_record_type_override_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "outcomes.csv").write_text("a\n1\n")
    with pytest.raises(ValueError, match=r"unknown record type 'outcomez'.*outcomes"):
        open_sources(tmp_path / "outcomes.csv", record_type="outcomez")


def test_batch_rows_must_be_positive(tmp_path: Path) -> None:
    (tmp_path / "outcomes.csv").write_text("a\n1\n")
    with pytest.raises(ValueError, match="batch_rows"):
        open_sources(tmp_path / "outcomes.csv", batch_rows=0)


def test_an_os_error_while_opening_is_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text("a\n1\n")

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Root can read any file, so simulate the disk refusing rather than chmod.
    monkeypatch.setattr(readers, "open_csv", refuse)
    (source,) = open_sources(path)
    assert [f.code for f in source.findings] == ["file-unreadable"]
    assert "Permission denied" in source.findings[0].message
