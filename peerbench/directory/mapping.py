"""One service (and its organisation) of the standard as an Open Referral UK service.

Only organisation- and service-level facts are used: the ``organisation`` and
``service`` records. Nothing about participants is read. SPEC §15 lists the mapping.

Identifiers: Open Referral UK wants UUIDs. A service's ``open_referral_id`` is used when
it is one (the service is already listed in a directory under that id); every other id
is a name-based UUID (version 5) in :data:`NAMESPACE` of a fixed string made from the
standard's own ids, so the same pool gives the same ids on every run and anyone can
recompute them (``uuid5(NAMESPACE, "service:" + service_id)``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import (
    ConditionFocus,
    DeliveryFormat,
    FacilitatorModel,
    OrganisationType,
    Region,
    ServiceStructure,
    Setting,
)

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:peerbench:open-referral-uk")
"""The namespace of every derived UUID (``uuid5(NAMESPACE_URL, …)``, fixed forever)."""

TAXONOMY = "Peer Support Outcomes Standard"
"""Prefix of the ``taxonomy`` named on each taxonomy term (then the code list's name)."""

ONS_GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"
"""Base of the ONS linked-data URI of a region or nation (its GSS code follows)."""

REGION_GSS: dict[str, str] = {
    Region.NORTH_EAST: "E12000001",
    Region.NORTH_WEST: "E12000002",
    Region.YORKSHIRE: "E12000003",
    Region.EAST_MIDLANDS: "E12000004",
    Region.WEST_MIDLANDS: "E12000005",
    Region.EAST: "E12000006",
    Region.LONDON: "E12000007",
    Region.SOUTH_EAST: "E12000008",
    Region.SOUTH_WEST: "E12000009",
    Region.WALES: "W92000004",
    Region.SCOTLAND: "S92000003",
    Region.NORTHERN_IRELAND: "N92000002",
    Region.UK_WIDE: "K02000001",
}
"""ONS GSS code of each ``region`` code (English regions E12, nations, the UK K02)."""

SERVICE_ATTRIBUTES: tuple[tuple[str, type[CodeList]], ...] = (
    ("condition_focus", ConditionFocus),
    ("delivery_format", DeliveryFormat),
    ("facilitator_model", FacilitatorModel),
    ("structure", ServiceStructure),
    ("setting", Setting),
)
"""Coded service fields written as attributes (taxonomy terms), in this order."""

ORGANISATION_ATTRIBUTES: tuple[tuple[str, type[CodeList]], ...] = (
    ("organisation_type", OrganisationType),
)
"""Coded organisation fields written as attributes of the organisation."""


def derived_id(kind: str, *parts: str) -> str:
    """The name-based UUID of ``kind:part:part…`` in :data:`NAMESPACE`."""
    return str(uuid.uuid5(NAMESPACE, ":".join((kind, *parts))))


def service_uuid(service: Mapping[str, Any]) -> str:
    """The service's Open Referral id: its ``open_referral_id`` if a UUID, else derived."""
    listed = listed_uuid(service.get("open_referral_id"))
    return listed if listed is not None else derived_id("service", service["service_id"])


def listed_uuid(value: object) -> str | None:
    """``value`` in canonical UUID form, or None when it is not a UUID (or absent)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = uuid.UUID(value.strip())
    except ValueError:
        return None
    canonical = str(parsed)
    return canonical if canonical == value.strip().lower() else None


def _label(codes: type[CodeList], code: str) -> str:
    return codes(code).label


def taxonomy_term(codes: type[CodeList], code: str) -> dict[str, Any]:
    """The taxonomy term of one code: id, name (label), description, taxonomy, term."""
    return {
        "id": derived_id("taxonomy_term", codes.codelist_name(), code),
        "name": _label(codes, code),
        "description": codes.__codelist_description__,
        "taxonomy": f"{TAXONOMY}: {codes.codelist_name()}",
        "term": code,
    }


def _attributes(
    owner: str,
    owner_id: str,
    row: Mapping[str, Any],
    fields: tuple[tuple[str, type[CodeList]], ...],
) -> list[dict[str, Any]]:
    out = []
    for field, codes in fields:
        code = row.get(field)
        if code is None:
            continue
        term = taxonomy_term(codes, str(code))
        out.append(
            {
                "id": derived_id("attribute", owner, owner_id, field),
                "link_id": derived_id(owner, owner_id),
                "link_type": field,
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
            }
        )
    return out


def organization(organisation: Mapping[str, Any]) -> dict[str, Any]:
    """The Open Referral organisation of one ``organisation`` record."""
    org_id = str(organisation["organisation_id"])
    region = _label(Region, organisation["region"])
    kind = _label(OrganisationType, organisation["organisation_type"])
    return {
        "id": derived_id("organization", org_id),
        "name": organisation["name"],
        "description": f"{kind} providing peer support; mainly works in: {region}.",
        "organization_identifiers": [
            {
                "id": derived_id("organization_identifier", org_id),
                "organization_id": derived_id("organization", org_id),
                "identifier_type": f"{TAXONOMY} organisation_id",
                "identifier": org_id,
            }
        ],
        "attributes": _attributes("organization", org_id, organisation, ORGANISATION_ATTRIBUTES),
    }


def describe_service(service: Mapping[str, Any], organisation: Mapping[str, Any]) -> str:
    """A plain-English description made only from the service's coded fields."""
    condition = _label(ConditionFocus, service["condition_focus"]).lower()
    if service["condition_focus"] == ConditionFocus.HIV:
        condition = "HIV"
    parts = [
        f"Peer support for {condition}, run by {organisation['name']}.",
        f"{_label(ServiceStructure, service['structure'])}; mainly delivered as "
        f"{_label(DeliveryFormat, service['delivery_format']).lower()} support; "
        f"facilitated by {_label(FacilitatorModel, service['facilitator_model']).lower()}.",
    ]
    if service.get("setting") is not None:
        parts.append(f"Setting: {_label(Setting, service['setting']).lower()}.")
    start = service.get("start_date")
    if isinstance(start, dt.date):
        parts.append(f"Taking participants since {start.isoformat()}.")
    return " ".join(parts)


def service_area(service_id: str, region_code: str) -> dict[str, Any]:
    """The service area of a service: its organisation's region, with the ONS URI."""
    label = _label(Region, region_code)
    return {
        "id": derived_id("service_area", service_id),
        "service_id": derived_id("service", service_id),
        "name": label,
        "service_area": label,
        "uri": ONS_GEOGRAPHY + REGION_GSS[region_code],
    }


def oruk_service(service: Mapping[str, Any], organisation: Mapping[str, Any]) -> dict[str, Any]:
    """The fully nested Open Referral UK service of one ``service`` record.

    Args:
        service: A ``service`` record (the standard's field names).
        organisation: The ``organisation`` record of its ``organisation_id``.
    """
    service_id = str(service["service_id"])
    own_id = service_uuid(service)
    org = organization(organisation)
    area = service_area(service_id, organisation["region"])
    area["service_id"] = own_id
    attributes = _attributes("service", service_id, service, SERVICE_ATTRIBUTES)
    for attribute in attributes:
        attribute["link_id"] = own_id
    return {
        "id": own_id,
        "organization_id": org["id"],
        "name": service["name"],
        "description": describe_service(service, organisation),
        "status": "active",
        "service_areas": [area],
        "attributes": attributes,
        "organization": org,
    }


def cut_to_schema(document: Any, schema: Mapping[str, Any]) -> Any:
    """``document`` with only the fields ``schema`` lists, at every level it describes.

    A list schema (``service_list.json``) holds a service's one-to-one fields; cutting
    a fully nested service to it gives what a list endpoint answers with.
    """
    properties = schema.get("properties")
    if isinstance(document, Mapping) and isinstance(properties, Mapping):
        return {
            key: cut_to_schema(value, properties[key])
            for key, value in document.items()
            if key in properties
        }
    items = schema.get("items")
    if isinstance(document, list) and isinstance(items, Mapping):
        return [cut_to_schema(value, items) for value in document]
    return document
