"""The version of the Peer Support Outcomes Standard this package implements.

SPEC.md §8 says what each kind of release may change; :data:`RELEASES` lists every
released version (their declarations are frozen under ``peerbench/schema/versions/``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

STANDARD_VERSION = "1.2.0"
"""SemVer of the standard (not of the package). See SPEC.md "Versioning"."""

RELEASES = ("1.0.0", "1.1.0", "1.2.0")
"""Every released version of the standard, oldest first (the last is the current one)."""

STANDARD_MAJOR = int(STANDARD_VERSION.split(".")[0])

PARQUET_VERSION_KEY = b"peerbench.standard_version"
"""Parquet key-value metadata key that declares the standard version of a file."""

PARQUET_RECORD_TYPE_KEY = b"peerbench.record_type"
"""Parquet key-value metadata key that names the record type a file holds."""

_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$")


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.1.0"`` (or ``"1.1"``) as ``(1, 1, 0)``.

    Raises:
        ValueError: ``text`` is not a version.
    """
    match = _SEMVER.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a standard version (write it as 1.1.0 or 1.1)")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def release_of(text: str) -> str:
    """The released version ``text`` names (``"1.0"`` → ``"1.0.0"``).

    Raises:
        ValueError: not a version, or no release of that major.minor.
    """
    major, minor, _patch = parse_version(text)
    for release in reversed(RELEASES):
        if parse_version(release)[:2] == (major, minor):
            return release
    known = ", ".join(RELEASES)
    raise ValueError(f"standard version {text} was never released (released: {known})")


def minor_of(text: str) -> str:
    """``"1.1.0"`` → ``"1.1"``: the part of a version that names its schemas."""
    major, minor, _patch = parse_version(text)
    return f"{major}.{minor}"


Acceptance = Literal["current", "previous", "closed", "unsupported"]


@dataclass(frozen=True)
class Verdict:
    """Whether a server takes a file declaring ``declared``, and why.

    ``kind`` is ``current`` (this minor: stored as sent), ``previous`` (the previous
    minor inside its window: migrated to the current one at ingest), ``closed`` (the
    previous minor after its window) or ``unsupported`` (any other version).
    """

    declared: str
    kind: Acceptance
    until: dt.date | None = None

    @property
    def accepted(self) -> bool:
        """Whether the submission may go on to be stored."""
        return self.kind in ("current", "previous")


def previous_minor() -> str | None:
    """The release before the current minor in the same major, if there is one."""
    current = parse_version(STANDARD_VERSION)
    earlier = [r for r in RELEASES if parse_version(r)[0] == current[0]]
    older = [r for r in earlier if parse_version(r)[1] < current[1]]
    return older[-1] if older else None


def server_acceptance(declared: str | None, *, today: dt.date, until: dt.date | None) -> Verdict:
    """The server's rule (SPEC §8): the current minor always; the previous one until ``until``.

    ``declared`` is None for a submission that declares no version (read as the
    current one). ``until`` is the last day the previous minor is accepted (None: the
    window is closed). ``today`` is the caller's clock, so tests fix the day.
    """
    if declared is None:
        return Verdict(STANDARD_VERSION, "current")
    try:
        parsed = parse_version(declared)
    except ValueError:
        return Verdict(declared, "unsupported")
    if parsed[:2] == parse_version(STANDARD_VERSION)[:2]:
        return Verdict(declared, "current")
    previous = previous_minor()
    if previous is not None and parsed[:2] == parse_version(previous)[:2]:
        if until is not None and today <= until:
            return Verdict(declared, "previous", until)
        return Verdict(declared, "closed", until)
    return Verdict(declared, "unsupported")


MANIFEST_NAME = "peerbench.json"
"""A folder's manifest: ``{"standard_version": ...}`` speaks for its text files."""

DESCRIPTOR_NAME = "datapackage.json"
"""A folder's Frictionless descriptor (synth, prepare, extracts): it describes data, it is
not data; its ``x-standard-version`` names the standard its files follow."""


def manifest_as_of(folder: Path) -> dt.date | None:
    """The extract date ``folder/peerbench.json`` declares (``as_of``), if any.

    ``peerbench synth`` and ``prepare`` record it: the day the data run up to, which the
    workforce and access figures are measured at (who is in post, who is still waiting)
    unless the caller names another day. None without a manifest, or an unreadable one.
    """
    path = folder / MANIFEST_NAME
    try:
        value = json.loads(path.read_text(encoding="utf-8-sig")).get("as_of")
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return None
