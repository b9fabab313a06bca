"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerbench import runtime

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    """The repository root (where SPEC.md and schema/ live)."""
    return ROOT


@pytest.fixture(autouse=True)
def library_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from the library's process-wide settings.

    A command-line test turns the compiled checks off for its process, as a one-shot
    command does; this puts them back afterwards.
    """
    monkeypatch.setattr(runtime, "compiled_checks", True)
