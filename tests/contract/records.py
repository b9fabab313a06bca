"""Valid records of every record type and systematic mutations of them, for the contract test.

Everything is deterministic: fixed values, fixed order. Mutations cover what the
strict contract is about (types, case, padding, labels and synonyms, local dates,
blank and empty text, nulls, item counts and answer ranges, unknown fields) plus rules
SPEC lists as beyond JSON Schema, whose verdicts are compared without those codes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from peerbench.schema.codelists import ALL_CODELISTS
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.instruments.registry import default_registry
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES

KEY = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"
Record = dict[str, Any]

BASES: dict[str, Record] = {
    "organisation": {
        "organisation_id": "org-1",
        "name": "Leeds Peer Network",
        "organisation_type": "charity",
        "region": "london",
    },
    "service": {
        "service_id": "svc-1",
        "organisation_id": "org-1",
        "name": "Hearing Voices Group",
        "condition_focus": "mental_health",
        "delivery_format": "group",
        "facilitator_model": "volunteer_peers",
        "structure": "structured_programme",
        "setting": "community",
        "start_date": "2021-04-01",
        "open_referral_id": "oruk-123",
    },
    "participant": {
        "participant_key": KEY,
        "service_id": "svc-1",
        "age_band": "35_44",
        "sex": "female",
        "consent_research": True,
        "ethnicity": "white_british",
        "deprivation_decile": 3,
        "primary_condition": "diabetes",
        "referral_source": "gp",
        "consent_quotes": False,
    },
    "engagement": {
        "participant_key": KEY,
        "service_id": "svc-1",
        "start_date": "2025-01-13",
        "end_reason": "completed",
        "end_date": "2025-04-14",
        "sessions_offered": 12,
        "sessions_attended": 9,
    },
    "service_use": {
        "participant_key": KEY,
        "service_id": "svc-1",
        "timepoint": "baseline",
        "recall_period_months": 3,
        "gp_appointments": 2,
        "ae_attendances": 0,
        "emergency_admissions": 0,
        "bed_days": 0,
        "outpatient_attendances": 1,
        "date_recorded": "2025-04-14",
    },
    "feedback": {
        "feedback_id": "fb-1",
        "service_id": "svc-1",
        "feedback_date": "2025-03-02",
        "themes": ["connection", "hope"],
        "consent_to_quote": True,
        "participant_key": KEY,
        "free_text": "I don't feel on my own with it any more.",
        "released_after_review": False,
    },
    "peer_worker": {
        "worker_key": "9b1d4e7f2a3c5d6e8f0a1b2c3d4e5f60",
        "service_id": "svc-1",
        "role": "volunteer",
        "start_date": "2024-09-02",
        "end_reason": "role_strain",
        "end_date": "2025-06-30",
        "hours_per_week": 6.5,
        "training_status": "completed",
        "training_hours": 30,
        "training_accredited": True,
        "supervision_type": "group",
        "supervision_frequency": "monthly",
        "lived_experience_focus": "mental_health",
    },
    "referral": {
        "participant_key": KEY,
        "service_id": "svc-1",
        "referral_date": "2025-01-06",
        "referral_route": "gp",
        "uptake": "started",
        "first_contact_date": "2025-01-13",
        "referral_channel": "electronic_system",
        "primary_condition": "diabetes",
        "deprivation_decile": 3,
    },
}


def outcome(definition: InstrumentDefinition, number: int) -> Record:
    """A valid outcome of ``definition``: every answer at the bottom of its range."""
    record: Record = {
        "record_id": f"m-{number}",
        "participant_key": KEY,
        "service_id": "svc-1",
        "instrument": definition.code,
        "timepoint": "baseline",
        "date_administered": "2025-01-13",
        "items": [item.min for item in definition.items()],
        "mode": "self_paper",
    }
    if definition.scoring.method.value == "licensed":
        record.update(licensed_score=55.0, items=None)
        del record["items"]
    return record


def valid_records(record_type: str) -> list[Record]:
    """The valid records of ``record_type`` the mutations start from."""
    if record_type != "outcome":
        return [copy.deepcopy(BASES[record_type])]
    records = [
        outcome(d, i) for i, d in enumerate(sorted(default_registry(), key=lambda d: d.code))
    ]
    worker = outcome(default_registry().get("SWEMWBS"), len(records))
    return [*records, {**worker, "subject": "peer_worker"}]  # a worker's own wellbeing (1.2)


_LABELS = {cls.codelist_name(): cls for cls in ALL_CODELISTS}
_DATES = ("31/12/2024", "2024-02-30", "2024-1-5", "20240105", "2024-01-05T00:00:00", "")
_TEXTS = ("", "   ", " padded ", "x" * 201)


def _code_spellings(record_type: str, field: str, code: str) -> list[str]:
    """Other spellings of ``code`` a lenient reader would accept: case, padding, label."""
    spellings = [code.upper(), f" {code} ", code.capitalize()]
    for cls in ALL_CODELISTS:
        if code in cls.codes():
            member = cls(code)
            spellings.extend([member.label, *member.synonyms[:1]])
            break
    return spellings


def _value_mutations(record_type: str, field: str, value: Any) -> Iterator[Any]:
    """Wrong or differently written values for one field."""
    yield None
    if isinstance(value, bool):
        yield from ("yes", "true", 1, 0, "1")
    elif isinstance(value, int):
        yield from (str(value), float(value) + 0.5, -1, 10**7, True)
    elif isinstance(value, float):
        yield from (str(value), -1.0, 101.0)
    elif isinstance(value, str) and (field.endswith("date") or field == "date_recorded"):
        yield from _DATES
    elif isinstance(value, str):
        yield from _TEXTS
        yield 12345
        yield from _code_spellings(record_type, field, value)
    elif isinstance(value, list) and field == "themes":
        yield from ([], ["Connection"], ["connection", "connection"], "connection;hope", [1])
    elif isinstance(value, list):
        yield from _item_mutations(value)


def _item_mutations(items: list[Any]) -> Iterator[Any]:
    yield items[:-1]
    yield [*items, items[-1]]
    yield []
    yield [None] * len(items)
    yield [*items[:-1], None]
    yield [str(items[0]), *items[1:]]
    yield [items[0] + 0.5, *items[1:]]
    yield [-1, *items[1:]]
    yield [*items[:-1], 11]
    yield [1001, *items[1:]]
    yield [True, *items[1:]]


def _rule_mutations(record_type: str, base: Record) -> Iterator[Record]:
    """Records breaking rules across fields (some JSON Schema states, some it cannot)."""
    if record_type == "engagement":
        yield {**base, "end_date": "2025-01-01"}  # date order: beyond JSON Schema
        yield {**base, "sessions_attended": 13}  # beyond JSON Schema
        yield {**base, "end_reason": "ongoing"}
        yield {**{k: v for k, v in base.items() if k != "end_date"}, "end_reason": "ongoing"}
        yield {k: v for k, v in base.items() if k != "end_date"}
    if record_type == "outcome":
        yield {**base, "timepoint": "other"}
        yield {**base, "timepoint": "other", "days_since_start": 40}
        yield {**base, "instrument": "NOTREAL"}  # registry: beyond JSON Schema
        yield {**base, "total_score": 999.0}  # scoring: beyond JSON Schema
        if "licensed_score" in base:
            yield {k: v for k, v in base.items() if k != "licensed_score"}
            yield {**base, "licensed_score": None}
            yield {**base, "items": [1] * 13}
            yield {**base, "licensed_level": 1}  # level vs score: beyond JSON Schema
    if record_type == "feedback":
        yield {**base, "consent_to_quote": False}
        yield {**base, "consent_to_quote": False, "free_text": "   "}
        yield {**base, "consent_to_quote": False, "free_text": None}


def mutations(record_type: str) -> Iterator[Record]:
    """Every valid record of ``record_type`` and its mutations, in a fixed order."""
    optional = {s.name for s in field_specs(RECORD_TYPES[record_type]) if not s.required}
    for base in valid_records(record_type):
        yield base
        yield {**base, "colour": "blue"}
        for field, value in base.items():
            yield {k: v for k, v in base.items() if k != field}
            for changed in _value_mutations(record_type, field, value):
                yield {**base, field: changed}
        for field in sorted(optional - set(base)):
            yield {**base, field: ""}
        yield from _rule_mutations(record_type, base)
