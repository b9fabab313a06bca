"""One aggregation run on DuckDB or Spark: registered inputs, steps run by name as SQL.

:func:`peerbench.aggregate.compute.compute_tables` registers Arrow tables here and runs
the steps of :mod:`peerbench.aggregate.steps` on them. The SQL comes from
:func:`peerbench.aggregate.compiled_sql.step_sql` (memoised or precompiled), so on
DuckDB a run with the usual input schemas never imports Ibis: it talks to a plain
DuckDB connection set up as Ibis would (:func:`~peerbench.aggregate.backends.duckdb_database`).
Spark runs on the shared Ibis PySpark backend, whose compiler compiles each shape once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import pyarrow as pa

from peerbench.aggregate.backends import (
    duckdb_connection,
    duckdb_database,
    new_view_name,
    spark_connection,
)
from peerbench.aggregate.compiled_sql import StepSQL, step_sql

_compiler: Any = None
"""An Ibis DuckDB backend used only to compile shapes missing from the precompiled table."""


def _duckdb_compiler() -> Any:
    global _compiler
    if _compiler is None:
        _compiler = duckdb_connection()
    return _compiler


class Input(NamedTuple):
    """A table the engine can read: its name there and its Arrow schema."""

    name: str
    schema: pa.Schema


class Engine:
    """One run: the connection, the inputs registered on it and what to free at the end."""

    def __init__(self, backend: str = "duckdb") -> None:
        """Open ``backend``: a cursor on the process's in-memory DuckDB database
        (:func:`~peerbench.aggregate.backends.duckdb_database`), or the shared Spark session.

        Raises:
            ValueError: for an unknown backend name.
        """
        self._releases: list[Callable[[], None]] = []
        self.spark: Any = None
        self.duck: Any = None
        if backend == "duckdb":
            self.duck = duckdb_database()
            self.dialect = "duckdb"
        elif backend == "spark":
            self.spark = spark_connection()
            self.dialect = "pyspark"
        else:
            raise ValueError(f"unknown backend {backend!r}: use 'duckdb' or 'spark'")

    @property
    def is_spark(self) -> bool:
        """Whether the run is on Spark."""
        return self.spark is not None

    def _compiler(self) -> Any:
        return self.spark if self.spark is not None else _duckdb_compiler()

    def register(self, table: pa.Table) -> Input:
        """Make ``table`` readable by later steps (DuckDB scans the Arrow memory in place;
        Spark gets a temporary view made straight from Arrow)."""
        name = new_view_name("arrow")
        if self.spark is not None:
            self.spark._session.createDataFrame(table).createOrReplaceTempView(name)
        else:
            self.duck.register(name, table)
        return Input(name, table.schema)

    def sql(self, step: str, inputs: Sequence[Input], order: Sequence[str] = ()) -> StepSQL:
        """The compiled ``step`` for these inputs (see :func:`step_sql`)."""
        schemas = [i.schema for i in inputs]
        return step_sql(self.dialect, step, schemas, order, self._compiler)

    def fetch(self, step: str, inputs: Sequence[Input], order: Sequence[str] = ()) -> pa.Table:
        """Run ``step`` on ``inputs``; the answer in the step's Arrow schema.

        The answer is cast to the expression's schema, so both engines give the same types.
        """
        compiled = self.sql(step, inputs, order)
        sql = compiled.with_names([i.name for i in inputs])
        if self.spark is not None:
            result = self.spark._session.sql(sql).toArrow()
        else:
            result = self.duck.sql(sql).to_arrow_table()
        schema = compiled.schema
        return result.rename_columns(schema.names).cast(schema)

    def materialise(self, step: str, inputs: Sequence[Input]) -> Input:
        """Compute ``step`` once into a temporary table (freed by :meth:`close`).

        DuckDB gets a temporary table, Spark a cached DataFrame behind a temporary view.
        """
        compiled = self.sql(step, inputs)
        sql = compiled.with_names([i.name for i in inputs])
        name = new_view_name("tmp")
        if self.spark is not None:
            session = self.spark._session
            frame = session.sql(sql).cache()
            frame.createOrReplaceTempView(name)

            def release() -> None:
                session.catalog.dropTempView(name)
                frame.unpersist()

        else:
            duck = self.duck
            duck.execute(f'CREATE TEMP TABLE "{name}" AS {sql}')

            def release() -> None:
                duck.execute(f'DROP TABLE IF EXISTS "{name}"')

        self._releases.append(release)
        return Input(name, compiled.schema)

    def close(self) -> None:
        """Free the temporary tables; close the DuckDB cursor (the database and Spark's
        session are shared)."""
        for release in self._releases:
            release()
        self._releases.clear()
        if self.duck is not None:
            self.duck.close()
