"""Soak fixtures: every test here is marked ``soak`` (``make soak``; not ``make test``)."""

from __future__ import annotations

from pathlib import Path

import pytest

SOAK_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).resolve().parent == SOAK_DIR:
            item.add_marker(pytest.mark.soak)
