"""FHIR ``QuestionnaireResponse``s in, the standard's outcome records out.

Each completed response becomes one outcome record (the reverse of
:mod:`peerbench.fhir.responses`). The participant is taken only from an identifier in a
declared system (default ``urn:peerbench:participant-key``) on ``subject`` or on the
Patient ``subject`` references inside the Bundle; names and other Patient details are
never read. Every problem is a catalogued finding located by entry (or line), resource
id and linkId; the records then go through the standard's own record checks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peerbench.fhir import naming
from peerbench.fhir.findings import FhirFinding, finding
from peerbench.fhir.models import validation_errors
from peerbench.fhir.questionnaire import item_table, licensed_levels
from peerbench.fhir.reading import Resources, read_file
from peerbench.schema.instruments import InstrumentDefinition, InstrumentRegistry
from peerbench.validators.catalogue import Severity

_KEY = re.compile(r"^[0-9a-f]{32}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_IMPORTED_STATUSES = frozenset({"completed", "amended"})


@dataclass(frozen=True)
class ImportOptions:
    """Choices for reading responses.

    Attributes:
        subject_system: Identifier system that holds the pseudonymous participant key.
        service_id: Service of every response that has no service extension.
        timepoint: Timepoint of every response that has no timepoint extension.
        today: Dates after this are in the future (default: today).
    """

    subject_system: str = naming.PARTICIPANT_KEY_SYSTEM
    service_id: str | None = None
    timepoint: str | None = None
    today: dt.date | None = None


@dataclass
class ImportResult:
    """Outcome records read, and what was wrong."""

    unit: str
    records: list[dict[str, Any]] = field(default_factory=list)
    findings: list[FhirFinding] = field(default_factory=list)
    responses: int = 0

    @property
    def valid(self) -> bool:
        """No error findings."""
        return not any(f.severity is Severity.ERROR for f in self.findings)


@dataclass
class _Context:
    index: int
    resource_id: str | None
    findings: list[FhirFinding]

    def add(self, code: str, **kwargs: Any) -> None:
        self.findings.append(
            finding(code, index=self.index, resource_id=self.resource_id, **kwargs)
        )


def _extension(resource: dict[str, Any], url: str, kind: str) -> Any:
    for ext in resource.get("extension", []):
        if ext.get("url") == url:
            return ext.get(kind)
    return None


def _patients(resources: Resources) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for _, full_url, resource in resources.items:
        if resource.get("resourceType") == "Patient":
            if full_url:
                out[full_url] = resource
            if resource.get("id"):
                out[f"Patient/{resource['id']}"] = resource
    return out


def _subject(
    resource: dict[str, Any], patients: dict[str, dict[str, Any]], system: str
) -> str | None:
    subject = resource.get("subject") or {}
    identifiers = [subject.get("identifier") or {}]
    patient = patients.get(str(subject.get("reference")))
    if patient is not None:
        identifiers += patient.get("identifier", [])
    for identifier in identifiers:
        if identifier.get("system") == system and identifier.get("value"):
            return str(identifier["value"])
    return None


def _instrument(
    canonical: str, registry: InstrumentRegistry, ctx: _Context
) -> tuple[InstrumentDefinition, str | None] | None:
    url, _, version = canonical.partition("|")
    code = url.removeprefix(naming.QUESTIONNAIRE_BASE)
    if url.startswith(naming.QUESTIONNAIRE_BASE) and code in registry:
        return registry.get(code), version or None
    known = ", ".join(registry.codes())
    ctx.add("fhir-questionnaire-unknown", value=canonical or "(none)", detail=f" ({known})")
    return None


def _item_answer(
    definition: InstrumentDefinition, number: int, answer: dict[str, Any], ctx: _Context
) -> int | None:
    item, options = item_table(definition)[number - 1]
    link_id = naming.item_link_id(number)
    if options:
        coding = answer.get("valueCoding") or {}
        code = str(coding.get("code", ""))
        system = coding.get("system", naming.answer_system(definition.code))
        ours = system == naming.answer_system(definition.code)
        if ours and code.isdigit() and int(code) in options:
            return int(code)
        allowed = ", ".join(f"{c} {w}" for c, w in options.items())
        shown = code or ", ".join(sorted(answer))
        ctx.add(
            "fhir-answer-invalid",
            link_id=link_id,
            column=link_id,
            value=shown,
            detail=f"expected a valueCoding of {naming.answer_system(definition.code)}: {allowed}",
        )
        return None
    value = answer.get("valueInteger")
    if isinstance(value, int) and item.min <= value <= item.max:
        return value
    ctx.add(
        "fhir-answer-invalid",
        link_id=link_id,
        column=link_id,
        value=value if value is not None else ", ".join(sorted(answer)),
        detail=f"expected a valueInteger from {item.min} to {item.max}",
    )
    return None


def _score(link_id: str, answer: dict[str, Any], definition: InstrumentDefinition) -> Any:
    if link_id == naming.LICENSED_LEVEL:
        value = answer.get("valueInteger")
        return (
            value if isinstance(value, int) and 1 <= value <= licensed_levels(definition) else None
        )
    value = answer.get("valueDecimal", answer.get("valueInteger"))
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _answers(
    resource: dict[str, Any], definition: InstrumentDefinition, ctx: _Context
) -> dict[str, Any]:
    """linkId → value for the answered items; problems are added to ``ctx``."""
    score_ids = {naming.TOTAL_SCORE}
    if definition.scoring.method.value == "licensed":
        score_ids |= {naming.LICENSED_SCORE, naming.LICENSED_LEVEL}
    item_ids = {naming.item_link_id(n): n for n in range(1, definition.item_count + 1)}
    out: dict[str, Any] = {}
    for item in resource.get("item", []):
        link_id = str(item.get("linkId"))
        answers = item.get("answer", [])
        if (link_id not in item_ids and link_id not in score_ids) or item.get("item"):
            detail = f"{definition.code} ({naming.questionnaire_url(definition.code)})"
            ctx.add("fhir-linkid-unknown", link_id=link_id, value=link_id, detail=detail)
            continue
        if link_id in out:
            ctx.add(
                "fhir-answer-invalid",
                link_id=link_id,
                column=link_id,
                value="(repeated)",
                detail="the item appears more than once",
            )
            continue
        out[link_id] = None
        if len(answers) > 1:
            ctx.add(
                "fhir-answer-invalid",
                link_id=link_id,
                column=link_id,
                value=f"{len(answers)} answers",
                detail="an item takes one answer",
            )
        elif answers and link_id in item_ids:
            out[link_id] = _item_answer(definition, item_ids[link_id], answers[0], ctx)
        elif answers:
            out[link_id] = _score(link_id, answers[0], definition)
            if out[link_id] is None:
                ctx.add(
                    "fhir-answer-invalid",
                    link_id=link_id,
                    column=link_id,
                    value=", ".join(f"{k}={v}" for k, v in answers[0].items()),
                    detail="expected a number in the item's range",
                )
    return out


def _record(
    resource: dict[str, Any],
    patients: dict[str, dict[str, Any]],
    registry: InstrumentRegistry,
    options: ImportOptions,
    ctx: _Context,
) -> dict[str, Any] | None:
    before = len(ctx.findings)
    found = _instrument(str(resource.get("questionnaire", "")), registry, ctx)
    key = _subject(resource, patients, options.subject_system)
    if key is None:
        ctx.add("fhir-subject-missing", detail=options.subject_system)
    elif not _KEY.match(key):
        ctx.add("fhir-subject-invalid", value=key)
    authored = str(resource.get("authored", ""))
    if not _DATE.match(authored):
        detail = f" ('{authored}' is not a full date)" if authored else ""
        ctx.add("fhir-date-missing", detail=detail)
    identifier = resource.get("identifier") or {}
    record_id = (
        identifier.get("value") if identifier.get("system") == naming.RECORD_ID_SYSTEM else None
    ) or resource.get("id")
    service = _extension(resource, naming.SERVICE_EXTENSION, "valueString") or options.service_id
    timepoint = _extension(resource, naming.TIMEPOINT_EXTENSION, "valueCode") or options.timepoint
    for name, value, where in (
        ("record id", record_id, f"identifier in {naming.RECORD_ID_SYSTEM}, or an id"),
        ("service", service, f"extension {naming.SERVICE_EXTENSION}, or --service-id"),
        ("timepoint", timepoint, f"extension {naming.TIMEPOINT_EXTENSION}, or --timepoint"),
    ):
        if not value:
            ctx.add("fhir-field-missing", column=name, detail=f" ({where})")
    if found is None:
        return None
    definition, version = found
    answers = _answers(resource, definition, ctx)
    if len(ctx.findings) > before:
        return None
    numbers = range(1, definition.item_count + 1)
    items = [answers.get(naming.item_link_id(n)) for n in numbers]
    any_item = any(naming.item_link_id(n) in answers for n in numbers)
    record: dict[str, Any] = {
        "record_id": record_id,
        "participant_key": key,
        "service_id": service,
        "instrument": definition.code,
        "timepoint": timepoint,
        "date_administered": authored[:10],
        "items": items if any_item else None,
        "instrument_version": version,
        "days_since_start": _extension(resource, naming.DAYS_EXTENSION, "valueInteger"),
        "mode": _extension(resource, naming.MODE_EXTENSION, "valueCode"),
        "total_score": answers.get(naming.TOTAL_SCORE),
        "licensed_score": answers.get(naming.LICENSED_SCORE),
        "licensed_level": answers.get(naming.LICENSED_LEVEL),
    }
    return {name: value for name, value in record.items() if value is not None}


def _name(resource: dict[str, Any]) -> str | None:
    """The resource's ``id``, or else its record-id identifier, to say where a problem is."""
    identifier = resource.get("identifier")
    if resource.get("id") or not isinstance(identifier, dict):
        return resource.get("id")
    value = identifier.get("value")
    return str(value) if identifier.get("system") == naming.RECORD_ID_SYSTEM and value else None


def import_resources(
    resources: Resources, registry: InstrumentRegistry, options: ImportOptions | None = None
) -> ImportResult:
    """Outcome records from the QuestionnaireResponses among ``resources``.

    Resources of other types are not outcomes and are skipped (Patients are read only for
    the subject identifier).
    """
    from peerbench.validators.record_engine import validate_records

    options = options or ImportOptions()
    result = ImportResult(resources.unit, findings=list(resources.findings))
    patients = _patients(resources)
    located: list[_Context] = []
    for index, _, resource in resources.items:
        if resource.get("resourceType") != "QuestionnaireResponse":
            continue
        result.responses += 1
        ctx = _Context(index, _name(resource), result.findings)
        errors = validation_errors(resource)
        if errors:
            ctx.add("fhir-resource-invalid", detail="; ".join(errors))
            continue
        if resource.get("status") not in _IMPORTED_STATUSES:
            ctx.add("fhir-response-skipped", value=resource.get("status"))
            continue
        record = _record(resource, patients, registry, options, ctx)
        if record is not None:
            result.records.append(record)
            located.append(ctx)
    if result.responses == 0 and not resources.findings:
        result.findings.append(
            finding("fhir-input-invalid", detail="it holds no QuestionnaireResponse")
        )
    checked = validate_records(
        "outcome", result.records, first_row=1, today=options.today, registry=registry
    )
    for problem in checked:
        where = located[problem.row - 1] if problem.row else None
        result.findings.append(
            FhirFinding.at(
                problem,
                index=where.index if where else None,
                resource_id=where.resource_id if where else None,
                link_id=problem.column,
            )
        )
    return result


def import_file(
    path: Path, registry: InstrumentRegistry, options: ImportOptions | None = None
) -> ImportResult:
    """Outcome records from a FHIR Bundle, single-resource or NDJSON file."""
    return import_resources(read_file(path), registry, options)
