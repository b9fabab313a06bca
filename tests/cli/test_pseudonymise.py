"""``peerbench keygen`` and ``peerbench pseudonymise``."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook, load_workbook

from peerbench.cli.pseudonymise import keygen, pseudonymise
from peerbench.schema.pseudonym import participant_key, read_key_file

CLIENTS = 'client_id,age_band,notes\n00123,35_44,"a, b"\n,25_34,\n 00123 ,45_54,x\nB7,,\n'


def _keygen(path: Path) -> Result:
    return CliRunner().invoke(keygen, ["--out", str(path)])


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "org.key"
    assert _keygen(path).exit_code == 0
    return path


@pytest.fixture
def clients(tmp_path: Path) -> Path:
    path = tmp_path / "clients.csv"
    path.write_text(CLIENTS, encoding="utf-8")
    return path


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(pseudonymise, [str(a) for a in args])


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_keygen_writes_private_key_and_warns(tmp_path: Path) -> None:
    path = tmp_path / "org.key"
    result = _keygen(path)
    assert result.exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(read_key_file(path)) == 32
    assert "secret" in result.stderr and "Never send it" in result.stderr
    assert result.stdout == ""


def test_keygen_refuses_to_overwrite(key: Path) -> None:
    before = key.read_bytes()
    result = _keygen(key)
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.stderr
    assert key.read_bytes() == before


def test_round_trip(tmp_path: Path, key: Path, clients: Path) -> None:
    out = tmp_path / "participants.csv"
    result = _run(clients, "--key-file", key, "--column", "client_id", "--out", out)
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    secret = read_key_file(key)
    assert list(rows[0]) == ["participant_key", "age_band", "notes"]
    assert [r["participant_key"] for r in rows] == [
        participant_key("00123", secret),
        "",  # empty ids stay empty
        participant_key("00123", secret),  # spaces do not change the pseudonym
        participant_key("B7", secret),
    ]
    # Other columns pass through exactly, including the leading-zero-free text.
    assert [r["notes"] for r in rows] == ["a, b", "", "x", ""]
    assert "client_id" not in out.read_text(encoding="utf-8")


def test_deterministic_and_key_dependent(tmp_path: Path, key: Path, clients: Path) -> None:
    first, second, other = tmp_path / "1.csv", tmp_path / "2.csv", tmp_path / "3.csv"
    other_key = tmp_path / "other.key"
    _keygen(other_key)
    for out, k in ((first, key), (second, key), (other, other_key)):
        assert _run(clients, "--key-file", k, "--column", "client_id", "--out", out).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    keys_a = {r["participant_key"] for r in _rows(first)} - {""}
    keys_b = {r["participant_key"] for r in _rows(other)} - {""}
    assert keys_a.isdisjoint(keys_b)


def test_keep_original_warns(tmp_path: Path, key: Path, clients: Path) -> None:
    out = tmp_path / "own-records.csv"
    result = _run(
        clients, "--key-file", key, "--column", "client_id", "--out", out, "--keep-original"
    )
    assert result.exit_code == 0
    assert list(_rows(out)[0]) == ["participant_key", "client_id", "age_band", "notes"]
    assert "never submit" in result.stderr


def test_several_columns_and_names(tmp_path: Path, key: Path) -> None:
    source = tmp_path / "pairs.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["--column", "a", "--column", "b", "--as", "participant_key"]
    assert _run(source, "--key-file", key, *args, "--out", out).exit_code == 0
    assert list(_rows(out)[0]) == ["participant_key", "b_key"]


def test_missing_column_lists_columns(tmp_path: Path, key: Path, clients: Path) -> None:
    out = tmp_path / "out.csv"
    result = _run(clients, "--key-file", key, "--column", "nhs_no", "--out", out)
    assert result.exit_code == 2
    assert "'client_id', 'age_band', 'notes'" in result.stderr
    assert not out.exists()


def test_usage_errors(tmp_path: Path, key: Path, clients: Path) -> None:
    out = tmp_path / "out.csv"
    assert _run(clients, "--key-file", key, "--out", out).exit_code == 2  # no --column
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("not a key", encoding="utf-8")
    assert (
        _run(clients, "--key-file", bad_key, "--column", "client_id", "--out", out).exit_code == 2
    )
    txt = tmp_path / "out.txt"
    assert _run(clients, "--key-file", key, "--column", "client_id", "--out", txt).exit_code == 2
    assert (
        _run(tmp_path / "nope.csv", "--key-file", key, "--column", "x", "--out", out).exit_code == 2
    )
    assert not out.exists()


def test_xlsx_and_parquet(tmp_path: Path, key: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "participants"
    sheet.append(["client_id", "age_band"])
    sheet.append([123, "35_44"])
    sheet.append([None, "25_34"])
    source = tmp_path / "clients.xlsx"
    workbook.save(source)
    secret = read_key_file(key)

    xlsx_out = tmp_path / "out.xlsx"
    assert (
        _run(source, "--key-file", key, "--column", "client_id", "--out", xlsx_out).exit_code == 0
    )
    result_sheet = load_workbook(xlsx_out)["participants"]
    values = list(result_sheet.iter_rows(values_only=True))
    assert values == [
        ("participant_key", "age_band"),
        (participant_key("123", secret), "35_44"),
        (None, "25_34"),
    ]

    parquet_in = tmp_path / "clients.parquet"
    ids = pa.array([123, None, None], pa.int64())
    bands = pa.array(["35_44", "25_34", None])
    # The third row is blank: it is left out, as in a CSV or a workbook.
    pq.write_table(pa.table({"client_id": ids, "age_band": bands}), parquet_in)
    parquet_out = tmp_path / "out.parquet"
    args = (parquet_in, "--key-file", key, "--column", "client_id", "--out", parquet_out)
    assert _run(*args).exit_code == 0
    assert pq.read_table(parquet_out).column("participant_key").to_pylist() == [
        participant_key("123", secret),
        None,
    ]


def test_help_has_example() -> None:
    runner = CliRunner()
    assert "Example:" in runner.invoke(keygen, ["--help"]).output
    assert "Example:" in runner.invoke(pseudonymise, ["--help"]).output


def test_excel_csv_in_windows_1252_with_semicolons(tmp_path: Path, key: Path) -> None:
    source = tmp_path / "clients.csv"
    source.write_bytes("client_id;name_of_group\nA1;Café\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    result = _run(source, "--key-file", key, "--column", "client_id", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.stderr
    assert _rows(out) == [
        {"participant_key": participant_key("A1", read_key_file(key)), "name_of_group": "Café"}
    ]


def test_workbook_sheet_choice(tmp_path: Path, key: Path) -> None:
    workbook = Workbook()
    guidance = workbook.active
    assert guidance is not None
    guidance.title = "Instructions"
    guidance.append(["Read me first"])
    for title, value in (("services", "s1"), ("participants", "p1")):
        sheet = workbook.create_sheet(title)
        sheet.append(["local_id"])
        sheet.append([value])
    source = tmp_path / "filled.xlsx"
    workbook.save(source)
    secret = read_key_file(key)
    out = tmp_path / "out.csv"
    args = (source, "--key-file", key, "--column", "local_id", "--out", out)
    assert _run(*args).exit_code == 0  # guidance sheets are skipped
    assert _rows(out) == [{"participant_key": participant_key("s1", secret)}]
    assert _run(*args, "--sheet", "participants").exit_code == 0
    assert _rows(out) == [{"participant_key": participant_key("p1", secret)}]
    result = _run(*args, "--sheet", "nope")
    assert result.exit_code == 2 and "its data sheets are: services, participants" in result.stderr


# Issue 12: a coordinator's own spreadsheet -----------------------------------------------

MESSY = [
    ["Client ID ", "Name", "Date of birth", "Phone", "Notes", "WEMWBS total"],
    ["C001", "Ann Smith", "03/04/1970", "07700 900123", "fine", "45"],
    ["", "", "", "", "", ""],
    ["C002", "Bob Jones", "12/11/1985", "", "call LS1 4AP office", "51"],
    ["TOTAL", "", "", "", "", "96"],
    ["", "", "", "", "Average", "48"],
]


def _messy_csv(path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(MESSY)
    return path


def _messy_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in MESSY:
        sheet.append([v or None for v in row])
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_messy_spreadsheet(tmp_path: Path, key: Path, suffix: str) -> None:
    source = tmp_path / f"clients{suffix}"
    (_messy_csv if suffix == ".csv" else _messy_xlsx)(source)
    out = tmp_path / "out.csv"
    # The header has a trailing space; the command line does not.
    result = _run(source, "--key-file", key, "--column", "client id", "--out", out)
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    secret = read_key_file(key)
    # Only the two people: no blank row, no TOTAL or Average row became a participant.
    assert [r["participant_key"] for r in rows] == [
        participant_key("C001", secret),
        participant_key("C002", secret),
    ]
    # Names, dates of birth, phone numbers and a postcode in free text never pass through.
    assert list(rows[0]) == ["participant_key", "WEMWBS total"]
    text = out.read_text(encoding="utf-8")
    for value in ("Ann", "Smith", "1970", "07700", "LS1 4AP", "TOTAL"):
        assert value not in text
    err = result.stderr
    assert "'Name' was left out: its header names a name" in err
    assert "'Date of birth' was left out: its header names a date of birth" in err
    assert "'Phone' was left out: its header names a phone number" in err
    assert "'Notes' was left out: 1 of its cells hold a postcode" in err
    # CSV and XLSX say the same about blank and total rows, at the rows Excel shows.
    shown = f"{source}#Sheet" if suffix == ".xlsx" else str(source)
    assert f"{shown}: Blank row 3 skipped." in err
    assert f"{shown}: Total or summary rows 5-6 skipped" in err
    assert "2 rows pseudonymised" in err


def test_column_names_two_headers(tmp_path: Path, key: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("Client ID,client  id\n1,2\n", encoding="utf-8")
    result = _run(path, "--key-file", key, "--column", "CLIENT ID", "--out", tmp_path / "o.csv")
    assert result.exit_code == 2
    assert "matches several columns ('Client ID', 'client  id')" in result.stderr


def test_a_title_row_above_the_header(tmp_path: Path, key: Path) -> None:
    path = tmp_path / "group.csv"
    path.write_text(
        "Wellbeing group spring 2026,,\nClient ID ,Age group,Sessions\nA1,35_44,4\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = _run(path, "--key-file", key, "--column", "client id", "--out", out)
    assert result.exit_code == 0, result.output
    assert _rows(out) == [
        {
            "participant_key": participant_key("A1", read_key_file(key)),
            "Age group": "35_44",
            "Sessions": "4",
        }
    ]
    assert "Title row 1 above the header skipped." in result.stderr
