"""Findings about FHIR input, located by resource (entry or line number, id) and linkId.

A :class:`FhirFinding` is a :class:`peerbench.validators.report.Finding` (code,
severity, message, value, the catalogue's hint) whose place is a resource rather than
a spreadsheet row: the row-based ``file``, ``row`` and ``column`` stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peerbench.validators.catalogue import entry
from peerbench.validators.report import Finding

_ROW_PLACES = ("file", "row", "column")
""":class:`Finding` fields that locate a spreadsheet cell: not part of a FHIR finding."""


@dataclass(frozen=True, kw_only=True)
class FhirFinding(Finding):
    """One problem in one resource.

    Attributes:
        index: The resource's position: Bundle entry number or NDJSON line, from 1.
        resource_id: The resource's ``id`` (or else its ``urn:peerbench:record-id``
            identifier), when it has one.
        link_id: The item the problem is about, when it is about one.
    """

    index: int | None = None
    resource_id: str | None = None
    link_id: str | None = None

    @classmethod
    def at(
        cls,
        found: Finding,
        *,
        index: int | None = None,
        resource_id: str | None = None,
        link_id: str | None = None,
    ) -> FhirFinding:
        """``found`` (its code, severity, message and value) located in a resource."""
        return cls(
            code=found.code,
            severity=found.severity,
            message=found.message,
            value=found.value,
            index=index,
            resource_id=resource_id,
            link_id=link_id,
        )

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
        """:meth:`Finding.to_dict` with the resource's place instead of the row's."""
        out = {k: v for k, v in super().to_dict().items() if k not in _ROW_PLACES}
        value = out.pop("value")
        return {
            **out,
            "index": self.index,
            "resource_id": self.resource_id,
            "link_id": self.link_id,
            "value": value,
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
        code=code,
        severity=catalogued.severity,
        message=message,
        value=text or None,
        index=index,
        resource_id=resource_id,
        link_id=link_id,
    )
