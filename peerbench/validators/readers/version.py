"""Which version of the standard a file declares, and whether this tool can read it.

Parquet files carry the version in their metadata; text formats have no place for it,
so a folder may hold a ``peerbench.json`` manifest (``{"standard_version": "1.0.0"}``)
that speaks for every file beside it. Versions are SemVer: only the major must match.
"""

from __future__ import annotations

import json
from pathlib import Path

from peerbench.schema.version import DESCRIPTOR_NAME, MANIFEST_NAME, STANDARD_MAJOR
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import Finding

__all__ = ["DESCRIPTOR_NAME", "MANIFEST_NAME", "NOT_DATA", "read_manifest"]

NOT_DATA = frozenset({MANIFEST_NAME, DESCRIPTOR_NAME})
"""JSON files in a folder of standard files that describe it rather than hold records."""


def read_manifest(folder: Path) -> tuple[str | None, Finding | None]:
    """The standard version declared by ``folder/peerbench.json``.

    Returns:
        ``(version, None)``; ``(None, None)`` when there is no manifest or it declares
        no version; ``(None, finding)`` when the manifest cannot be read.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        detail = f"the manifest is not valid JSON ({exc})"
        return None, finding("file-unreadable", file=str(path), detail=detail)
    if not isinstance(data, dict):
        detail = "the manifest must be a JSON object with a standard_version"
        return None, finding("file-unreadable", file=str(path), detail=detail)
    version = data.get("standard_version")
    return (None if version is None else str(version)), None


def version_finding(version: str | None, file: str) -> Finding | None:
    """``version-unsupported`` when ``version`` is given and its major differs from ours."""
    if version is None:
        return None
    major, _, _rest = version.strip().partition(".")
    if major.isdigit() and int(major) == STANDARD_MAJOR:
        return None
    return finding("version-unsupported", file=file, value=version)
