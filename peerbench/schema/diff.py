"""What changed between two versions of the standard, and what kind of release it needs.

Each change is classified by SPEC §8's rules: *major* when a file valid under the old
version could become invalid or change meaning (a field, code, instrument or catalogue
code removed; a field made required; a new rule; a severity raised; any change to a
type, range, pattern or scoring — read conservatively: a widening is also called major,
and a person may argue it down in the changelog); *minor* for additions that keep
every valid file valid (a field that is optional, a record type, a code, an instrument,
a catalogue code, an instrument's new declaration such as its answer words); *patch*
for wording (descriptions, messages, hints, labels, sources).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["major", "minor", "patch"]
Kind = Literal["added", "removed", "changed"]

LEVELS: tuple[Level, ...] = ("patch", "minor", "major")
_WORDING = frozenset(
    {"description", "title", "x-rule", "message", "hint", "name", "source", "licence",
     "notes", "note", "label", "synonyms", "x-tier"}
)  # fmt: skip
_KEYS_FROM = {"records": 4, "bundle": 3, "codelists": 3, "instruments": 2, "errors": 3}
"""Where a path stops naming things (record, field, code) and starts naming their keys."""
_SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}
_AREAS = {
    "records": "record type",
    "bundle": "bundle",
    "codelists": "code list",
    "instruments": "instrument",
    "errors": "catalogue code",
}


@dataclass(frozen=True)
class Change:
    """One difference between two declarations.

    ``path`` is where it is in the declaration (``("records", "outcome", "fields",
    "mode")``); ``before``/``after`` are the old and new values (None when absent).
    """

    path: tuple[str, ...]
    kind: Kind
    before: Any
    after: Any
    level: Level
    reviewed: str | None = None
    """Why a person set ``level`` instead of the rules (``versions/reviews.json``)."""

    @property
    def area(self) -> str:
        """The part of the standard: record type, code list, instrument, catalogue code, bundle."""
        return _AREAS.get(self.path[0], self.path[0])

    @property
    def subject(self) -> str:
        """What changed, in words: ``field outcome.mode``, ``code sex.intersex``, ..."""
        p = self.path
        if p[0] == "records" and len(p) >= 4 and p[2] == "fields":
            return f"field {p[1]}.{p[3]}" + "".join(f" {x}" for x in p[4:])
        if p[0] == "records" and len(p) >= 4 and p[2] == "rules":
            return f"rule of {p[1]}: {p[3]}"
        if p[0] == "bundle" and len(p) >= 3:
            return f"bundle key {p[2]}" + "".join(f" {x}" for x in p[3:])
        if p[0] == "codelists" and len(p) >= 3:
            return f"code {p[1]}.{p[2]}" + "".join(f" {x}" for x in p[3:])
        head = f"{self.area} {p[1]}" if len(p) > 1 else self.area
        return head + "".join(f" {x}" for x in p[2:])

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``peerbench schema diff --format json``)."""
        return {
            "level": self.level,
            "kind": self.kind,
            "area": self.area,
            "subject": self.subject,
            "path": list(self.path),
            "before": self.before,
            "after": self.after,
            "reviewed": self.reviewed,
        }


def _walk(
    a: Any, b: Any, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Kind, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            here = (*path, str(key))
            if key not in a:
                yield here, "added", None, b[key]
            elif key not in b:
                yield here, "removed", a[key], None
            else:
                yield from _walk(a[key], b[key], here)
    elif a != b:
        yield path, "changed", a, b


def _level(path: tuple[str, ...], kind: Kind, before: Any, after: Any) -> Level:
    area, depth = path[0], len(path)
    if any(part in _WORDING for part in path[_KEYS_FROM[area] :]):
        return "patch"
    if area == "errors" and depth >= 3 and path[2] == "severity":
        raised = _SEVERITY_RANK.get(str(after), 2) > _SEVERITY_RANK.get(str(before), 2)
        return "major" if raised else "minor"
    if area == "errors" and depth >= 3:
        return "patch"
    if area in ("records", "bundle") and path[-1] == "required" and kind == "changed":
        return "major" if after else "minor"
    if area in ("records", "bundle") and depth == 4 - (area == "bundle") and kind == "added":
        is_field = path[-2] == "fields"
        required = isinstance(after, dict) and bool(after.get("required"))
        return "major" if (is_field and required) or path[-2] == "rules" else "minor"
    if area == "records" and depth == 4 and path[2] == "rules" and kind == "removed":
        return "minor"
    if area == "records" and depth == 2:
        return "minor" if kind == "added" else "major"
    if area == "instruments" and "response_labels" in path and kind == "added":
        return "minor"
    if kind == "added" and (depth == 2 or area in ("instruments", "codelists")):
        return "minor"  # a code list, code, catalogue code, instrument or declaration key
    return "major"


Reviews = Mapping[tuple[str, ...], tuple[Level, str]]
"""Path of a change → the level a person judged it to be, and why."""


def diff_declarations(
    old: Mapping[str, Any], new: Mapping[str, Any], reviews: Reviews | None = None
) -> list[Change]:
    """Every change from ``old`` to ``new`` (both from :mod:`peerbench.generate.declaration`).

    ``reviews`` overrides the rules' level of the changes at those paths (the rules read
    conservatively; a reviewer may judge e.g. a schema stating a rule the validator
    already enforced to be minor, and must say why).
    """
    changes = []
    for area in _AREAS:
        for path, kind, before, after in _walk(old.get(area, {}), new.get(area, {}), (area,)):
            level, why = (reviews or {}).get(path, (_level(path, kind, before, after), None))
            changes.append(Change(path, kind, before, after, level, why))
    return changes


def release_level(changes: list[Change]) -> Level | None:
    """The least kind of release that may carry ``changes`` (None when nothing changed)."""
    if not changes:
        return None
    return max((c.level for c in changes), key=LEVELS.index)
