"""The errors each file receives: a list of :class:`ErrorKind` per record type.

Errors that would leave other rows pointing at nothing (a changed organisation id,
service id or participant key in ``participants``) are made on appended copies. The
outcome file keeps its exact row count: its duplicate ``record_id`` copies an earlier
row's id in place (nothing refers to record ids). In
``outcomes`` the errors that move or re-key a row only touch follow-ups, so no clean
follow-up loses its baseline. Errors go into participants' questionnaires only (the
generator injects them before it appends peer workers' own rows). A peer worker's key or
service is changed on an appended copy, so the worker's own questionnaires still match.
"""

from __future__ import annotations

from peerbench.synth import outcome_errors as oe
from peerbench.synth.error_makers import (
    bad_key,
    both,
    constant,
    date_order,
    earlier_key,
    earlier_than,
    equals,
    future,
    invalid_org_id,
    not_first,
    out_of_range,
    present,
    same,
    too_many_attended,
    typo,
    unknown,
    with_identifier,
)
from peerbench.synth.errors import ErrorKind

FOLLOW_UP = equals("timepoint", "baseline", negate=True)

CATALOGUE: dict[str, list[ErrorKind]] = {
    "organisation": [
        ErrorKind("required-missing", "name", constant("name", "")),
        ErrorKind("code-invalid", "organisation_type", typo("organisation", "organisation_type")),
        ErrorKind("code-invalid", "region", typo("organisation", "region")),
        ErrorKind("identifier-detected", "name", with_identifier("name")),
        ErrorKind("duplicate-key", "organisation_id", same("organisation_id"), append=True),
        ErrorKind("pattern-invalid", "organisation_id", invalid_org_id, append=True),
    ],
    "service": [
        ErrorKind("required-missing", "name", constant("name", "")),
        ErrorKind("code-invalid", "condition_focus", typo("service", "condition_focus")),
        ErrorKind("code-invalid", "delivery_format", typo("service", "delivery_format")),
        ErrorKind("code-invalid", "structure", typo("service", "structure")),
        ErrorKind("date-in-future", "start_date", future("start_date"), present("start_date")),
        ErrorKind("unknown-reference", "organisation_id", unknown("organisation_id")),
        ErrorKind("identifier-detected", "name", with_identifier("name")),
        ErrorKind("duplicate-key", "service_id", same("service_id"), append=True),
    ],
    "participant": [
        ErrorKind("code-invalid", "age_band", typo("participant", "age_band")),
        ErrorKind(
            "code-invalid", "ethnicity", typo("participant", "ethnicity"), present("ethnicity")
        ),
        ErrorKind(
            "out-of-range",
            "deprivation_decile",
            out_of_range("participant", "deprivation_decile"),
            present("deprivation_decile"),
        ),
        ErrorKind("required-missing", "sex", constant("sex", "")),
        ErrorKind("duplicate-key", "participant_key", same("participant_key"), append=True),
        ErrorKind("pattern-invalid", "participant_key", bad_key("participant_key"), append=True),
        ErrorKind("unknown-reference", "service_id", unknown("service_id"), append=True),
    ],
    "engagement": [
        ErrorKind("date-order", "end_date", date_order, present("end_date")),
        ErrorKind(
            "sessions-exceed-offered",
            "sessions_attended",
            too_many_attended,
            both(present("sessions_offered"), present("sessions_attended")),
        ),
        ErrorKind("date-in-future", "end_date", future("end_date"), present("end_date")),
        ErrorKind(
            "code-invalid", "end_reason", typo("engagement", "end_reason"), present("end_date")
        ),
        ErrorKind(
            "out-of-range",
            "sessions_offered",
            out_of_range("engagement", "sessions_offered", above_only=True),
            present("sessions_offered"),
        ),
        ErrorKind("unknown-reference", "service_id", unknown("service_id")),
        ErrorKind("pattern-invalid", "participant_key", bad_key("participant_key")),
        ErrorKind("duplicate-key", "participant_key", same("participant_key"), append=True),
    ],
    "outcome": [
        ErrorKind("item-out-of-range", "items", oe.item_out_of_range, oe.has_items),
        ErrorKind("too-many-missing-items", "items", oe.blank_items, oe.can_lose_items),
        ErrorKind("required-missing", "items", constant("items", None), oe.has_items),
        ErrorKind("total-mismatch", "total_score", oe.wrong_total, present("total_score")),
        ErrorKind(
            "pam-level-mismatch", "licensed_level", oe.wrong_level, present("licensed_level")
        ),
        ErrorKind(
            "follow-up-before-baseline", "date_administered", oe.before_baseline, oe.after_baseline
        ),
        ErrorKind("date-in-future", "date_administered", future("date_administered"), FOLLOW_UP),
        ErrorKind("code-invalid", "timepoint", typo("outcome", "timepoint"), FOLLOW_UP),
        ErrorKind("code-invalid", "mode", typo("outcome", "mode"), present("mode")),
        ErrorKind(
            "out-of-range",
            "days_since_start",
            out_of_range("outcome", "days_since_start"),
            FOLLOW_UP,
        ),
        ErrorKind("pattern-invalid", "participant_key", bad_key("participant_key"), FOLLOW_UP),
        ErrorKind("unknown-reference", "participant_key", unknown("participant_key"), FOLLOW_UP),
        ErrorKind("unknown-reference", "service_id", unknown("service_id"), FOLLOW_UP),
        ErrorKind("duplicate-key", "record_id", earlier_key("record_id"), not_first),
    ],
    "service_use": [
        ErrorKind(
            "out-of-range",
            "recall_period_months",
            out_of_range("service_use", "recall_period_months"),
        ),
        ErrorKind(
            "out-of-range",
            "bed_days",
            out_of_range("service_use", "bed_days", above_only=True),
            present("bed_days"),
        ),
        ErrorKind(
            "date-in-future", "date_recorded", future("date_recorded"), present("date_recorded")
        ),
        ErrorKind("unknown-reference", "participant_key", unknown("participant_key")),
        ErrorKind("pattern-invalid", "participant_key", bad_key("participant_key")),
        ErrorKind("duplicate-key", "participant_key", same("participant_key"), append=True),
    ],
    "feedback": [
        ErrorKind(
            "identifier-detected",
            "free_text",
            with_identifier("free_text"),
            equals("consent_to_quote", True),
        ),
        ErrorKind("code-invalid", "themes", typo("feedback", "themes")),
        ErrorKind("required-missing", "themes", constant("themes", [])),
        ErrorKind("date-in-future", "feedback_date", future("feedback_date")),
        ErrorKind("unknown-reference", "service_id", unknown("service_id")),
        ErrorKind(
            "pattern-invalid",
            "participant_key",
            bad_key("participant_key"),
            present("participant_key"),
        ),
        ErrorKind("duplicate-key", "feedback_id", same("feedback_id"), append=True),
    ],
    "peer_worker": [
        ErrorKind("date-order", "end_date", date_order, present("end_date")),
        ErrorKind("code-invalid", "role", typo("peer_worker", "role")),
        ErrorKind(
            "code-invalid",
            "supervision_frequency",
            typo("peer_worker", "supervision_frequency"),
            present("supervision_frequency"),
        ),
        ErrorKind(
            "out-of-range",
            "hours_per_week",
            out_of_range("peer_worker", "hours_per_week", above_only=True),
            present("hours_per_week"),
        ),
        ErrorKind("required-missing", "role", constant("role", "")),
        ErrorKind("unknown-reference", "service_id", unknown("service_id"), append=True),
        ErrorKind("pattern-invalid", "worker_key", bad_key("worker_key"), append=True),
        ErrorKind("duplicate-key", "worker_key", same("worker_key"), append=True),
    ],
    "referral": [
        ErrorKind(
            "date-order",
            "first_contact_date",
            earlier_than("first_contact_date", "referral_date"),
            present("first_contact_date"),
        ),
        ErrorKind("code-invalid", "uptake", typo("referral", "uptake")),
        ErrorKind("code-invalid", "referral_route", typo("referral", "referral_route")),
        ErrorKind(
            "out-of-range",
            "deprivation_decile",
            out_of_range("referral", "deprivation_decile"),
            present("deprivation_decile"),
        ),
        ErrorKind("date-in-future", "referral_date", future("referral_date")),
        ErrorKind("unknown-reference", "service_id", unknown("service_id")),
        ErrorKind("pattern-invalid", "participant_key", bad_key("participant_key")),
        ErrorKind("duplicate-key", "participant_key", same("participant_key"), append=True),
    ],
}
"""Error kinds per record type; every code in ``errors.ERROR_CODES`` appears."""
