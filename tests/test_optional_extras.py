"""The base install imports and runs without the optional extras (spark, postgres)."""

from __future__ import annotations

import subprocess
import sys

BLOCK_EXTRAS = """
import importlib.abc, pkgutil, sys

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"pyspark", "psycopg", "psycopg2"}:
            raise ImportError(f"{name} is an optional extra and must not be imported")
        return None

sys.meta_path.insert(0, Blocker())
import peerbench
for module in pkgutil.walk_packages(peerbench.__path__, "peerbench."):
    if ".migrations." in module.name:
        continue  # Alembic revision scripts run only under Alembic.
    importlib.import_module(module.name)
from click.testing import CliRunner
from peerbench.cli.main import cli
result = CliRunner().invoke(cli, ["instruments", "list"])
assert result.exit_code == 0, result.output
print("ok")
"""


def test_every_module_imports_without_optional_extras() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_EXTRAS], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
