"""Outcome records as FHIR R4 ``QuestionnaireResponse`` resources (a Bundle or NDJSON).

The mapping (SPEC "FHIR R4"): ``record_id`` → ``identifier``; ``participant_key`` →
``subject.identifier``; ``instrument`` (and ``instrument_version``) → ``questionnaire``
(``urn:peerbench:questionnaire:CODE|VERSION``); ``date_administered`` → ``authored``;
items → ``item`` answers (``valueCoding`` for instruments with answer words, else
``valueInteger``; a missing item has no answer); ``total_score``, ``licensed_score``,
``licensed_level`` → items of those linkIds; ``service_id``, ``timepoint``,
``days_since_start`` and ``mode`` → peerbench extensions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from peerbench.aggregate.subjects import WORKER
from peerbench.fhir import naming
from peerbench.fhir.models import validation_errors
from peerbench.fhir.questionnaire import FhirModelError, item_table
from peerbench.schema.instruments import InstrumentDefinition, InstrumentRegistry


def _answer(definition: InstrumentDefinition, number: int, value: int) -> dict[str, Any]:
    _, options = item_table(definition)[number - 1]
    if options and value in options:
        system = naming.answer_system(definition.code)
        return {"valueCoding": {"system": system, "code": str(value), "display": options[value]}}
    return {"valueInteger": value}


def _extensions(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"url": naming.SERVICE_EXTENSION, "valueString": record["service_id"]},
        {"url": naming.TIMEPOINT_EXTENSION, "valueCode": str(record["timepoint"])},
    ]
    if record.get("days_since_start") is not None:
        out.append({"url": naming.DAYS_EXTENSION, "valueInteger": record["days_since_start"]})
    if record.get("mode") is not None:
        out.append({"url": naming.MODE_EXTENSION, "valueCode": str(record["mode"])})
    return out


def _date(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def response(record: Mapping[str, Any], registry: InstrumentRegistry) -> dict[str, Any]:
    """The QuestionnaireResponse of one outcome record (a canonical outcome row).

    Raises:
        KeyError: the record's instrument is not in ``registry``.
        FhirModelError: the resource fails the FHIR model (never expected).
    """
    definition = registry.get(str(record["instrument"]))
    canonical = naming.questionnaire_url(definition.code)
    if record.get("instrument_version"):
        canonical += f"|{record['instrument_version']}"
    items: list[dict[str, Any]] = []
    for number, value in enumerate(record.get("items") or [], start=1):
        item: dict[str, Any] = {"linkId": naming.item_link_id(number)}
        if value is not None:
            item["answer"] = [_answer(definition, number, int(value))]
        items.append(item)
    for link_id, kind in (
        (naming.TOTAL_SCORE, "valueDecimal"),
        (naming.LICENSED_SCORE, "valueDecimal"),
        (naming.LICENSED_LEVEL, "valueInteger"),
    ):
        if record.get(link_id) is not None:
            items.append({"linkId": link_id, "answer": [{kind: record[link_id]}]})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "extension": _extensions(record),
        "identifier": {"system": naming.RECORD_ID_SYSTEM, "value": record["record_id"]},
        "questionnaire": canonical,
        "status": "completed",
        "subject": {
            "identifier": {
                "system": naming.PARTICIPANT_KEY_SYSTEM,
                "value": record["participant_key"],
            }
        },
        "authored": _date(record["date_administered"]),
    }
    if items:
        resource["item"] = items
    errors = validation_errors(resource)
    if errors:
        raise FhirModelError(f"QuestionnaireResponse {record['record_id']}: " + "; ".join(errors))
    return resource


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": naming.entry_full_url(resource["identifier"]["value"]), "resource": resource}


def _check_envelope(full_urls: list[str]) -> None:
    # Each response is checked when it is made; the Bundle is checked without them
    # (Bundle.entry.resource is optional) rather than checking every response twice.
    envelope = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": url} for url in full_urls],
    }
    errors = validation_errors(envelope)
    if errors:
        raise FhirModelError("Bundle: " + "; ".join(errors))


def bundle(resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A ``collection`` Bundle of QuestionnaireResponses (fullUrls derived from record ids)."""
    entries = [_entry(resource) for resource in resources]
    _check_envelope([entry["fullUrl"] for entry in entries])
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def write_responses(
    records: Iterable[Mapping[str, Any]],
    registry: InstrumentRegistry,
    out: Path,
    *,
    ndjson: bool = False,
) -> int:
    """Write outcome records as QuestionnaireResponses: a Bundle, or NDJSON.

    Written as the records come (one response is held at a time), atomically: a
    failure leaves no partial file. A Bundle has one entry a line. A peer worker's own
    questionnaire (``subject = peer_worker``) is never written, whoever passes it.

    Returns:
        How many responses were written.
    """
    from peerbench.io.atomic import atomic_path

    full_urls: list[str] = []
    with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        head = '{"resourceType": "Bundle", "type": "collection"'
        for record in records:
            if record.get("subject") == WORKER:
                continue
            resource = response(record, registry)
            if ndjson:
                handle.write(json.dumps(resource, ensure_ascii=False) + "\n")
                full_urls.append("")
                continue
            entry = _entry(resource)
            handle.write(f'{head}, "entry": [\n' if not full_urls else ",\n")
            handle.write(json.dumps(entry, ensure_ascii=False))
            full_urls.append(entry["fullUrl"])
        if not ndjson:
            _check_envelope(full_urls)
            # FHIR JSON never has an empty array: a Bundle of nothing has no entry.
            handle.write("\n]}\n" if full_urls else head + "}\n")
    return len(full_urls)
