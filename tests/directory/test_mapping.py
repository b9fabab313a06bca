"""The standard's organisation and service records as Open Referral UK objects."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import pytest

from peerbench.directory.export import page
from peerbench.directory.mapping import (
    NAMESPACE,
    REGION_GSS,
    SERVICE_ATTRIBUTES,
    derived_id,
    listed_uuid,
    organization,
    oruk_service,
    service_uuid,
)
from peerbench.directory.schemas import check_page
from peerbench.schema.codelists import ConditionFocus, OrganisationType, Region

ORGANISATION = {
    "organisation_id": "org-1",
    "name": "Riverside Peers",
    "organisation_type": "charity",
    "region": "north_west",
}


def _service(**changes: Any) -> dict[str, Any]:
    base = {
        "service_id": "svc-1",
        "organisation_id": "org-1",
        "name": "Riverside Walk and Talk",
        "condition_focus": "mental_health",
        "delivery_format": "group",
        "facilitator_model": "volunteer_peers",
        "structure": "ad_hoc",
        "setting": None,
        "start_date": None,
        "open_referral_id": None,
    }
    return base | changes


def test_ids_are_name_based_uuids_anyone_can_recompute() -> None:
    # Fixed forever: a directory re-imported after an upgrade keeps its ids.
    assert str(NAMESPACE) == "a9cdbb64-a8f6-52b6-b2f6-01151368a967"
    expected = str(uuid.uuid5(NAMESPACE, "service:svc-1"))
    assert expected == "aaaeefc8-a10e-5868-8a03-aaf891b8a997"
    assert service_uuid(_service()) == expected == derived_id("service", "svc-1")
    assert uuid.UUID(expected).version == 5
    org = organization(ORGANISATION)
    assert org["id"] == str(uuid.uuid5(NAMESPACE, "organization:org-1"))
    assert org["organization_identifiers"][0]["identifier"] == "org-1"


def test_a_listed_open_referral_id_is_kept() -> None:
    listed = "AC148810-D857-441C-9679-408F346DE14B"
    item = oruk_service(_service(open_referral_id=listed), ORGANISATION)
    assert item["id"] == listed.lower()
    assert {a["link_id"] for a in item["attributes"]} == {listed.lower()}
    assert item["service_areas"][0]["service_id"] == listed.lower()
    assert listed_uuid("ORUK-123") is None and listed_uuid("") is None
    assert listed_uuid("{ac148810-d857-441c-9679-408f346de14b}") is None  # not canonical
    assert service_uuid(_service(open_referral_id="ORUK-123")) == derived_id("service", "svc-1")


def test_a_service_with_no_optional_fields() -> None:
    item = oruk_service(_service(), ORGANISATION)
    assert [a["link_type"] for a in item["attributes"]] == [
        "condition_focus",
        "delivery_format",
        "facilitator_model",
        "structure",
    ]
    assert item["description"] == (
        "Peer support for mental health, run by Riverside Peers. Ad hoc / drop-in; mainly "
        "delivered as group support; facilitated by volunteer peers."
    )
    assert item["status"] == "active"
    assert item["service_areas"][0]["uri"].endswith("/E12000002")
    assert check_page(page([item]), "service") == []


def test_optional_fields_add_a_setting_and_a_start_date() -> None:
    item = oruk_service(
        _service(setting="primary_care", start_date=dt.date(2024, 3, 1)), ORGANISATION
    )
    assert item["attributes"][-1]["taxonomy_term"]["term"] == "primary_care"
    assert item["description"].endswith(
        "Setting: primary care / gp practice. Taking participants since 2024-03-01."
    )
    assert check_page(page([item]), "service") == []


def test_non_ascii_names_are_kept_as_written() -> None:
    org = ORGANISATION | {"name": "Cyfeillion Môn — Ffrindiau’r Ynys"}
    item = oruk_service(_service(name="Grŵp Cymorth Cymheiriaid ☕ Caffi Sgwrs"), org)
    assert item["name"] == "Grŵp Cymorth Cymheiriaid ☕ Caffi Sgwrs"
    assert item["organization"]["name"] == "Cyfeillion Môn — Ffrindiau’r Ynys"
    assert check_page(page([item]), "service") == []


def test_every_region_has_its_ons_code() -> None:
    assert set(REGION_GSS) == set(Region)
    assert len(set(REGION_GSS.values())) == len(Region)
    assert REGION_GSS[Region.LONDON] == "E12000007"


@pytest.mark.parametrize(("field", "codes"), SERVICE_ATTRIBUTES)
def test_every_code_of_every_mapped_list_gives_a_valid_service(field: str, codes: Any) -> None:
    items = [
        oruk_service(_service(service_id=f"svc-{code}", **{field: code}), ORGANISATION)
        for code in codes.codes()
    ]
    assert check_page(page(items), "service") == []
    terms = [next(a for a in i["attributes"] if a["link_type"] == field) for i in items]
    assert [t["taxonomy_term"]["term"] for t in terms] == codes.codes()
    assert [t["taxonomy_term"]["name"] for t in terms] == [codes(c).label for c in codes.codes()]


def test_every_organisation_type_and_region_gives_a_valid_organisation() -> None:
    items = []
    for kind, region in itertools.product(OrganisationType.codes(), Region.codes()):
        org = ORGANISATION | {"organisation_type": kind, "region": region}
        items.append(oruk_service(_service(service_id=f"{kind}-{region}"), org))
    assert check_page(page(items), "service") == []
    hiv = oruk_service(_service(condition_focus=ConditionFocus.HIV.value), ORGANISATION)
    assert hiv["description"].startswith("Peer support for HIV,")
