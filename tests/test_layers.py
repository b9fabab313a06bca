"""The layering contract of pyproject.toml (``[tool.importlinter]``) holds, and it bites.

Reading, mapping, pseudonymising and writing files flow one way:
``schema -> io -> validators -> intake -> cli / api / server / client``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_RUN = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports puts its working directory first on sys.path, so the package it
    # analyses is the one under ``cwd``.
    return subprocess.run(
        [sys.executable, "-c", _RUN], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_package_keeps_its_layers() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def _fake_package(root: Path, imports: dict[str, str]) -> None:
    """A minimal ``peerbench`` with the real layer names and the given module imports."""
    package = root / "peerbench"
    for name in ("schema", "io", "validators", "intake", "cli", "api", "server", "portal"):
        (package / name).mkdir(parents=True)
        (package / name / "__init__.py").write_text(imports.get(name, ""), encoding="utf-8")
    for name in ("__init__", "client", "client_upload", "client_config"):
        (package / f"{name}.py").write_text(imports.get(name, ""), encoding="utf-8")


def _copy_contract(root: Path) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = config["tool"]["importlinter"]["contracts"][0]
    layers = ",\n".join(f'    "{layer}"' for layer in contract["layers"])
    (root / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_package = "peerbench"\n\n'
        "[[tool.importlinter.contracts]]\n"
        f'name = "copy"\ntype = "layers"\nlayers = [\n{layers},\n]\n',
        encoding="utf-8",
    )


def test_the_contract_breaks_when_io_leans_on_validators(tmp_path: Path) -> None:
    # The shape issue 12 removed: io.pseudonymise imported validators.readers while
    # validators imported io.tabular.
    _fake_package(tmp_path, {"io": "import peerbench.validators\n"})
    _copy_contract(tmp_path)
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "peerbench.io is not allowed to import peerbench.validators" in result.stdout


def test_the_contract_breaks_when_validators_reach_intake_indirectly(tmp_path: Path) -> None:
    _fake_package(
        tmp_path,
        {"validators": "import peerbench.client\n", "client": "import peerbench.intake\n"},
    )
    _copy_contract(tmp_path)
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "peerbench.validators is not allowed to import peerbench.client" in result.stdout


def test_the_contract_allows_imports_downwards(tmp_path: Path) -> None:
    _fake_package(
        tmp_path,
        {
            "cli": "import peerbench.intake\nimport peerbench.server\n",
            "intake": "import peerbench.validators\nimport peerbench.io\n",
            "validators": "import peerbench.io\n",
            "io": "import peerbench.schema\n",
        },
    )
    _copy_contract(tmp_path)
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout
