"""Reading FHIR JSON: a Bundle, a single resource, or NDJSON (one resource a line)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peerbench.fhir.findings import FhirFinding, finding


@dataclass
class Resources:
    """The resources of one file, each with its position (entry or line number, from 1).

    Attributes:
        unit: What a position counts: ``entry`` (Bundle), ``line`` (NDJSON) or ``resource``.
        items: (position, fullUrl or None, resource) in file order.
        findings: Problems that stopped the file (or a line) being read.
    """

    unit: str
    items: list[tuple[int, str | None, dict[str, Any]]] = field(default_factory=list)
    findings: list[FhirFinding] = field(default_factory=list)


def parse_text(text: str) -> Resources:
    """Resources from FHIR JSON text: a Bundle, one resource, or NDJSON."""
    stripped = text.lstrip("\ufeff").strip()
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError:
        return _ndjson(stripped)
    if not isinstance(document, dict) or "resourceType" not in document:
        return Resources(
            "resource", findings=[finding("fhir-input-invalid", detail="no resourceType")]
        )
    if document["resourceType"] != "Bundle":
        return Resources("resource", items=[(1, None, document)])
    entries = document.get("entry", [])
    out = Resources("entry")
    if not isinstance(entries, list):
        out.findings.append(finding("fhir-input-invalid", detail="Bundle.entry is not a list"))
        return out
    for position, item in enumerate(entries, start=1):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict):
            out.findings.append(
                finding("fhir-resource-invalid", index=position, detail="entry has no resource")
            )
            continue
        full_url = item.get("fullUrl")
        out.items.append((position, full_url if isinstance(full_url, str) else None, resource))
    return out


def _ndjson(text: str) -> Resources:
    out = Resources("line")
    for position, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as exc:
            if position == 1:
                detail = f"neither JSON nor NDJSON ({exc.msg} at line 1 column {exc.colno})"
                return Resources("line", findings=[finding("fhir-input-invalid", detail=detail)])
            out.findings.append(
                finding("fhir-resource-invalid", index=position, detail=f"not JSON: {exc.msg}")
            )
            continue
        if not isinstance(resource, dict):
            detail = "the line is not a JSON object"
            out.findings.append(finding("fhir-resource-invalid", index=position, detail=detail))
            continue
        out.items.append((position, None, resource))
    return out


def read_file(path: Path) -> Resources:
    """Resources from a FHIR JSON or NDJSON file.

    Raises:
        OSError: the file cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        detail = f"not UTF-8 ({exc.reason} at byte {exc.start})"
        return Resources("resource", findings=[finding("fhir-input-invalid", detail=detail)])
    return parse_text(text)
