from __future__ import annotations

from pathlib import Path

from peerbench.generate.artefacts import render_artefacts, stale_artefacts, write_artefacts
from peerbench.generate.spec_md import render_spec


def test_committed_schema_folder_is_up_to_date(repo_root: Path) -> None:
    assert stale_artefacts(repo_root / "schema") == [], "run `make schema`"


def test_spec_md_generated_tables_are_up_to_date(repo_root: Path) -> None:
    text = (repo_root / "SPEC.md").read_text(encoding="utf-8")
    assert render_spec(text) == text, "run `make schema`"


def test_staleness_is_detected(tmp_path: Path) -> None:
    write_artefacts(tmp_path)
    assert stale_artefacts(tmp_path) == []
    (tmp_path / "json" / "outcome.schema.json").write_text("{}")
    (tmp_path / "json" / "old.schema.json").write_text("{}")
    (tmp_path / "codelists" / "sex.csv").unlink()
    assert sorted(stale_artefacts(tmp_path)) == [
        "codelists/sex.csv (missing)",
        "json/old.schema.json (no longer generated)",
        "json/outcome.schema.json (out of date)",
    ]
    write_artefacts(tmp_path)
    assert stale_artefacts(tmp_path) == []
    assert not (tmp_path / "json" / "old.schema.json").exists()


def test_every_builtin_instrument_and_code_list_is_published() -> None:
    files = render_artefacts()
    assert "instruments/SWEMWBS.json" in files
    assert "codelists/ethnicity.csv" in files
    assert files["codelists/ethnicity.csv"].startswith("code,label,ethnic_group,synonyms\n")
