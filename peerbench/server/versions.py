"""Which versions of the standard the server takes, and what it records when it migrates.

SPEC §8: the server stores everything in the current version. It accepts the current
minor version, and the previous minor version until ``Settings.previous_version_until``
(read against the server's one clock, ``ServerContext.today``). Files of the previous
minor are migrated at ingest: they are read into the current canonical tables (the
steps of :data:`peerbench.io.migrate.STEPS`; 1.1 → 1.2 changes no record) and
pooled with ``_standard_version`` set to the current version, while the submission
keeps the version it declared and its report carries a ``version-migrated`` note, so
lineage says which rows arrived as 1.1. Other majors are refused by the readers
(``version-unsupported``); a newer minor than the server's is refused here.
"""

from __future__ import annotations

import datetime as dt

from peerbench.io.migrate import chain
from peerbench.schema.version import (
    STANDARD_MAJOR,
    STANDARD_VERSION,
    parse_version,
    server_acceptance,
)
from peerbench.server.checked import Checked
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import Finding


def _same_major(version: str) -> bool:
    try:
        return parse_version(version)[0] == STANDARD_MAJOR
    except ValueError:
        return False


def check_versions(checked: Checked, *, today: dt.date, until: dt.date | None) -> str | None:
    """Add a finding for every file whose declared version the server does not store as sent.

    Returns:
        The previous minor version the submission declared when it is migrated at
        ingest, else None.
    """
    migrated: str | None = None
    findings: list[Finding] = []
    for file, declared in sorted(checked.versions.items()):
        verdict = server_acceptance(declared, today=today, until=until)
        if verdict.kind == "previous":
            chain(verdict.declared)  # a migration path exists (raises if a step is missing)
            migrated = verdict.declared
            stored = f"{STANDARD_VERSION} ({verdict.declared} is accepted until {until})"
            findings.append(
                finding("version-migrated", file=file, value=verdict.declared, detail=stored)
            )
        elif verdict.kind == "closed":
            closed = "it was last accepted" if until is None else str(until)
            findings.append(
                finding("version-window-closed", file=file, value=verdict.declared, detail=closed)
            )
        elif verdict.kind == "unsupported" and _same_major(verdict.declared):
            findings.append(finding("version-unsupported", file=file, value=verdict.declared))
    summaries = {s.file: s for s in checked.report.files}
    for item in findings:
        checked.report.extend([item], summaries.get(item.file or ""))
    return migrated


def declared_version(checked: Checked) -> str | None:
    """The oldest version a submission's files declared (None: none declared)."""
    declared = [v for v in checked.versions.values() if v is not None and _same_major(v)]
    return min(declared, key=parse_version) if declared else None
