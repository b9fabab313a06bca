"""compiled_sql: each step's SQL is the SQL Ibis writes, compiled once per shape, and the
precompiled table is current and covers the usual runs (which then load no Ibis)."""

from __future__ import annotations

import importlib
import importlib.abc
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource, compiled_sql, compute_tables
from peerbench.aggregate.backends import duckdb_connection
from peerbench.aggregate.compute import TABLE_KEYS
from peerbench.aggregate.steps import build

PRECOMPILED = list(compiled_sql.read_precompiled().values())


@pytest.fixture
def no_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty memo (restored afterwards), the precompiled table read afresh."""
    monkeypatch.setattr(compiled_sql, "_steps", type(compiled_sql._steps)())
    monkeypatch.setattr(compiled_sql, "_precompiled", None)


@pytest.mark.parametrize("entry", PRECOMPILED, ids=lambda e: f"{e.step}-{len(e.order)}")
def test_a_precompiled_step_is_what_ibis_compiles_now(entry: compiled_sql.StepSQL) -> None:
    """Stale entries fail here (run ``python -m peerbench.benchmarking.precompile_sql``).
    With the run's table names put in, the SQL is what Ibis writes for those tables."""
    import ibis

    con = duckdb_connection()
    now = compiled_sql.compile_step(con, entry.step, entry.inputs, entry.order)
    assert now.sql == entry.sql
    assert now.schema.equals(entry.schema)
    names = [f"peerbench_arrow_{i}" for i in range(len(entry.inputs))]
    tables = [
        ibis.table(ibis.Schema.from_pyarrow(s), name=n)
        for s, n in zip(entry.inputs, names, strict=True)
    ]
    assert entry.with_names(names) == str(con.compile(build(entry.step, tables, entry.order)))


def test_the_precompiled_table_covers_every_step() -> None:
    from peerbench.aggregate.steps import STEPS

    assert {entry.step for entry in PRECOMPILED} == set(STEPS)


def test_a_folder_benchmark_compiles_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_memo: None
) -> None:
    """A folder of the standard's files, viewed as the benchmark views it (periods
    pooled), with networks, finds every shape in the precompiled table. (Tables in
    memory: see the test with Ibis unimportable below.)"""
    from peerbench.benchmarking.compute import period_view
    from peerbench.benchmarking.sources import open_source
    from peerbench.synth import SynthConfig, generate, write_dataset

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"compiled a step missing from the table: {args[1:3]}")

    monkeypatch.setattr(compiled_sql, "compile_step", refuse)
    write_dataset(generate(SynthConfig(organisations=2, outcome_rows=400, seed=3)), tmp_path)
    view, scored = period_view(open_source(tmp_path).source, None)
    networks = pa.table({"service_id": ["x"], "network": ["n"]})
    tables = compute_tables(view, scored=scored, networks=networks, include_paired=True)
    assert "network_outcomes" in tables


def test_a_new_shape_is_compiled_and_kept(
    synth_tables: dict[str, pa.Table], monkeypatch: pytest.MonkeyPatch, no_memo: None
) -> None:
    """An input schema the table does not hold (wide strings) still runs: compiled once,
    then kept, with the same answer."""
    calls: list[str] = []
    real = compiled_sql.compile_step

    def counting(con: Any, step: str, inputs: Any, order: Any = ()) -> compiled_sql.StepSQL:
        calls.append(step)
        return real(con, step, inputs, order)

    monkeypatch.setattr(compiled_sql, "compile_step", counting)
    source = BenchmarkSource.from_tables(synth_tables)
    service = synth_tables["service"]["service_id"][0].as_py()
    usual = pa.table({"service_id": [service], "network": ["n"]})
    wide = usual.cast(
        pa.schema([("service_id", pa.large_string()), ("network", pa.large_string())])
    )
    plain = compute_tables(source, networks=usual)
    assert calls == []
    assert compute_tables(source, networks=wide)["network_outcomes"].equals(
        plain["network_outcomes"]
    )
    assert calls == ["network_outcomes"]
    inputs = [plain["service_outcomes"].schema, wide.schema]
    keys = TABLE_KEYS["network_outcomes"]
    compiled_sql.step_sql("duckdb", "network_outcomes", inputs, keys, duckdb_connection)
    assert calls == ["network_outcomes"]  # kept: not compiled again


def test_compile_sql_compiles_an_expression_shape_once() -> None:
    import ibis

    con = duckdb_connection()
    schema = ibis.schema({"a": "int64", "b": "string"})
    first, second = (ibis.table(schema, name=n) for n in ("t_one", "t_two"))
    compiled_sql._compiled.clear()
    for table in (first, second):
        expr = table.group_by("b").aggregate(n=table.a.sum())
        assert compiled_sql.compile_sql(con, expr) == str(con.compile(expr))
    assert len(compiled_sql._compiled) == 1


class _Blocked(importlib.abc.MetaPathFinder):
    """Refuses to import Ibis or sqlglot."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in ("ibis", "sqlglot"):
            raise ImportError(f"{name} is not to be imported here")
        return None


def test_a_benchmark_with_usual_inputs_needs_no_ibis(synth_tables: dict[str, pa.Table]) -> None:
    """The benchmark's modules imported afresh, with Ibis unimportable, and a run on the
    usual schemas: an Ibis import anywhere on that path (a module's top, or a step missing
    from the precompiled table) fails. Every module is put back afterwards."""
    saved = dict(sys.modules)
    for name in saved:
        if name.split(".")[0] in ("ibis", "sqlglot", "peerbench"):
            del sys.modules[name]
    blocker = _Blocked()
    sys.meta_path.insert(0, blocker)
    try:
        importlib.import_module("peerbench.benchmarking.compute")
        aggregate = importlib.import_module("peerbench.aggregate")
        source = aggregate.BenchmarkSource.from_tables(synth_tables)
        tables = aggregate.compute_tables(source, include_paired=True)
    finally:
        sys.meta_path.remove(blocker)
        sys.modules.clear()
        sys.modules.update(saved)
    assert tables["paired"].num_rows > 0
