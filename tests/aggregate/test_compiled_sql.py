"""compile_sql: the SQL Ibis would write, compiled once per expression shape."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource, backends, compiled_sql, compute_tables


def test_every_benchmark_query_is_the_sql_ibis_writes_and_a_rerun_compiles_nothing(
    synth_tables: dict[str, pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled_sql._compiled.clear()
    checked: list[str] = []
    compiles: list[int] = []
    real = compiled_sql.compile_sql

    def checking(con: Any, expr: Any) -> str:
        before = len(compiled_sql._compiled)
        sql = real(con, expr)
        assert sql == str(con.compile(expr))  # the real names, as Ibis itself compiles them
        compiles.append(len(compiled_sql._compiled) - before)
        checked.append(sql)
        return sql

    monkeypatch.setattr(backends, "compile_sql", checking)
    first = compute_tables(BenchmarkSource.from_tables(synth_tables), include_paired=True)
    runs = len(checked)
    assert runs > 5 and sum(compiles) > 0
    second = compute_tables(BenchmarkSource.from_tables(synth_tables), include_paired=True)
    assert len(checked) == 2 * runs
    assert sum(compiles[runs:]) == 0  # same shapes, new table names: nothing compiled again
    assert checked[:runs] != checked[runs:]  # ... though the names in the SQL did change
    for name, table in first.items():
        assert table.equals(second[name]), name
