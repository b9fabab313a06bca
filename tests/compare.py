"""Comparing JSON documents whose floats may differ in the last bits."""

from __future__ import annotations

from typing import Any

import pytest


def assert_json_close(actual: Any, expected: Any, *, rel: float = 1e-9, path: str = "$") -> None:
    """Equal structure and values, floats up to ``rel`` (DuckDB's threads add in any order).

    Raises:
        AssertionError: naming the first path where the documents differ.
    """
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), path
        for key, value in expected.items():
            assert_json_close(actual[key], value, rel=rel, path=f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            assert_json_close(left, right, rel=rel, path=f"{path}[{index}]")
    elif isinstance(expected, float) and not isinstance(actual, bool):
        assert actual == pytest.approx(expected, rel=rel, abs=1e-12), path
    else:
        assert actual == expected, path


def assert_tables_close(actual: Any, expected: Any, *, rel: float = 1e-9) -> None:
    """Two Arrow tables equal in schema and rows, floats up to ``rel``.

    Raises:
        AssertionError: naming the first column that differs.
    """
    import numpy as np
    import pyarrow as pa

    assert actual.schema == expected.schema
    for name in expected.column_names:
        left, right = actual.column(name), expected.column(name)
        if pa.types.is_floating(right.type):
            a = left.to_numpy(zero_copy_only=False).astype(np.float64)
            b = right.to_numpy(zero_copy_only=False).astype(np.float64)
            assert np.allclose(a, b, rtol=rel, atol=1e-12, equal_nan=True), name
        else:
            assert left.equals(right), name
