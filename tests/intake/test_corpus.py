"""The messy-spreadsheet corpus of issue 12, end to end.

For every spreadsheet in ``tests/fixtures/spreadsheets`` (manifest ``expected.yaml``):
``propose_mapping`` → the manifest's few edits → ``prepare`` with a fixed key and a
fixed ``today`` must be VALID, give the manifest's record counts and exact values, and
leave no identifier value in any output file or in the proposed YAML. The coordinator's
final mapping (``mappings/<file>.yaml``) must do the same, and the builder must
reproduce the committed files.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml
from openpyxl import load_workbook

from peerbench.intake.mapping import load_mapping
from peerbench.intake.prepare import PrepareResult, prepare
from peerbench.intake.propose import propose_mapping
from peerbench.io.headers import normalise_header
from peerbench.schema.instruments.registry import default_registry
from peerbench.schema.pseudonym import participant_key
from peerbench.schema.records import RECORD_TYPES_BY_STEM
from peerbench.validators.catalogue import CATALOGUE
from tests.fixtures.spreadsheets import build_corpus

CORPUS = build_corpus.HERE
MANIFEST: dict[str, Any] = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["files"]
KEY = bytes.fromhex(MANIFEST["key_hex"])
TODAY = dt.date.fromisoformat(MANIFEST["today"])
MAX_EDITS = 3
"""The issue's bar: "at most a few edits" of the proposed YAML."""


def _ids(case: dict[str, Any]) -> str:
    return str(case["file"])


# --- what the toolkit cannot do yet ------------------------------------------------
# Each entry names a file whose run fails today and why, found by running this test on
# the merged branches. The tests of those files are strict xfails: when a fix lands the
# test passes, pytest reports XPASS as a failure, and the entry must be removed.

TOTAL_OVER_ANSWERED = (
    "a typed WEMWBS total that adds up the 13 answered items (one blank) is still a "
    "total-mismatch error against the pro-rated score, not a note (issue 12, 'Totals')"
)
TOTALS_NOTE = "total-answered-sum" in CATALOGUE
"""Whether the validators accept a typed total that adds up the answered items, with a note
(built on another branch; these entries follow whichever validators are installed)."""
FINAL_GAPS: dict[str, str] = (
    {} if TOTALS_NOTE else {"mindspace_dropin_wide.xlsx": TOTAL_OVER_ANSWERED}
)
"""Files whose coordinator's final mapping does not prepare VALID yet."""

PROPOSER_GAPS: dict[str, str] = dict(FINAL_GAPS)
"""Files that do not reach VALID through map and the manifest's (human-only) edits yet."""


def _cases(gaps: dict[str, str]) -> list[Any]:
    return [
        pytest.param(c, id=c["file"], marks=pytest.mark.xfail(strict=True, reason=gaps[c["file"]]))
        if c["file"] in gaps
        else pytest.param(c, id=c["file"])
        for c in CASES
    ]


# --- edits -------------------------------------------------------------------------


def _sheet_key(sheets: dict[str, Any], wanted: str) -> str:
    """The key of ``sheets`` naming the same sheet as ``wanted`` (normalised, or by stem)."""
    forms = {normalise_header(wanted), normalise_header(Path(wanted).stem)}
    for key in sheets:
        if normalise_header(key) in forms or normalise_header(Path(key).stem) in forms:
            return str(key)
    return wanted


def apply_edits(data: dict[str, Any], edits: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply manifest edits to parsed YAML: ``{set: PATH, value: V}``, ``{delete: PATH}``
    or ``{rename: PATH, to: KEY}``; a sheet name in PATH finds the proposal's own key."""
    for edit in edits:
        path = list(edit.get("set") or edit.get("delete") or edit["rename"])
        node: dict[str, Any] = data
        for depth, key in enumerate(path[:-1]):
            if depth == 1 and path[0] == "sheets":
                key = _sheet_key(node, key)
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        last = path[-1]
        if len(path) == 2 and path[0] == "sheets":
            last = _sheet_key(node, last)
        if "set" in edit:
            node[last] = edit["value"]
        elif "delete" in edit:
            node.pop(last, None)
        elif last in node:
            node[edit["to"]] = node.pop(last)
    return data


def test_apply_edits_sets_deletes_and_finds_sheets_by_normalised_name() -> None:
    data: dict[str, Any] = {"sheets": {"Clients.csv ": {"outcomes": {"instrument": "PHQ9"}}}}
    edits: list[dict[str, Any]] = [
        {"set": ["sheets", "clients.csv", "outcomes", "instrument"], "value": "GAD7"},
        {"set": ["constants", "service_id"], "value": "walk"},
        {"delete": ["sheets", "CLIENTS.CSV", "outcomes", "instrument"]},
        {"set": ["sheets", "clients", "participants", "constants", "sex"], "value": "female"},
        {"rename": ["sheets", "clients", "participants"], "to": "engagements"},
    ]
    assert apply_edits(data, edits) == {
        "sheets": {
            "Clients.csv ": {"outcomes": {}, "engagements": {"constants": {"sex": "female"}}}
        },
        "constants": {"service_id": "walk"},
    }


def test_the_corpus_is_what_the_issue_asks_for() -> None:
    assert len(CASES) >= 10
    suffixes = {Path(c["file"]).suffix for c in CASES}
    assert suffixes == {".csv", ".xlsx"}
    for case in CASES:
        assert len(case["edits"]) <= MAX_EDITS, case["file"]
        assert all(edit["why"] for edit in case["edits"])
        assert case["identifiers"], case["file"]
        assert case["records"], case["file"]


# --- the builder -------------------------------------------------------------------


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    if path.suffix == ".csv":
        return {"": [[path.read_bytes()]]}
    workbook = load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}
    finally:
        workbook.close()


def test_the_builder_reproduces_the_committed_corpus(tmp_path: Path) -> None:
    for written in build_corpus.build(tmp_path):
        committed = CORPUS / written.relative_to(tmp_path)
        if written.suffix in (".csv", ".xlsx"):
            assert _cells(written) == _cells(committed), written.name
        else:
            assert written.read_text("utf-8") == committed.read_text("utf-8"), written.name


# --- prepared output ---------------------------------------------------------------


def _read_output(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    names = pacsv.read_csv(path).column_names
    options = pacsv.ConvertOptions(column_types={n: pa.string() for n in names})
    return pacsv.read_csv(path, convert_options=options)


def _tables(out_dir: Path) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(out_dir.rglob("*")):
        model = RECORD_TYPES_BY_STEM.get(path.name.split(".")[0])
        if path.is_file() and model is not None and path.suffix in (".csv", ".parquet"):
            tables.setdefault(model.record_type, []).extend(_read_output(path).to_pylist())
    return tables


def _items(row: dict[str, Any]) -> list[int | None]:
    """The row's answers, as many as its instrument has (one file holds several)."""
    count = default_registry().get(str(row["instrument"])).item_count
    if "items" in row and row["items"] is not None and not isinstance(row["items"], str):
        return [None if v is None else int(v) for v in row["items"]][:count]
    values = [row.get(f"item_{n}") for n in range(1, count + 1)]
    return [None if v in (None, "") else int(float(v)) for v in values]


def _same(field: str, got: Any, expected: Any) -> bool:
    if field == "items":
        return bool(got == expected)
    if expected is None:
        return got in (None, "")
    if isinstance(expected, bool):
        return str(got).strip().casefold() in (
            ("true", "yes", "y", "1") if expected else ("false", "no", "n", "0")
        )
    if isinstance(expected, int | float):
        return got not in (None, "") and float(got) == float(expected)
    return (
        str(got)[:10] == str(expected)
        if field.endswith("date") or "date_" in field
        else str(got) == str(expected)
    )


def check_values(tables: dict[str, list[dict[str, Any]]], case: dict[str, Any]) -> list[str]:
    """Problems with the manifest's exact values (empty when all are found)."""
    problems = []
    for check in case["checks"]:
        key = participant_key(check["local_id"], KEY)
        rows = [r for r in tables.get(check["record_type"], []) if r.get("participant_key") == key]
        if check["record_type"] == "outcome":
            rows = [
                r
                for r in rows
                if r.get("timepoint") == check["timepoint"]
                and r.get("instrument") == check["instrument"]
            ]
        if len(rows) != 1:
            problems.append(
                f"{check['local_id']} {check.get('timepoint', '')}: {len(rows)} records"
            )
            continue
        (row,) = rows
        for field, expected in check["values"].items():
            got = _items(row) if field == "items" else row.get(field)
            if not _same(field, got, expected):
                problems.append(f"{check['local_id']} {field}: expected {expected!r}, got {got!r}")
    return problems


def _text_of(path: Path) -> str:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return " ".join(table.column_names) + repr(table.to_pylist())
    if path.suffix == ".xlsx":
        return repr(_cells(path))
    return path.read_bytes().decode("utf-8", errors="replace")


def _squash(text: str) -> str:
    return "".join(text.casefold().split())


def leaked(texts: dict[str, str], identifiers: list[str]) -> list[str]:
    """``identifier in place`` for every identifier value found (case and spaces ignored)."""
    squashed = {name: _squash(text) for name, text in texts.items()}
    return [
        f"{value!r} in {name}"
        for value in identifiers
        for name, text in squashed.items()
        if _squash(value) in text
    ]


def _output_texts(out_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out_dir)): _text_of(p) for p in sorted(out_dir.rglob("*")) if p.is_file()
    }


def test_leak_check_ignores_case_and_spaces() -> None:
    texts = {"a.csv": "x,LS62AB,y", "b.csv": "07700900123"}
    assert leaked(texts, ["ls6 2ab", "07700 900123", "RPS-0001"]) == [
        "'ls6 2ab' in a.csv",
        "'07700 900123' in b.csv",
    ]


# --- end to end --------------------------------------------------------------------


def _prepare(case: dict[str, Any], mapping_path: Path, out_dir: Path) -> PrepareResult:
    mapping = load_mapping(mapping_path)
    return prepare([CORPUS / case["file"]], mapping, KEY, out_dir, today=TODAY)


def _assert_prepared(case: dict[str, Any], result: PrepareResult, out_dir: Path) -> None:
    report = result.report
    errors = [
        f"{f.code} {f.file} row {f.row} {f.column}: {f.message}"
        for f in report.findings
        if f.severity.value == "error"
    ]
    assert report.valid, "\n".join(errors)
    tables = _tables(out_dir)
    counts = {record_type: len(tables.get(record_type, [])) for record_type in case["records"]}
    assert counts == case["records"]
    assert check_values(tables, case) == []
    assert leaked(_output_texts(out_dir), case["identifiers"]) == []


@pytest.mark.parametrize("case", _cases(FINAL_GAPS))
def test_the_coordinators_final_mapping_prepares_valid(
    case: dict[str, Any], tmp_path: Path
) -> None:
    out_dir = tmp_path / "prepared"
    mapping_path = CORPUS / "mappings" / f"{case['file']}.yaml"
    result = _prepare(case, mapping_path, out_dir)
    _assert_prepared(case, result, out_dir)
    dropped = {normalise_header(h) for headers in result.dropped.values() for h in headers}
    for sheet in load_mapping(mapping_path).sheets.values():
        declared = list(sheet.identifiers)
        if sheet.date_of_birth is not None:
            declared.append(sheet.date_of_birth.column)
        assert {normalise_header(h) for h in declared} <= dropped, "identifier not listed"


@pytest.mark.parametrize("case", _cases(PROPOSER_GAPS))
def test_map_then_the_manifests_edits_prepares_valid(case: dict[str, Any], tmp_path: Path) -> None:
    proposal = propose_mapping([CORPUS / case["file"]])
    proposed = proposal.to_yaml()
    edited = apply_edits(yaml.safe_load(io.StringIO(proposed)) or {}, case["edits"])
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(yaml.safe_dump(edited, sort_keys=False, allow_unicode=True), "utf-8")
    out_dir = tmp_path / "prepared"
    result = _prepare(case, mapping_path, out_dir)
    _assert_prepared(case, result, out_dir)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_every_edit_in_the_manifest_changes_the_proposal(case: dict[str, Any]) -> None:
    """So the edit counts reported for the issue stay true as map gets better."""
    proposed = yaml.safe_load(propose_mapping([CORPUS / case["file"]]).to_yaml()) or {}
    for edit in case["edits"]:
        assert apply_edits(copy.deepcopy(proposed), [edit]) != proposed, edit


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_map_shows_no_identifier_value(case: dict[str, Any]) -> None:
    proposal = propose_mapping([CORPUS / case["file"]])
    shown = {
        "proposed YAML": proposal.to_yaml(),
        "preview": proposal.preview(rows=100),
        "summary": proposal.summary("mapping.yaml"),
    }
    assert leaked(shown, case["identifiers"]) == []
