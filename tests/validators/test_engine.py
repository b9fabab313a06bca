"""The validation API over files, tables and synthetic datasets."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from peerbench.io.tabular import FileFormat
from peerbench.schema.arrow import arrow_schema
from peerbench.synth import SynthConfig, generate, write_dataset
from peerbench.validators import Validation, engine, validate, validate_table
from peerbench.validators.readers import open_sources
from tests.validators.columnar.tables import TODAY, text_table, valid_row


def write_csv(path: Path, rows: list[dict[str, str | None]]) -> Path:
    pacsv.write_csv(text_table(rows), path)
    return path


def test_validate_files_fills_file_summaries(tmp_path: Path) -> None:
    participants = write_csv(
        tmp_path / "participants.csv", [valid_row("participant"), valid_row("participant", sex="x")]
    )
    outcomes = write_csv(tmp_path / "outcomes.csv", [valid_row("outcome")])
    report = validate([participants, outcomes], today=TODAY)
    assert report.flatten() == [(3, "participant_key", "duplicate-key"), (3, "sex", "code-invalid")]
    summaries = {
        Path(f.file).name: (f.record_type, f.file_format, f.rows, f.errors) for f in report.files
    }
    assert summaries == {
        "participants.csv": ("participant", "csv", 2, 2),
        "outcomes.csv": ("outcome", "csv", 1, 0),
    }


def test_validate_collect_returns_canonical_tables(tmp_path: Path) -> None:
    rows = [valid_row("engagement", start_date="13/01/2025", end_reason="Finished")]
    path = write_csv(tmp_path / "engagements.csv", rows)
    result = validate([path], today=TODAY, collect=True)
    assert isinstance(result, Validation)
    assert result.report.valid
    table = result.tables["engagement"]
    assert table.schema.equals(arrow_schema("engagement"), check_metadata=False)
    assert table.column("start_date").to_pylist() == [dt.date(2025, 1, 13)]
    assert table.column("end_reason").to_pylist() == ["completed"]


def test_validate_parquet_with_list_items(tmp_path: Path) -> None:
    table = validate(
        [write_csv(tmp_path / "outcomes.csv", [valid_row("outcome")])], collect=True
    ).tables["outcome"]
    pq.write_table(table, tmp_path / "o.parquet")
    report = validate([tmp_path / "o.parquet"], record_type="outcome", today=TODAY)
    assert report.valid and report.files[0].rows == 1


def test_validate_table_in_memory() -> None:
    table = pa.table(
        {
            "organisation_id": ["a"],
            "name": ["A"],
            "organisation_type": ["council"],
            "region": ["Yorkshire"],
        }
    )
    assert validate_table(table, "organisation", today=TODAY).flatten() == []


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthConfig]:
    config = SynthConfig(seed=11, organisations=3, outcome_rows=1500, error_rate=0.05)
    folder = tmp_path_factory.mktemp("synth")
    write_dataset(generate(config), folder, FileFormat.CSV)
    return folder, config


def test_every_injected_error_is_found(synthetic: tuple[Path, SynthConfig]) -> None:
    folder, config = synthetic
    data = sorted(p for p in folder.glob("*.csv") if p.name != "injected_errors.csv")
    report = validate(data, today=config.as_of, max_findings=100_000)
    found = {(Path(f.file or "").name, f.row, f.column, f.code) for f in report.findings}
    injected = pacsv.read_csv(folder / "injected_errors.csv").to_pylist()
    assert injected
    missed = [e for e in injected if (e["file"], e["row"], e["column"], e["code"]) not in found]
    assert missed == []


@pytest.mark.parametrize("file_format", [FileFormat.CSV, FileFormat.PARQUET])
def test_clean_synthetic_dataset_is_valid(tmp_path: Path, file_format: FileFormat) -> None:
    config = SynthConfig(seed=5, organisations=3, outcome_rows=1500)
    write_dataset(generate(config), tmp_path, file_format)
    report = validate([tmp_path], today=config.as_of)
    assert report.flatten() == []
    assert {f.record_type for f in report.files} >= {"outcome", "participant", "service"}


def _report_with_workers(
    folder: Path, workers: int, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> list[dict[str, Any]]:
    monkeypatch.setattr(engine, "WORKERS", workers)
    monkeypatch.setattr(engine, "IN_FLIGHT", workers + 1)
    sources = [s for p in sorted(folder.iterdir()) for s in open_sources(p, batch_rows=97)]
    report = engine.validate_sources(sources, engine.Options(today=TODAY, **options)).report
    assert sum(f.rows for f in report.files) > 0
    return [f.to_dict() for f in report.findings] + [dict(report.by_code)]


@pytest.mark.parametrize("max_findings", [25, 100_000])
def test_threaded_batches_report_exactly_as_one_thread(
    synthetic: tuple[Path, SynthConfig],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    max_findings: int,
) -> None:
    """Findings of batches checked on worker threads are listed in batch order."""
    folder = tmp_path
    for path in synthetic[0].glob("*.csv"):
        if path.name != "injected_errors.csv":
            (folder / path.name).write_bytes(path.read_bytes())
    one = _report_with_workers(folder, 1, monkeypatch, max_findings=max_findings)
    two = _report_with_workers(folder, 2, monkeypatch, max_findings=max_findings)
    assert len(one) > 1
    assert one == two


def test_parquet_text_columns_read_as_dictionaries_give_the_same_findings(
    synthetic: tuple[Path, SynthConfig], tmp_path: Path
) -> None:
    """Repetitive Parquet text columns are read dictionary-encoded; findings must not move."""
    folder, config = synthetic
    csv_report = validate([folder / "outcomes.csv"], today=config.as_of, max_findings=100_000)
    table = pacsv.read_csv(
        folder / "outcomes.csv",
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(
                pacsv.read_csv(folder / "outcomes.csv").column_names, pa.string()
            ),
            strings_can_be_null=True,
        ),
    )
    pq.write_table(table, tmp_path / "outcomes.parquet")
    parquet_report = validate(
        [tmp_path / "outcomes.parquet"], today=config.as_of, max_findings=100_000
    )

    def key(report: Any) -> list[tuple[int | None, str, str, str | None]]:
        # Parquet is a machine format: text columns where the schema has numbers (and
        # item_N columns instead of the items list) are also schema-invalid there, which
        # is not what this test is about.
        return sorted(
            (f.row, f.column or "", f.code, f.value)
            for f in report.findings
            if f.code != "schema-invalid"
        )

    assert key(csv_report)
    assert key(parquet_report) == key(csv_report)
    assert parquet_report.by_code["schema-invalid"] > 0


@pytest.mark.parametrize("fail_at", ["fields", "instruments"])
def test_a_batch_that_fails_stops_the_run_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    """A check failing before its keys are handed over must not leave the run waiting."""
    rows = [valid_row("outcome", record_id=f"m-{i}") for i in range(40)]
    path = write_csv(tmp_path / "outcomes.csv", rows)
    real = getattr(engine, "check_batch")  # noqa: B009 - imported there, not exported
    calls = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) < 3:
            return real(*args, **kwargs)
        if fail_at == "fields":
            raise RuntimeError("broken batch")

        share = kwargs["on_fields"]

        def hand_over_then_fail(checked: Any) -> None:
            share(checked)
            raise RuntimeError("broken batch")

        return real(*args, **{**kwargs, "on_fields": hand_over_then_fail})

    monkeypatch.setattr(engine, "check_batch", failing)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            engine.validate_sources(open_sources(path, batch_rows=10), engine.Options())
            outcome.append(None)
        except BaseException as exc:  # the error the run must surface
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the run waited for keys that never came"
    assert isinstance(outcome[0], RuntimeError)
    assert len(calls) >= 3  # the failing batch was reached


def test_compiled_item_checks_report_exactly_as_numpy(
    synthetic: tuple[Path, SynthConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work big enough for the compiled loops gives the same report."""
    from peerbench.validators.columnar import compiled as compiled_loops

    folder, config = synthetic

    def report(min_rows: int) -> list[dict[str, Any]]:
        monkeypatch.setattr(compiled_loops, "COMPILED_MIN_ROWS", min_rows)
        result = validate([folder], today=config.as_of, max_findings=100_000)
        return [f.to_dict() for f in result.findings] + [dict(result.by_code)]

    compiled, numpy = report(0), report(10**9)
    codes = {f.get("code") for f in compiled[:-1]}
    assert {"item-out-of-range", "follow-up-before-baseline"} <= codes
    assert compiled == numpy


def test_preload_warms_the_loops_for_the_types_validation_passes(
    synthetic: tuple[Path, SynthConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Else a server's first large upload would still wait for Numba to load a loop."""
    import numba

    from peerbench.validators.columnar import compiled as compiled_loops

    folder, config = synthetic
    parquet = tmp_path / "parquet"
    write_dataset(generate(config), parquet, FileFormat.PARQUET)
    seen: dict[str, set[tuple[Any, ...]]] = {}
    load = compiled_loops._load

    def types_of(args: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(numba.typeof(a) for a in args)  # type: ignore[no-untyped-call]

    def recording(name: str) -> Any:
        loop = load(name)
        assert loop is not None

        def call(*args: Any) -> Any:
            seen.setdefault(name, set()).add(types_of(args))
            return loop(*args)

        return call

    monkeypatch.setattr(compiled_loops, "_load", recording)
    monkeypatch.setattr(compiled_loops, "COMPILED_MIN_ROWS", 0)
    for source in (folder, parquet):
        validate([source], today=config.as_of)
    warm = {
        name: {types_of(args) for args in inputs}
        for name, inputs in compiled_loops.warm_up_inputs().items()
    }
    assert seen.keys() == warm.keys()
    assert all(seen[name] <= warm[name] for name in warm), (seen, warm)
    assert compiled_loops.preload()
