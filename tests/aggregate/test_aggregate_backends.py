"""Backend selection and the optional Spark extra (peerbench/aggregate/backends.py)."""

from __future__ import annotations

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

    query = "select name, value from duckdb_settings() order by name"
    plain = duckdb_database()
    ibis_con = duckdb_connection()
    try:
        settings = plain.sql(query).fetchall()
        assert settings == ibis_con.con.sql(query).fetchall()
        assert ("TimeZone", "UTC") in settings
    finally:
        plain.close()
        ibis_con.disconnect()
