"""Locked, reproducible installs: make the lock files and check them against pyproject.toml.

Two lock files, both pinned to exact versions with sha256 hashes of every published file,
resolved for CPython 3.11 on Linux x86_64 by ``uv pip compile --generate-hashes``:

``requirements/build.txt``
    from ``requirements/build.in``: pip, the build backend (pyproject's
    ``build-system.requires``), setuptools and wheel (to build the one sdist-only package)
    and uv (which makes the locks). ``make install`` installs it first.
``requirements/lock.txt``
    from pyproject.toml: ``project.dependencies`` and the ``test`` extra (what ``make test``
    needs), constrained by build.txt so a package both need is pinned once. Its header
    records :func:`requirements_digest`, a sha256 of every declared requirement, so a
    requirement added to or removed from pyproject.toml without re-locking is caught.

Run by ``make lock`` (``make lock UPGRADE=1`` to move every pin to its newest fitting
release; otherwise uv keeps each existing pin that still fits)::

    python scripts/lock.py compile --uv .venv-lock/bin/uv [--upgrade]
    python scripts/lock.py check [--digest-only]

``make install`` also runs ``python scripts/lock.py prune`` in .venv: an existing venv
loses what the locks no longer pin, so it holds exactly what a fresh one would.

``check --digest-only`` needs only the standard library (``make install`` runs it with the
system Python before it creates the venv); the full check also needs ``packaging``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON_VERSION = "3.11"
PLATFORM = "x86_64-unknown-linux-gnu"
EXTRAS = ("test",)
BUILD_IN = Path("requirements/build.in")
BUILD_LOCK = Path("requirements/build.txt")
LOCK = Path("requirements/lock.txt")
DIGEST_PREFIX = "# requirements-sha256: "
TARGET_LINE = f"# target: CPython {PYTHON_VERSION}, {PLATFORM}"
# Marker environment of the target (PEP 508), for requirements with environment markers.
TARGET_ENVIRONMENT = {
    "implementation_name": "cpython",
    "implementation_version": f"{PYTHON_VERSION}.0",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": f"{PYTHON_VERSION}.0",
    "python_version": PYTHON_VERSION,
    "sys_platform": "linux",
    "extra": "",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)(.*)$", re.S)
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    """One locked package: its version and the sha256 hashes of its files."""

    name: str
    version: str
    hashes: tuple[str, ...]


@dataclass(frozen=True)
class Declared:
    """The requirements a lock file must satisfy, and where they are declared."""

    lock: Path
    source: str
    requirements: tuple[str, ...]


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name (``ruamel.yaml`` and ``Ruamel_YAML`` are one)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _build_in_lines(root: Path) -> list[str]:
    lines = (root / BUILD_IN).read_text(encoding="utf-8").splitlines()
    return [s for s in (line.split("#", 1)[0].strip() for line in lines) if s]


def declared(root: Path = ROOT) -> list[Declared]:
    """Every requirement the project declares, grouped by the lock file that pins it."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    optional = project["project"].get("optional-dependencies", {})
    runtime = [*project["project"].get("dependencies", [])]
    for extra in EXTRAS:
        runtime += optional.get(extra, [])
    build = project.get("build-system", {}).get("requires", [])
    return [
        Declared(LOCK, "pyproject.toml (dependencies + test extra)", tuple(runtime)),
        Declared(BUILD_LOCK, "pyproject.toml (build-system.requires)", tuple(build)),
        Declared(BUILD_LOCK, str(BUILD_IN), tuple(_build_in_lines(root))),
    ]


def requirements_digest(root: Path = ROOT) -> str:
    """sha256 of the declared requirement set and the target (order and spaces ignored)."""
    groups = {d.source: sorted("".join(r.split()) for r in d.requirements) for d in declared(root)}
    text = json.dumps({"target": TARGET_LINE, "requirements": groups}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append((current + stripped).strip())
        current = ""
    if current:
        lines.append(current.strip())
    return lines


def read_pins(path: Path) -> tuple[dict[str, Pin], list[str]]:
    """The pins of a lock file (by canonical name) and the problems found reading it."""
    pins: dict[str, Pin] = {}
    problems: list[str] = []
    for line in _logical_lines(path.read_text(encoding="utf-8")):
        match = _PIN.match(line)
        if match is None:
            problems.append(f"{path.name}: not an exact pin: {line[:80]!r}")
            continue
        name, version, rest = match.groups()
        hashes = tuple(_HASH.findall(rest))
        if not hashes:
            problems.append(f"{path.name}: {name}=={version} has no sha256 hash")
        key = canonical_name(name)
        if key in pins:
            problems.append(f"{path.name}: {name} is pinned twice")
        pins[key] = Pin(key, version, hashes)
    return pins, problems


def recorded_digest(path: Path) -> str | None:
    """The requirements digest written in a lock file's header, if any."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(DIGEST_PREFIX):
            return line[len(DIGEST_PREFIX) :].strip()
    return None


def check_digest(root: Path = ROOT) -> list[str]:
    """Standard library only: has a requirement changed since the lock was made?"""
    for path in (LOCK, BUILD_LOCK):
        if not (root / path).is_file():
            return [f"{path} is missing: run `make lock`"]
    if recorded_digest(root / LOCK) != requirements_digest(root):
        return [
            f"pyproject.toml or {BUILD_IN} declares other requirements than {LOCK} was made "
            "from (a requirement was added, removed or changed): run `make lock` and commit "
            "the lock files"
        ]
    return []


def check(root: Path = ROOT) -> list[str]:
    """Every problem that makes the lock files disagree with what the project declares."""
    from packaging.requirements import Requirement

    problems = check_digest(root)
    if problems and "missing" in problems[0]:
        return problems
    locks: dict[Path, dict[str, Pin]] = {}
    for path in (LOCK, BUILD_LOCK):
        locks[path], found = read_pins(root / path)
        problems += found
    for group in declared(root):
        pins = locks[group.lock]
        for text in group.requirements:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate(TARGET_ENVIRONMENT):
                continue
            pin = pins.get(canonical_name(requirement.name))
            if pin is None:
                problems.append(f"{group.source}: {text} is not pinned in {group.lock}")
            elif not requirement.specifier.contains(pin.version, prereleases=True):
                problems.append(
                    f"{group.source}: {text} is pinned at {pin.version} in {group.lock}, "
                    "which it does not allow"
                )
    for name in sorted(locks[LOCK].keys() & locks[BUILD_LOCK].keys()):
        versions = {locks[LOCK][name].version, locks[BUILD_LOCK][name].version}
        if len(versions) > 1:
            problems.append(f"{name} is pinned at two versions: {' and '.join(sorted(versions))}")
    return problems


def compile_lock(uv: str, root: Path = ROOT, upgrade: bool = False) -> None:
    """Resolve build.txt and lock.txt with uv and record the requirements digest."""
    common = [
        "--generate-hashes",
        "--python-version",
        PYTHON_VERSION,
        "--python-platform",
        PLATFORM,
        "--custom-compile-command",
        "make lock",
        "--quiet",
        *(["--upgrade"] if upgrade else []),
    ]
    before = {path: _snapshot(root / path) for path in (BUILD_LOCK, LOCK)}
    build = [uv, "pip", "compile", str(BUILD_IN), "-o", str(BUILD_LOCK), *common]
    subprocess.run(build, cwd=root, check=True)
    runtime = [uv, "pip", "compile", "pyproject.toml"]
    for extra in EXTRAS:
        runtime += ["--extra", extra]
    runtime += ["-c", str(BUILD_LOCK), "-o", str(LOCK), *common]
    subprocess.run(runtime, cwd=root, check=True)
    path = root / LOCK
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith((DIGEST_PREFIX, "# target: "))
    ]
    header = 0
    while header < len(lines) and lines[header].startswith("#"):
        header += 1
    stamp = [TARGET_LINE, DIGEST_PREFIX + requirements_digest(root)]
    path.write_text("\n".join([*lines[:header], *stamp, *lines[header:]]) + "\n", encoding="utf-8")
    for name, (content, times) in before.items():
        # An unchanged lock keeps its modification time, so make does not reinstall .venv.
        if content is not None and (root / name).read_bytes() == content:
            os.utime(root / name, ns=times)


def _snapshot(path: Path) -> tuple[bytes | None, tuple[int, int]]:
    if not path.is_file():
        return None, (0, 0)
    stat = path.stat()
    return path.read_bytes(), (stat.st_atime_ns, stat.st_mtime_ns)


def extraneous(installed: Iterable[str], root: Path = ROOT) -> list[str]:
    """Installed distributions that neither lock pins (peerbench itself aside)."""
    pinned = read_pins(root / LOCK)[0].keys() | read_pins(root / BUILD_LOCK)[0].keys()
    return sorted({canonical_name(name) for name in installed} - pinned - {"peerbench"})


def prune(root: Path = ROOT) -> list[str]:
    """Uninstall from this interpreter's environment what the locks no longer pin, so an
    existing .venv ends up with exactly the locked set, as a fresh one does."""
    from importlib import metadata

    names = [dist.metadata["Name"] for dist in metadata.distributions()]
    unlocked = extraneous([name for name in names if name], root)
    if unlocked:
        uninstall = [sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes", *unlocked]
        subprocess.run(uninstall, check=True)
    return unlocked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("compile", help="refresh the lock files (make lock)")
    make.add_argument("--uv", default="uv", help="the uv executable")
    make.add_argument("--upgrade", action="store_true", help="newest fitting release of all")
    verify = commands.add_parser("check", help="fail when pyproject.toml and the lock disagree")
    verify.add_argument("--digest-only", action="store_true", help="standard library only")
    commands.add_parser("prune", help="uninstall what the locks do not pin (make install)")
    args = parser.parse_args(argv)
    if args.command == "prune":
        for name in prune():
            print(f"lock: uninstalled {name} (not in the lock)", file=sys.stderr)
        return 0
    if args.command == "compile":
        compile_lock(args.uv, upgrade=args.upgrade)
        problems = check()
    else:
        problems = check_digest() if args.digest_only else check()
    for problem in problems:
        print(f"lock: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
