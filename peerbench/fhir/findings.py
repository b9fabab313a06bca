"""Findings about FHIR input, located by resource (entry or line number, id) and linkId."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peerbench.validators.catalogue import Severity, entry


@dataclass(frozen=True)
class FhirFinding:
    """One problem in one resource.

    Attributes:
        code: A code of the error catalogue.
        severity: From the catalogue.
        message: Plain English, from the catalogue's template.
        index: The resource's position: Bundle entry number or NDJSON line, from 1.
        resource_id: The resource's ``id`` (or else its ``urn:peerbench:record-id``
            identifier), when it has one.
        link_id: The item the problem is about, when it is about one.
        value: The value at fault, as text.
    """

    code: str
    severity: Severity
    message: str
    index: int | None = None
    resource_id: str | None = None
    link_id: str | None = None
    value: str | None = None

    @property
    def hint(self) -> str:
        """How to fix it, from the catalogue."""
        return entry(self.code).hint

    def location(self, unit: str = "entry") -> str:
        """``entry 3 (id qr-1), linkId item_2``: where to look."""
        parts = []
        if self.index is not None:
            where = f"{unit} {self.index}"
            parts.append(f"{where} (id {self.resource_id})" if self.resource_id else where)
        if self.link_id is not None:
            parts.append(f"linkId {self.link_id}")
        return ", ".join(parts) or "file"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (as :meth:`peerbench.validators.report.Finding.to_dict`)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "index": self.index,
            "resource_id": self.resource_id,
            "link_id": self.link_id,
            "value": self.value,
        }


def finding(
    code: str,
    *,
    index: int | None = None,
    resource_id: str | None = None,
    link_id: str | None = None,
    column: str = "",
    value: object = None,
    detail: str = "",
) -> FhirFinding:
    """A finding of catalogue ``code``, its message filled from the template."""
    catalogued = entry(code)
    text = "" if value is None else str(value)
    message = catalogued.message.format(column=column, value=text, detail=detail)
    return FhirFinding(
        code, catalogued.severity, message, index, resource_id, link_id, text or None
    )
