"""``peerbench serve``: refuses an un-migrated database; builds the app otherwise."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI

from peerbench import runtime
from peerbench.cli.main import cli
from peerbench.cli.serve import serve
from peerbench.validators.columnar import compiled


def test_refuses_unmigrated_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve, ["--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "peerbench db upgrade" in result.stderr


def test_auto_migrate_then_runs_uvicorn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    preloaded = threading.Event()

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen.update(app=app, compiled_checks=runtime.compiled_checks, **kwargs)

    def fake_preload() -> bool:
        preloaded.set()
        return True

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr(compiled, "preload", fake_preload)
    args = ["--data-dir", str(tmp_path), "--auto-migrate", "--port", "8123"]
    # Through the top-level group, which turns compiled checks off for one-shot commands:
    # a server validates upload after upload, so it turns them back on.
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 0, result.output
    assert seen["compiled_checks"] is True
    assert preloaded.wait(30)  # the loops load beside start-up, not in the first upload
    assert isinstance(seen["app"], FastAPI)
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert "http://127.0.0.1:8123" in result.stderr


def test_help_has_an_example() -> None:
    assert "Example:" in CliRunner().invoke(serve, ["--help"]).output
