"""Upgrade files written for an earlier minor version of the standard to the current one.

A migration is a chain of steps, one per release (:data:`STEPS`). 1.0.0 → 1.1.0 and
1.1.0 → 1.2.0 only add (SPEC §8 changelog): every older record is a newer record
unchanged, so each step rewrites the version a file declares and nothing else.
:func:`migrate_path` writes the whole result beside ``out`` and renames it into place
once every file has been checked to hold exactly what its source held (lossless), so
``out`` is either absent, the old folder, or the complete new one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from peerbench.io.atomic import fsync_directory
from peerbench.schema.version import (
    DESCRIPTOR_NAME,
    MANIFEST_NAME,
    PARQUET_VERSION_KEY,
    RELEASES,
    STANDARD_VERSION,
    parse_version,
    release_of,
)

TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".jsonl", ".ndjson", ".xlsx"})
"""Formats that cannot hold a version: the folder's ``peerbench.json`` declares it."""

STEPS: dict[str, tuple[str, str]] = {
    "1.0.0": ("1.1.0", "1.1 only adds: a 1.0 record is a 1.1 record unchanged"),
    "1.1.0": (
        "1.2.0",
        "1.2 only adds (workforce, referrals): a 1.1 record is a 1.2 record unchanged",
    ),
}
"""Release → (next release, what its step does to records)."""


class MigrationError(ValueError):
    """A file or folder cannot be migrated; the message says why and what to do."""


@dataclass(frozen=True)
class MigratedFile:
    """One file of a migration: its name, format, the versions and what was done."""

    name: str
    format: str
    from_version: str
    to_version: str
    action: str


def chain(from_version: str, to_version: str = STANDARD_VERSION) -> list[str]:
    """The releases a file passes through from ``from_version`` to ``to_version``.

    Raises:
        MigrationError: no path of steps (another major, an unreleased or newer version).
    """
    try:
        start, end = release_of(from_version), release_of(to_version)
    except ValueError as exc:
        raise MigrationError(str(exc)) from exc
    if parse_version(start) > parse_version(end):
        raise MigrationError(f"{start} is newer than {end}: a file is never migrated backwards")
    path = [start]
    while path[-1] != end:
        step = STEPS.get(path[-1])
        if step is None:
            raise MigrationError(
                f"no migration from {path[-1]} (a new major version is converted with the "
                "toolkit release that supports it)"
            )
        path.append(step[0])
    return path


def restamp_table(table: pa.Table, to_version: str = STANDARD_VERSION) -> pa.Table:
    """``table`` declaring ``to_version`` in its schema metadata (rows untouched)."""
    metadata = dict(table.schema.metadata or {})
    metadata[PARQUET_VERSION_KEY] = to_version.encode()
    return table.replace_schema_metadata(metadata)


def declared_version(path: Path) -> str | None:
    """The version a Parquet or JSON-bundle file declares itself (None: it does not)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        metadata = pq.read_schema(path).metadata or {}
        raw = metadata.get(PARQUET_VERSION_KEY)
        return None if raw is None else raw.decode()
    if suffix == ".json":
        data = _load_json(path)
        key = _VERSION_KEYS[path.name == DESCRIPTOR_NAME]
        if isinstance(data, dict) and data.get(key) is not None:
            return str(data[key])
    return None


_VERSION_KEYS = {False: "standard_version", True: "x-standard-version"}
"""Where a JSON file says its version: a bundle's own key, or the descriptor's extension."""


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MigrationError(f"{path.name} is not valid UTF-8 JSON ({exc})") from exc


def _without_version(data: dict[str, Any], key: str = "standard_version") -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    data = _load_json(path)
    if not isinstance(data, dict):
        raise MigrationError(f"{path} must be a JSON object with a standard_version")
    return data


def _migrate_file(
    source: Path, target: Path, folder_version: str | None, fallback: str
) -> MigratedFile:
    suffix = source.suffix.lower()
    steps = chain(declared_version(source) or folder_version or fallback)
    version, to = steps[0], steps[-1]
    if suffix == ".parquet":
        table = pq.read_table(source)
        pq.write_table(restamp_table(table, to), target)
        back = pq.read_table(target)
        if not back.equals(restamp_table(table, to), check_metadata=True):  # fields' too
            raise MigrationError(
                f"{source.name}: the rewritten Parquet file differs from its source"
            )
        action = "version metadata rewritten"
    elif suffix == ".json" and isinstance(original := _load_json(source), dict):
        key = _VERSION_KEYS[source.name == DESCRIPTOR_NAME]
        text = json.dumps({**original, key: to}, ensure_ascii=False, indent=1)
        target.write_text(text + "\n", encoding="utf-8")
        again = _load_json(target)
        if _without_version(again, key) != _without_version(original, key) or again[key] != to:
            raise MigrationError(f"{source.name}: the rewritten JSON differs from its source")
        action = f"{key} rewritten"
    else:
        shutil.copyfile(source, target)
        if target.read_bytes() != source.read_bytes():
            raise MigrationError(f"{source.name}: the copy differs from its source")
        data_file = suffix in TEXT_SUFFIXES or suffix == ".json"
        action = (
            "copied byte for byte; the manifest declares the version"
            if data_file
            else "copied unchanged (not a data file)"
        )
    kind = "descriptor" if source.name == DESCRIPTOR_NAME else suffix.lstrip(".") or "file"
    return MigratedFile(source.name, kind, version, to, action)


def _publish(staging: Path, out: Path, force: bool) -> None:
    """Rename the finished ``staging`` folder to ``out`` (replacing it with ``force``)."""
    old = None
    if out.exists():
        if not force:
            raise MigrationError(f"{out} exists; choose a new --out or pass --force to replace it")
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(staging, out)
    fsync_directory(out.parent)
    if old is not None:
        shutil.rmtree(old) if old.is_dir() else old.unlink()


def migrate_path(
    source: Path, out: Path, *, assume: str = RELEASES[0], force: bool = False
) -> list[MigratedFile]:
    """Upgrade a file or folder of standard files to the current version, into folder ``out``.

    Parquet files and JSON bundles declare their own version and get it rewritten;
    CSV, JSON Lines, Excel and JSON arrays are copied byte for byte and a
    ``peerbench.json`` manifest (keeping every other key of the source's) declares the
    current version for them. Other files are copied unchanged.

    Args:
        source: A file, or a folder (its files are migrated; sub-folders are not read).
        out: The folder to create.
        assume: The version of files that declare none (the manifest's, else this).
        force: Replace ``out`` if it exists.

    Raises:
        MigrationError: a file declares a version that cannot be migrated, is not
            readable, or its copy would not hold exactly what it held; ``out`` exists
            without ``force``. Nothing is written then.
    """
    source, out = source.resolve(), out.resolve()
    if out == source or source in out.parents:
        raise MigrationError("--out must be outside the source (migrate never edits in place)")
    folder = source if source.is_dir() else source.parent
    manifest = _manifest(folder)
    folder_version = manifest.get("standard_version")
    names = sorted(p for p in folder.iterdir() if p.is_file()) if source.is_dir() else [source]
    names = [p for p in names if p.name != MANIFEST_NAME]
    if not names:
        raise MigrationError(f"{source} holds no files to migrate")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        done = [
            _migrate_file(
                p, staging / p.name, None if folder_version is None else str(folder_version), assume
            )
            for p in names
        ]
        if manifest or any("manifest" in m.action for m in done):
            manifest = {**manifest, "standard_version": STANDARD_VERSION}
            text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
            (staging / MANIFEST_NAME).write_text(text, encoding="utf-8")
        _publish(staging, out, force)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return done
