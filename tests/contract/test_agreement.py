"""One contract for machines: ajv and ``peerbench validate`` agree on every JSONL record.

Valid records of every record type and their systematic mutations (tests/contract/
records.py) are written as JSON Lines, one file per record type. ajv (JSON Schema
2020-12, strict mode, formats asserted, the ``x-`` vocabulary told from the meta-schema)
judges each line against the generated schema; ``peerbench validate`` judges the file.
A record is rejected by peerbench when it has an error other than the rules SPEC lists
as beyond JSON Schema (:data:`BEYOND_JSON_SCHEMA`). The verdicts must be equal, record by
record.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from peerbench.cli.validate import validate
from peerbench.schema.json_schema import meta_schema, record_schema
from peerbench.schema.records import RECORD_TYPES
from tests.contract.records import mutations

JS = Path(__file__).parent / "js"
BEYOND_JSON_SCHEMA = frozenset(
    {
        # Across records.
        "duplicate-key",
        "unknown-reference",
        "follow-up-before-baseline",
        "attribute-conflict",
        # Comparing two values, the calendar or the registry: JSON Schema cannot.
        "date-in-future",
        "date-order",
        "sessions-exceed-offered",
        "instrument-unknown",
        "total-mismatch",
        "pam-level-mismatch",
    }
)
"""Error codes of rules SPEC §7 lists as beyond JSON Schema."""


def _ajv(schema_dir: Path, record_type: str, records: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make test installs ajv with npm ci)")
    if not (JS / "node_modules" / "ajv").is_dir():
        pytest.fail("ajv is not installed: run `make contract-js` (npm ci in tests/contract/js)")
    done = subprocess.run(
        [node, str(JS / "check.mjs"), str(schema_dir), record_type, str(records)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


CHUNK = 100
"""Records per file given to ``peerbench validate``: a reader lists at most 1,000 findings
of its own per file, and every finding of every record is needed here."""


def _peerbench(records: list[str], folder: Path, stem: str) -> tuple[list[list[str]], list[str]]:
    """Error codes per record (in order), and error codes not tied to a row.

    The records go into folders of :data:`CHUNK` lines, validated in one run.
    """
    paths = []
    for start in range(0, len(records), CHUNK):
        chunk = folder / f"chunk{start // CHUNK:03d}"
        chunk.mkdir()
        (chunk / f"{stem}.jsonl").write_text("".join(records[start : start + CHUNK]))
        paths.append(chunk / f"{stem}.jsonl")
    out = folder / "report.json"
    args = [*paths, "--format", "json", "--max-errors", "1000000", "--no-quality", "--out", out]
    result = CliRunner().invoke(validate, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    index = {str(path): i * CHUNK for i, path in enumerate(paths)}
    codes: list[list[str]] = [[] for _ in records]
    unplaced: list[str] = []
    for found in report["findings"]:
        if found["severity"] != "error":
            continue
        if found["row"] is None:
            unplaced.append(found["code"])
        else:
            codes[index[found["file"]] + found["row"] - 2].append(found["code"])
    return codes, unplaced


@pytest.fixture(scope="module")
def schema_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("schemas")
    (folder / "meta.schema.json").write_text(json.dumps(meta_schema()), encoding="utf-8")
    for record_type in RECORD_TYPES:
        schema = json.dumps(record_schema(record_type))
        (folder / f"{record_type}.schema.json").write_text(schema, encoding="utf-8")
    return folder


def _disagreements(schema_dir: Path, record_type: str, folder: Path) -> tuple[int, list[str]]:
    records = list(mutations(record_type))
    lines = [json.dumps(r) + "\n" for r in records]
    stem = RECORD_TYPES[record_type].file_stem
    folder = folder / stem
    folder.mkdir()
    path = folder / f"{stem}.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    verdicts = _ajv(schema_dir, record_type, path)
    assert [v["line"] for v in verdicts] == list(range(1, len(records) + 1))
    per_record, unplaced = _peerbench(lines, folder, stem)
    assert unplaced == [], unplaced
    out = []
    for verdict, record, codes in zip(verdicts, records, per_record, strict=True):
        rejected = any(code not in BEYOND_JSON_SCHEMA for code in codes)
        if rejected == verdict["valid"]:
            out.append(f"{json.dumps(record)}: ajv {verdict['errors']} peerbench {codes}")
    return len(records), out


def test_ajv_and_peerbench_agree_record_by_record(schema_dir: Path, tmp_path: Path) -> None:
    total, disagreements = 0, []
    for record_type in RECORD_TYPES:
        count, found = _disagreements(schema_dir, record_type, tmp_path)
        total += count
        disagreements.extend(found)
    assert total >= 500
    assert disagreements == [], f"{len(disagreements)} of {total}:\n" + "\n".join(disagreements)


def test_mutations_reject_and_accept(schema_dir: Path, tmp_path: Path) -> None:
    """The test can fail: both verdicts occur, and every valid base record is accepted."""
    path = tmp_path / "outcomes.jsonl"
    records = list(mutations("outcome"))
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    verdicts = [v["valid"] for v in _ajv(schema_dir, "outcome", path)]
    assert verdicts[0] is True
    assert 0 < verdicts.count(False) < len(verdicts)
