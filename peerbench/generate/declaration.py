"""What a version of the standard declares, as plain data, and the frozen copy of each release.

A *declaration* is read from the generated artefacts (the files ``peerbench schema
generate`` writes: JSON Schemas, code lists, error catalogue, instrument definitions),
never typed by hand. The current version's declaration is made from the live models;
each released version's is stored in ``peerbench/schema/versions/<version>.json`` (made
from that release's generated ``schema/`` folder in git, see ``scripts/freeze_standard.py``)
so ``peerbench schema diff`` can compare versions this package no longer implements.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from peerbench.schema.version import RELEASES, STANDARD_VERSION, release_of

VERSIONS_PACKAGE = "peerbench.schema.versions"
_NOT_DECLARED = ("description", "title", "examples", "default")
"""JSON Schema annotations that document a field but declare nothing about its values."""


def snapshot_path(version: str, folder: Path | None = None) -> Path:
    """Where the frozen declaration of ``version`` lives (default: in this source tree)."""
    return (folder or Path(__file__).parents[1] / "schema" / "versions") / f"{version}.json"


def _field(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """One property schema without its annotations, code-list references named."""
    out: dict[str, Any] = {}
    for key, value in prop.items():
        if key in _NOT_DECLARED:
            continue
        if key == "$ref" and isinstance(value, str):
            target = defs.get(value.rsplit("/", 1)[-1], {})
            out["codelist"] = target.get("x-codelist", value)
        elif isinstance(value, dict):
            out[key] = _field(value, defs)
        elif isinstance(value, list):
            out[key] = [_field(v, defs) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def _record(schema: Mapping[str, Any]) -> dict[str, Any]:
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    fields = {
        name: {"required": name in required, **_field(prop, defs)}
        for name, prop in schema.get("properties", {}).items()
    }
    return {
        "file_stem": schema.get("x-file-stem"),
        "tier": schema.get("x-tier"),
        "primary_key": schema.get("x-primary-key", []),
        "rules": {text: True for text in schema.get("x-rules", [])},
        "fields": fields,
    }


def _bundle(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The bundle document's own keys (not the record arrays, declared by the records)."""
    required = set(schema.get("required", []))
    own = {
        name: {"required": name in required, **_field(prop, {})}
        for name, prop in schema.get("properties", {}).items()
        if prop.get("type") != "array"
    }
    return {"fields": own}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def declaration_from_files(files: Mapping[str, str], version: str) -> dict[str, Any]:
    """The declaration of ``version`` from its generated files (path under ``schema/`` → text)."""
    records: dict[str, Any] = {}
    codelists: dict[str, Any] = {}
    instruments: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    bundle: dict[str, Any] = {"fields": {}}
    for path in sorted(files):
        text = files[path]
        if path == "json/bundle.schema.json":
            bundle = _bundle(json.loads(text))
        elif path.startswith("json/") and path.endswith(".schema.json"):
            schema = json.loads(text)
            if "x-record-type" in schema:  # not the vocabulary's meta-schema
                records[schema["x-record-type"]] = _record(schema)
        elif path.startswith("codelists/") and path.endswith(".csv"):
            name = path.removeprefix("codelists/").removesuffix(".csv")
            codelists[name] = {
                row["code"]: {
                    "label": row.get("label", ""),
                    "synonyms": sorted(s for s in (row.get("synonyms") or "").split(";") if s),
                }
                for row in _csv(text)
            }
        elif path.startswith("instruments/") and path.endswith(".json"):
            definition = json.loads(text)
            instruments[definition["code"]] = definition
        elif path == "errors.csv":
            errors = {
                row["code"]: {k: v for k, v in row.items() if k != "code"} for row in _csv(text)
            }
    return {
        "standard_version": version,
        "records": records,
        "bundle": bundle,
        "codelists": codelists,
        "instruments": instruments,
        "errors": errors,
    }


def current_declaration() -> dict[str, Any]:
    """The declaration of the version this package implements, from the live models."""
    from peerbench.generate.artefacts import render_artefacts

    return declaration_from_files(render_artefacts(), STANDARD_VERSION)


def render_declaration(declaration: Mapping[str, Any]) -> str:
    """The stored form of a declaration (stable: sorted keys, one trailing newline)."""
    return json.dumps(declaration, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def load_declaration(version: str) -> dict[str, Any]:
    """The declaration of a released version (``"1.0"`` or ``"1.0.0"``).

    The current version is made from the live models; earlier ones are read from their
    frozen snapshots.

    Raises:
        ValueError: the version was never released.
    """
    release = release_of(version)
    if release == STANDARD_VERSION:
        return current_declaration()
    text = resources.files(VERSIONS_PACKAGE).joinpath(f"{release}.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def load_reviews(version: str) -> dict[tuple[str, ...], tuple[Any, str]]:
    """A release's reviewed changes (``versions/reviews.json``): path → (level, reason).

    Written by people, unlike the snapshots: each entry says why a change the rules
    call major (or minor) is judged otherwise for this release.
    """
    text = resources.files(VERSIONS_PACKAGE).joinpath("reviews.json").read_text("utf-8")
    entries = json.loads(text).get(release_of(version), [])
    return {tuple(e["path"]): (e["level"], e["reason"]) for e in entries}


def stale_snapshots(folder: Path | None = None) -> list[str]:
    """Releases whose stored snapshot is missing, or (the current one) differs from the models."""
    problems = []
    for release in RELEASES:
        path = snapshot_path(release, folder)
        if not path.is_file():
            problems.append(f"{path} (missing)")
        elif release == STANDARD_VERSION and path.read_text(encoding="utf-8") != render_declaration(
            current_declaration()
        ):
            problems.append(f"{path} (differs from the models)")
    return problems


def write_current_snapshot(folder: Path | None = None) -> Path:
    """Store the current version's declaration (``peerbench schema generate`` calls this)."""
    path = snapshot_path(STANDARD_VERSION, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_declaration(current_declaration()), encoding="utf-8")
    return path
