"""The lock files agree with pyproject.toml (scripts/lock.py; make lock, make install)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from scripts.lock import (
    BUILD_LOCK,
    DIGEST_PREFIX,
    LOCK,
    ROOT,
    check,
    check_digest,
    extraneous,
    read_pins,
    requirements_digest,
)


def _project(tmp_path: Path) -> Path:
    """A copy of what the lock check reads: pyproject.toml and requirements/."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _restamp(root: Path) -> None:
    """Record the current requirements digest, as `make lock` would, without resolving."""
    lock = root / LOCK
    text = lock.read_text(encoding="utf-8")
    digest = DIGEST_PREFIX + requirements_digest(root)
    lock.write_text(re.sub(rf"^{re.escape(DIGEST_PREFIX)}.*$", digest, text, flags=re.M))


def test_the_committed_lock_agrees_with_pyproject() -> None:
    assert check(ROOT) == []


def test_every_locked_package_is_an_exact_pin_with_hashes() -> None:
    runtime, runtime_problems = read_pins(ROOT / LOCK)
    build, build_problems = read_pins(ROOT / BUILD_LOCK)
    assert runtime_problems == build_problems == []
    assert all(pin.hashes for pin in [*runtime.values(), *build.values()])
    # The test extra (what `make test` needs) is in, with what it pulls in.
    assert {"pytest", "mypy", "pyspark", "py4j", "playwright", "greenlet"} <= runtime.keys()
    # The tools make install puts in first and make lock runs.
    assert {"pip", "hatchling", "editables", "setuptools", "wheel", "uv"} <= build.keys()


def test_adding_a_requirement_without_relocking_fails(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _edit(
        root / "pyproject.toml",
        '"argon2-cffi>=23.1",',
        '"argon2-cffi>=23.1",\n"not-a-peerbench-dependency>=1.0",',
    )
    problems = check(root)
    assert any("run `make lock`" in p for p in problems)
    assert any(
        "not-a-peerbench-dependency>=1.0 is not pinned in requirements/lock.txt" in p
        for p in problems
    )


def test_adding_a_test_requirement_without_relocking_fails(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _edit(root / "pyproject.toml", '"pytest>=8",', '"pytest>=8",\n    "pytest-timeout>=2",')
    assert check_digest(root) != []
    assert any("pytest-timeout>=2 is not pinned" in p for p in check(root))


def test_removing_a_requirement_without_relocking_fails(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _edit(root / "pyproject.toml", '    "argon2-cffi>=23.1",\n', "")
    # Everything still declared is still pinned: only the recorded digest tells.
    problems = check(root)
    assert len(problems) == 1
    assert "run `make lock`" in problems[0]


def test_a_pin_the_specifier_does_not_allow_fails(tmp_path: Path) -> None:
    root = _project(tmp_path)
    pydantic = read_pins(root / LOCK)[0]["pydantic"].version
    _edit(root / "pyproject.toml", '"pydantic>=2.7,<3"', '"pydantic>=99"')
    _restamp(root)
    assert check(root) == [
        f"pyproject.toml (dependencies + test extra): pydantic>=99 is pinned at {pydantic} "
        "in requirements/lock.txt, which it does not allow"
    ]


def test_a_changed_build_backend_must_be_in_the_build_lock(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _edit(root / "pyproject.toml", 'requires = ["hatchling>=1.24"]', 'requires = ["flit-core>=3"]')
    _restamp(root)
    assert check(root) == [
        "pyproject.toml (build-system.requires): flit-core>=3 is not pinned in "
        "requirements/build.txt"
    ]


def test_a_requirement_for_another_platform_need_not_be_pinned(tmp_path: Path) -> None:
    root = _project(tmp_path)
    windows_only = "\"pywin32>=306; sys_platform == 'win32'\","
    _edit(root / "pyproject.toml", '"argon2-cffi>=23.1",', f'"argon2-cffi>=23.1",\n{windows_only}')
    _restamp(root)
    assert check(root) == []


def test_unpinned_or_unhashed_lines_fail(tmp_path: Path) -> None:
    root = _project(tmp_path)
    lock = root / LOCK
    text = lock.read_text(encoding="utf-8")
    pin = re.search(
        r"^alembic==(\S+) \\\n(?:    --hash=sha256:\w+ \\\n)*    --hash=\S+\n", text, re.M
    )
    assert pin is not None
    text = text.replace(pin.group(0), f"alembic=={pin.group(1)}\n") + "requests>=2\n"
    lock.write_text(text, encoding="utf-8")
    problems = check(root)
    assert f"lock.txt: alembic=={pin.group(1)} has no sha256 hash" in problems
    assert "lock.txt: not an exact pin: 'requests>=2'" in problems


def test_two_versions_of_one_package_fail(tmp_path: Path) -> None:
    root = _project(tmp_path)
    build = root / BUILD_LOCK
    packaging = read_pins(build)[0]["packaging"].version
    _edit(build, f"packaging=={packaging} ", "packaging==1.0 ")
    runtime = read_pins(root / LOCK)[0]["packaging"].version
    assert check(root) == [f"packaging is pinned at two versions: 1.0 and {runtime}"]


def test_the_digest_ignores_order_and_spacing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = requirements_digest(root)
    _edit(root / "pyproject.toml", '"pydantic>=2.7,<3",', '"pydantic >= 2.7, < 3",')
    _edit(root / "pyproject.toml", '    "argon2-cffi>=23.1",\n', "")
    _edit(
        root / "pyproject.toml", '"jsonschema>=4.22",', '"jsonschema>=4.22",\n"argon2-cffi>=23.1",'
    )
    assert requirements_digest(root) == before
    _edit(root / "requirements/build.in", "\nuv\n", "\nuv\nnox\n")
    assert requirements_digest(root) != before


def test_prune_finds_what_neither_lock_pins() -> None:
    installed = ["Pydantic", "ruamel.yaml", "UV", "peerbench", "Left_Over.Package", "old-tool"]
    assert extraneous(installed) == ["left-over-package", "old-tool"]


def test_the_install_precheck_needs_only_the_standard_library() -> None:
    """make install runs it with the system Python, before the venv exists (-S: no
    site-packages, so no packaging)."""
    result = subprocess.run(
        [sys.executable, "-S", str(ROOT / "scripts/lock.py"), "check", "--digest-only"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_make_install_uses_only_the_lock() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = recipe.split("$(STAMP): pyproject.toml $(LOCK) $(BUILD_LOCK)\n", 1)[1].split("\n\n")[
        0
    ]
    assert "PIP_LOCKED := --quiet --require-hashes --no-deps --no-build-isolation" in recipe
    assert "scripts/lock.py check --digest-only" in install
    assert "pip install $(PIP_LOCKED) -r $(BUILD_LOCK)" in install
    assert "pip install $(PIP_LOCKED) -r $(LOCK)" in install
    assert "scripts/lock.py prune" in install
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in install
    # No pip install that could resolve (and fetch) anything the lock does not pin.
    installs = [line for line in install.splitlines() if "pip install" in line]
    assert len(installs) == 3
    assert all("$(PIP_LOCKED)" in line or "--no-deps" in line for line in installs)
    assert "scripts/lock.py compile" in recipe.split("\nlock:", 1)[1]
