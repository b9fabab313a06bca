"""Backend selection and the optional Spark extra (peerbench/aggregate/backends.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from peerbench.aggregate.backends import connect, is_spark

IMPORT_WITHOUT_SPARK = """
import sys
import peerbench.aggregate
import peerbench.aggregate.backends
import peerbench.aggregate.expressions
assert "pyspark" not in sys.modules, "importing peerbench.aggregate imported pyspark"
print("ok")
"""


def test_importing_the_engine_does_not_import_pyspark() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_WITHOUT_SPARK], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_duckdb_is_the_default_backend() -> None:
    con = connect()
    try:
        assert not is_spark(con)
        assert con.name == "duckdb"
    finally:
        con.disconnect()


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="polars"):
        connect("polars")


def test_the_plain_duckdb_connection_is_set_up_as_ibis_sets_its_own() -> None:
    """The precompiled steps run on :func:`duckdb_database`: every setting (time zone,
    replacement scans, insertion order...) is the one the Ibis connection has."""
    from peerbench.aggregate.backends import duckdb_connection, duckdb_database

    # The progress bar only draws on a terminal, and DuckDB's Python client decides it
    # per connection from its environment (a cursor does not inherit it): not compared.
    query = (
        "select name, value from duckdb_settings() "
        "where name not like '%progress_bar%' order by name"
    )
    plain = duckdb_database()
    ibis_con = duckdb_connection()
    try:
        settings = plain.sql(query).fetchall()
        assert settings == ibis_con.con.sql(query).fetchall()
        assert ("TimeZone", "UTC") in settings
    finally:
        plain.close()
        ibis_con.disconnect()


def test_duckdb_cursors_share_a_database_but_nothing_else() -> None:
    """Every run gets a cursor on one database: what one registers, creates or sets is
    its own, and closing it leaves the others working with their settings."""
    import pyarrow as pa

    from peerbench.aggregate.backends import duckdb_database

    first, second = duckdb_database(), duckdb_database()
    try:
        first.register("peerbench_test_view", pa.table({"a": [1]}))
        first.execute('CREATE TEMP TABLE "peerbench_test_tmp" AS SELECT 2 AS b')
        first.execute("SET timezone = 'Europe/London'")
        assert first.sql('SELECT b FROM "peerbench_test_tmp"').fetchall() == [(2,)]
        for name in ("peerbench_test_view", "peerbench_test_tmp"):
            with pytest.raises(Exception, match="does not exist"):
                second.sql(f'SELECT * FROM "{name}"').fetchall()
        first.close()
        third = duckdb_database()
        try:
            query = (
                "SELECT current_setting('TimeZone'), current_setting('python_enable_replacements')"
            )
            for con in (second, third):
                assert con.sql(query).fetchall() == [("UTC", False)]
            with pytest.raises(Exception, match="does not exist"):
                third.sql('SELECT * FROM "peerbench_test_tmp"').fetchall()
        finally:
            third.close()
    finally:
        second.close()


def test_duckdb_settings_give_a_database_of_its_own() -> None:
    from peerbench.aggregate.backends import duckdb_database

    con = duckdb_database(threads=1)
    try:
        assert con.sql("SELECT current_setting('threads')").fetchall() == [(1,)]
        assert con.sql("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
    finally:
        con.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_opens_a_database_of_its_own() -> None:
    """A child forked after the shared database exists does not use the parent's (its
    threads are gone): it opens its own and answers."""
    from peerbench.aggregate import backends

    backends.duckdb_database().close()  # the parent's shared database exists
    parent = backends._duckdb_shared
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        ok = backends._duckdb_shared is None
        con = backends.duckdb_database()
        ok = ok and con.sql("SELECT 41 + 1").fetchall() == [(42,)]
        ok = ok and backends._duckdb_shared is not parent
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert backends._duckdb_shared is parent


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_subprocess_with_a_preexec_function_survives_the_shared_database() -> None:
    """``preexec_fn`` runs the at-fork hooks in the child: dropping (so closing) the
    parent's database there crashed the child before it could run the command."""
    import subprocess
    import sys

    from peerbench.aggregate import backends

    backends.duckdb_database().close()  # the shared database exists; nothing else holds it
    done = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=lambda: None, check=False)
    assert done.returncode == 0
