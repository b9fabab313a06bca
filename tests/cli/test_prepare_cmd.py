"""``peerbench prepare``, and the same intake path through ``validate`` and ``submit``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from peerbench.cli.main import cli
from peerbench.cli.pseudonymise import keygen
from tests.api.harness import PERIOD, Server, running_server
from tests.intake.charity import MAPPING, ORGANISATION_ID, PEOPLE, build_workbook

ORGANISATION = ORGANISATION_ID


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "org.key"
    assert CliRunner().invoke(keygen, ["--out", str(path)]).exit_code == 0
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return build_workbook(tmp_path / "clients.xlsx")


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "clients.mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def _typo(book: Path) -> None:
    workbook = load_workbook(book)
    workbook["Clients"]["D6"] = "Female?"  # Cath's gender: row 6 as Excel shows it
    workbook.save(book)


def _run(*args: str | Path, server: Server | None = None) -> Result:
    env = {"PEERBENCH_CONFIG": "/nonexistent/config.toml"}
    obj = None
    if server is not None:
        env |= {"PEERBENCH_SERVER": "http://testserver", "PEERBENCH_KEY": server.keys[ORGANISATION]}
        obj = {"http_client": server.client}
    return CliRunner().invoke(cli, [str(a) for a in args], obj=obj, env=env)


def test_prepare_writes_lists_and_validates(
    tmp_path: Path, book: Path, mapping: Path, key: Path
) -> None:
    out = tmp_path / "prepared"
    result = _run("prepare", book, "--mapping", mapping, "--key-file", key, "--out", out)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"Wrote 5 standard files to {out}:" in text
    assert "participants.csv   4 records" in text and "outcomes.csv       7 records" in text
    assert "left out (that is fine): service_use, feedback, peer_workers, referrals." in text
    assert f"{book}#Clients: Name, Date of birth, Phone" in text
    assert "VALID: 5 files checked and no errors found" in text
    assert "Title row 1 above the header skipped." in text
    written = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert not any(person[1].split()[0] in written for person in PEOPLE)


def test_prepare_exit_codes(tmp_path: Path, book: Path, mapping: Path, key: Path) -> None:
    _typo(book)
    out = tmp_path / "prepared"
    args = ("prepare", book, "--mapping", mapping, "--key-file", key, "--out", out)
    result = _run(*args)
    assert result.exit_code == 1
    assert f"{book}#Clients" in result.stdout and "Female?" in result.stdout
    # Usage errors: no key, a broken mapping, a folder prepare did not write.
    assert _run("prepare", book, "--mapping", mapping, "--out", out).exit_code == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 2\nsheets:\n  Clients:\n    colour: blue\n", encoding="utf-8")
    result = _run("prepare", book, "--mapping", broken, "--key-file", key, "--out", out)
    assert result.exit_code == 2 and "colour" in result.stderr
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", encoding="utf-8")
    result = _run("prepare", book, "--mapping", mapping, "--key-file", key, "--out", mine)
    assert result.exit_code == 2 and "did not write" in result.stderr


def _section(text: str, book: Path) -> str:
    """The findings of the coordinator's own sheet, as a command prints them."""
    start = text.index(f"{book}#Clients\n")
    return text[start : text.index("Problems by kind", start)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", [ORGANISATION]) as running:
        yield running


def test_validate_prepare_and_submit_agree(
    tmp_path: Path, book: Path, mapping: Path, key: Path, server: Server
) -> None:
    """One intake path: the three commands find the same problems at the same rows."""
    _typo(book)
    common = ("--mapping", mapping, "--key-file", key)
    validated = _run("validate", book, *common)
    prepared = _run("prepare", book, *common, "--out", tmp_path / "prepared")
    submitted = _run("submit", book, *common, "--period", PERIOD, server=server)
    assert [validated.exit_code, prepared.exit_code, submitted.exit_code] == [1, 1, 1]
    section = _section(prepared.stdout, book)
    assert "6    sex" in section and "Female?" in section
    assert _section(validated.stdout, book) == section
    assert _section(submitted.stdout, book) == section
    assert "Not submitted" in submitted.stderr
    assert "No submissions." in _run("status", server=server).stdout


def test_submit_with_a_mapping_sends_what_was_checked(
    book: Path, mapping: Path, key: Path, server: Server
) -> None:
    result = _run(
        "submit", book, "--mapping", mapping, "--key-file", key, "--period", PERIOD, server=server
    )
    assert result.exit_code == 0, result.output
    assert "ACCEPTED" in result.stdout
    # 1 organisation + 1 service + 4 participants + 4 engagements + 7 outcomes.
    assert "17 rows" in result.stdout
    assert f"{book}#Clients: Name, Date of birth, Phone" in result.stderr


def test_submit_a_prepared_folder(
    tmp_path: Path, book: Path, mapping: Path, key: Path, server: Server
) -> None:
    out = tmp_path / "prepared"
    made = _run("prepare", book, "--mapping", mapping, "--key-file", key, "--out", out)
    assert made.exit_code == 0
    result = _run("submit", out, "--period", PERIOD, server=server)
    assert result.exit_code == 0, result.output
    assert "ACCEPTED" in result.stdout and "17 rows" in result.stdout


def test_submit_mapping_version_2_needs_a_key(book: Path, mapping: Path) -> None:
    result = _run("submit", book, "--mapping", mapping, "--period", PERIOD)
    assert result.exit_code == 2 and "--key-file" in result.stderr


def test_submit_with_a_version_1_mapping_sends_what_it_checked(
    tmp_path: Path, book: Path, mapping: Path, key: Path, server: Server
) -> None:
    """Files VALID with a version 1 mapping are sent as the canonical files it checked."""
    out = tmp_path / "prepared"
    assert (
        _run("prepare", book, "--mapping", mapping, "--key-file", key, "--out", out).exit_code == 0
    )
    people = out / "participants.csv"
    text = people.read_text(encoding="utf-8")
    local = text.replace('"sex"', '"Gender"').replace('"female"', '"F"').replace('"male"', '"M"')
    people.write_text(local, encoding="utf-8")
    old = tmp_path / "v1.yaml"
    old.write_text(
        "record_type: participant\ncolumns: {Gender: sex}\nvalues: {sex: {F: female, M: male}}\n",
        encoding="utf-8",
    )
    plain = _run("submit", out, "--period", PERIOD, server=server)
    assert plain.exit_code == 1 and "Not submitted" in plain.stderr  # 'Gender' is not a field
    result = _run("submit", out, "--mapping", old, "--period", PERIOD, server=server)
    assert result.exit_code == 0, result.output
    assert "ACCEPTED" in result.stdout and "17 rows" in result.stdout


def test_validate_with_a_version_2_mapping_needs_no_key(
    tmp_path: Path, book: Path, mapping: Path, key: Path
) -> None:
    """Without --key-file a throwaway key is used: the verdict and rows are the same."""
    _typo(book)
    with_key = _run("validate", book, "--mapping", mapping, "--key-file", key)
    without = _run("validate", book, "--mapping", mapping)
    assert with_key.exit_code == without.exit_code == 1
    assert _section(without.stdout, book) == _section(with_key.stdout, book)
    assert list(tmp_path.glob("*prepared*")) == []  # validate keeps no file
    result = _run("validate", book, "--mapping", mapping, "--format", "json")
    assert result.exit_code == 1 and '"code": "code-invalid"' in result.stdout


def test_prepare_reads_within_the_limits_it_is_given(
    book: Path, mapping: Path, key: Path, tmp_path: Path
) -> None:
    args: list[str | Path] = ["prepare", book, "--mapping", mapping, "--key-file", key]
    args += ["--out", tmp_path / "o"]
    small = _run(*args, "--limit", "max_cell_chars=3")
    assert small.exit_code == 1, small.output
    assert "limit-exceeded" in small.output and "--limit max_cell_chars=N" in small.output
    bad = _run(*args, "--limit", "no_such_limit=1")
    assert bad.exit_code == 2 and "--limit" in bad.output
