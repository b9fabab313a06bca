"""Record types of the workforce and access pillars (standard 1.2): peer workers, referrals.

Declared like every other record type (see :mod:`peerbench.schema.records`, which lists
them in :data:`~peerbench.schema.records.RECORD_TYPES`); kept apart so each module stays small.
"""

from __future__ import annotations

import datetime as dt

from peerbench.schema.codelists import (
    ConditionFocus,
    ReferralChannel,
    ReferralSource,
    ReferralUptake,
    SupervisionFrequency,
    SupervisionType,
    TrainingStatus,
    WorkerEndReason,
    WorkerRole,
)
from peerbench.schema.fields import LocalId, ParticipantKey, Tier, spec_field
from peerbench.schema.record_base import Record
from peerbench.schema.rules import EmptyExactlyWhen, NotBefore, RequiredWhen


class PeerWorker(Record):
    """A person with lived experience who delivers peer support, known by a pseudonymous key."""

    record_type = "peer_worker"
    file_stem = "peer_workers"
    tier = Tier.STANDARD
    primary_key = ("worker_key", "service_id", "start_date")
    summary = (
        "One row per period a peer worker (volunteer, paid or sessional) spends in a service. "
        "No names or contact details; published only under worker disclosure control."
    )
    rules = (
        NotBefore("end_date", "start_date", code="date-order"),
        EmptyExactlyWhen("end_date", "end_reason", code="end-date-vs-reason", value="ongoing"),
    )

    worker_key: ParticipantKey = spec_field(
        tier=Tier.STANDARD,
        meaning="Pseudonymous key of the worker, made at source with `peerbench pseudonymise`.",
        rule="HMAC-SHA256 of the local staff or volunteer id, as for participants (SPEC §4).",
        example="9b1d4e7f2a3c5d6e8f0a1b2c3d4e5f60",
    )
    service_id: LocalId = spec_field(
        tier=Tier.STANDARD,
        meaning="The service the worker delivers.",
        rule="Must match a service_id in services.",
        example="mind-leeds-hearing-voices",
    )
    role: WorkerRole = spec_field(
        tier=Tier.STANDARD, meaning="How the worker is engaged.", example="volunteer"
    )
    start_date: dt.date = spec_field(
        tier=Tier.STANDARD, meaning="First day in the role.", example="2024-09-02"
    )
    end_reason: WorkerEndReason = spec_field(
        tier=Tier.STANDARD,
        meaning="Why the role ended, or 'ongoing'.",
        rule="'ongoing' exactly when end_date is empty.",
        example="ongoing",
    )
    end_date: dt.date | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Last day in the role; empty while the worker is in post.",
        rule="On or after start_date.",
        example=None,
    )
    hours_per_week: float | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Contracted hours a week, or typical hours for a volunteer.",
        ge=0,
        le=60,
        example=6,
    )
    training_status: TrainingStatus | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Peer-support training: none yet, in progress or completed.",
        example="completed",
    )
    training_hours: int | None = spec_field(
        None,
        tier=Tier.EXTENDED,
        meaning="Hours of peer-support training completed.",
        ge=0,
        le=2000,
        example=30,
    )
    training_accredited: bool | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="The training completed leads to an accredited qualification.",
        example=True,
    )
    supervision_type: SupervisionType | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="What supervision the worker receives.",
        example="group",
    )
    supervision_frequency: SupervisionFrequency | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="How often the worker is supervised.",
        example="monthly",
    )
    lived_experience_focus: ConditionFocus | None = spec_field(
        None,
        tier=Tier.EXTENDED,
        meaning="The condition the worker's own lived experience is of.",
        example="mental_health",
    )


class Referral(Record):
    """A referral to a service, whether or not support started."""

    record_type = "referral"
    file_stem = "referrals"
    tier = Tier.STANDARD
    primary_key = ("participant_key", "service_id", "referral_date")
    summary = (
        "One row per referral, including people who never started: waiting times and "
        "uptake are measured from these."
    )
    rules = (
        NotBefore("first_contact_date", "referral_date", code="date-order"),
        RequiredWhen("first_contact_date", "uptake", code="required-when", value="started"),
    )

    participant_key: ParticipantKey = spec_field(
        tier=Tier.STANDARD,
        meaning="The person referred (pseudonymous key, made as for participants).",
        rule="The same key as in participants when support starts; none is needed otherwise.",
        example="3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70",
    )
    service_id: LocalId = spec_field(
        tier=Tier.STANDARD,
        meaning="The service referred to.",
        rule="Must match a service_id in services.",
        example="mind-leeds-hearing-voices",
    )
    referral_date: dt.date = spec_field(
        tier=Tier.STANDARD,
        meaning="Date the service received the referral.",
        rule="Not in the future.",
        example="2025-01-06",
    )
    referral_route: ReferralSource = spec_field(
        tier=Tier.STANDARD,
        meaning="Who referred the person (or self-referral): the route into the service.",
        example="gp",
    )
    uptake: ReferralUptake = spec_field(
        tier=Tier.STANDARD,
        meaning="Whether support started and, if not, why not.",
        example="started",
    )
    first_contact_date: dt.date | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning=(
            "Date of the service's first contact with the person (call, assessment or session)."
        ),
        rule="On or after referral_date; required when uptake is 'started'.",
        example="2025-01-13",
    )
    referral_channel: ReferralChannel | None = spec_field(
        None,
        tier=Tier.EXTENDED,
        meaning="How the referral reached the service.",
        example="electronic_system",
    )
    primary_condition: ConditionFocus | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="The person's main long-term condition, as given at referral.",
        example="diabetes",
    )
    deprivation_decile: int | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning=(
            "Index of Multiple Deprivation decile of home area at referral (1 = most deprived)."
        ),
        rule="Derive from postcode locally, then drop the postcode.",
        ge=1,
        le=10,
        example=3,
    )
