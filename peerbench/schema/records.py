"""The record types of the Peer Support Outcomes Standard: the single source of truth.

Each class declares its fields once (type, tier, meaning, rule); the JSON Schema,
Arrow schema, SPEC tables, data dictionary and templates are generated from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from peerbench.schema.codelists import (
    AdministrationMode,
    AgeBand,
    ConditionFocus,
    DeliveryFormat,
    EndReason,
    Ethnicity,
    FacilitatorModel,
    FeedbackTheme,
    OrganisationType,
    ReferralSource,
    Region,
    ServiceStructure,
    Setting,
    Sex,
    Subject,
    Timepoint,
)
from peerbench.schema.fields import (
    InstrumentCode,
    LocalId,
    ParticipantKey,
    ShortText,
    Tier,
    spec_field,
)
from peerbench.schema.record_base import Record
from peerbench.schema.records_workforce import PeerWorker, Referral
from peerbench.schema.rules import (
    EmptyExactlyWhen,
    NotBefore,
    NotGreater,
    OnlyWithTrue,
    RequiredWhen,
)

ItemResponse = Annotated[int, Field(ge=0, le=1000)]
Count = Annotated[int, Field(ge=0, le=10_000)]


class Organisation(Record):
    """An organisation that runs one or more peer-support services."""

    record_type = "organisation"
    file_stem = "organisations"
    tier = Tier.CORE
    primary_key = ("organisation_id",)
    summary = "One row per organisation that provides peer support."

    organisation_id: LocalId = spec_field(
        tier=Tier.CORE,
        meaning="Identifier of the organisation, agreed with the pool it submits to.",
        example="mind-leeds",
    )
    name: ShortText = spec_field(
        tier=Tier.CORE, meaning="Name of the organisation.", example="Leeds Peer Network"
    )
    organisation_type: OrganisationType = spec_field(
        tier=Tier.CORE, meaning="Kind of organisation.", example="charity"
    )
    region: Region = spec_field(
        tier=Tier.CORE, meaning="Region where the organisation mainly works.", example="london"
    )


class Service(Record):
    """A peer-support service: one model of support run by one organisation."""

    record_type = "service"
    file_stem = "services"
    tier = Tier.CORE
    primary_key = ("service_id",)
    summary = "One row per peer-support service; its model is what benchmarks compare."

    service_id: LocalId = spec_field(
        tier=Tier.CORE,
        meaning="Identifier of the service, unique within the pool.",
        example="mind-leeds-hearing-voices",
    )
    organisation_id: LocalId = spec_field(
        tier=Tier.CORE,
        meaning="The organisation that runs the service.",
        rule="Must match an organisation_id in organisations.",
        example="mind-leeds",
    )
    name: ShortText = spec_field(
        tier=Tier.CORE, meaning="Name of the service.", example="Hearing Voices Group"
    )
    condition_focus: ConditionFocus = spec_field(
        tier=Tier.CORE, meaning="The condition the service is for.", example="mental_health"
    )
    delivery_format: DeliveryFormat = spec_field(
        tier=Tier.CORE, meaning="How support is mainly delivered.", example="group"
    )
    facilitator_model: FacilitatorModel = spec_field(
        tier=Tier.CORE, meaning="Who facilitates the support.", example="volunteer_peers"
    )
    structure: ServiceStructure = spec_field(
        tier=Tier.CORE,
        meaning="Structured programme or ad hoc / drop-in.",
        example="structured_programme",
    )
    setting: Setting | None = spec_field(
        None, tier=Tier.STANDARD, meaning="Where support mainly happens.", example="community"
    )
    start_date: dt.date | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="When the service started taking participants.",
        example="2021-04-01",
    )
    open_referral_id: str | None = spec_field(
        None,
        tier=Tier.EXTENDED,
        meaning="The service's identifier in an Open Referral UK directory, if listed.",
        max_length=200,
        example=None,
    )


class Participant(Record):
    """A person supported by a service, known only by a pseudonymous key."""

    record_type = "participant"
    file_stem = "participants"
    tier = Tier.CORE
    primary_key = ("participant_key", "service_id")
    summary = "One row per participant per service. No names, contact details or NHS numbers."

    participant_key: ParticipantKey = spec_field(
        tier=Tier.CORE,
        meaning="Pseudonymous key made at source with `peerbench pseudonymise`; never a raw id.",
        rule="HMAC-SHA256 of the local id under the organisation's secret key (SPEC §4).",
        example="3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70",
    )
    service_id: LocalId = spec_field(
        tier=Tier.CORE,
        meaning="The service supporting the participant.",
        rule="Must match a service_id in services.",
        example="mind-leeds-hearing-voices",
    )
    age_band: AgeBand = spec_field(
        tier=Tier.CORE, meaning="Age band at the start of support.", example="35_44"
    )
    sex: Sex = spec_field(
        tier=Tier.CORE, meaning="Sex as the participant gives it.", example="female"
    )
    consent_research: bool = spec_field(
        tier=Tier.CORE,
        meaning="The participant agreed their pseudonymised data may be used for research.",
        rule="Only rows with true reach researcher extracts.",
        example=True,
    )
    ethnicity: Ethnicity | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Ethnic group (ONS 2021, 19 categories; reported in 5 groups).",
        example="white_british",
    )
    deprivation_decile: int | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Index of Multiple Deprivation decile of home area (1 = most deprived 10%).",
        rule="Derive from postcode locally, then drop the postcode: it must never be submitted.",
        ge=1,
        le=10,
        example=3,
    )
    primary_condition: ConditionFocus | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="The participant's main long-term condition.",
        example="diabetes",
    )
    referral_source: ReferralSource | None = spec_field(
        None, tier=Tier.STANDARD, meaning="How the participant came to the service.", example="gp"
    )
    consent_quotes: bool = spec_field(
        False,
        tier=Tier.STANDARD,
        meaning="The participant agreed their words may be quoted (anonymously) in reports.",
        example=False,
    )


class Engagement(Record):
    """An episode of support: from first contact to the end of support."""

    record_type = "engagement"
    file_stem = "engagements"
    tier = Tier.CORE
    primary_key = ("participant_key", "service_id", "start_date")
    summary = "One row per episode of support."
    rules = (
        NotBefore("end_date", "start_date", code="date-order"),
        EmptyExactlyWhen("end_date", "end_reason", code="end-date-vs-reason", value="ongoing"),
        NotGreater("sessions_attended", "sessions_offered", code="sessions-exceed-offered"),
    )

    participant_key: ParticipantKey = spec_field(
        tier=Tier.CORE,
        meaning="The participant (pseudonymous key).",
        rule="Must match a participant in participants.",
        example="3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70",
    )
    service_id: LocalId = spec_field(
        tier=Tier.CORE, meaning="The service.", example="mind-leeds-hearing-voices"
    )
    start_date: dt.date = spec_field(
        tier=Tier.CORE, meaning="First session or first contact.", example="2025-01-13"
    )
    end_reason: EndReason = spec_field(
        tier=Tier.CORE,
        meaning="Why support ended, or 'ongoing'.",
        rule="'ongoing' exactly when end_date is empty.",
        example="completed",
    )
    end_date: dt.date | None = spec_field(
        None,
        tier=Tier.CORE,
        meaning="Last session or date support ended; empty while ongoing.",
        rule="On or after start_date.",
        example="2025-04-14",
    )
    sessions_offered: Count | None = spec_field(
        None, tier=Tier.STANDARD, meaning="Sessions offered in the episode.", example=12
    )
    sessions_attended: Count | None = spec_field(
        None,
        tier=Tier.CORE,
        meaning="Sessions attended in the episode.",
        rule="No more than sessions_offered.",
        example=9,
    )


class OutcomeMeasurement(Record):
    """One completed questionnaire (instrument) at one timepoint."""

    record_type = "outcome"
    file_stem = "outcomes"
    tier = Tier.CORE
    primary_key = ("record_id",)
    summary = "One row per completed outcome measure; item responses in order."
    rules = (RequiredWhen("days_since_start", "timepoint", code="required-when", value="other"),)

    record_id: LocalId = spec_field(
        tier=Tier.CORE,
        meaning="Identifier of this measurement, unique in the pool.",
        example="m-000123",
    )
    participant_key: ParticipantKey = spec_field(
        tier=Tier.CORE,
        meaning="The participant (pseudonymous key), or the peer worker when subject says so.",
        rule="Must match a participant in participants (a worker in peer_workers).",
        example="3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70",
    )
    service_id: LocalId = spec_field(
        tier=Tier.CORE, meaning="The service.", example="mind-leeds-hearing-voices"
    )
    instrument: InstrumentCode = spec_field(
        tier=Tier.CORE,
        meaning="Code of the questionnaire used.",
        rule="A code in the instrument registry (built-in or registered locally).",
        example="SWEMWBS",
    )
    timepoint: Timepoint = spec_field(
        tier=Tier.CORE, meaning="When the measure was taken.", example="baseline"
    )
    date_administered: dt.date = spec_field(
        tier=Tier.CORE,
        meaning="Date the questionnaire was completed.",
        rule="Not in the future; follow-ups not before the baseline.",
        example="2025-01-13",
    )
    items: list[ItemResponse | None] | None = spec_field(
        None,
        tier=Tier.CORE,
        meaning="Item responses in questionnaire order; empty for a missing item.",
        rule=(
            "Required unless the instrument is licensed (PAM13). Length = the instrument's item "
            "count; each response within its range. In CSV, columns item_1 … item_N."
        ),
        example=[3, 4, 3, 2, 4, 3, 3],
    )
    instrument_version: str | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Version of the instrument, if the registry lists more than one.",
        max_length=20,
        example="1",
    )
    days_since_start: int | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Days from the start of support to this measure.",
        rule="Required when timepoint is 'other'.",
        ge=0,
        le=3660,
        example=0,
    )
    mode: AdministrationMode | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="How the questionnaire was completed.",
        example="self_paper",
    )
    total_score: float | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="Total score as the organisation computed it (checked against the items).",
        example=19.98,
    )
    licensed_score: float | None = spec_field(
        None,
        tier=Tier.CORE,
        meaning="Score from the licensor's software (PAM13 activation score 0–100).",
        rule="Required for licensed instruments; never computed by peerbench.",
        ge=0,
        le=100,
        example=None,
    )
    licensed_level: int | None = spec_field(
        None,
        tier=Tier.CORE,
        meaning="Level from the licensor's software (PAM13 level 1–4).",
        rule="Must agree with licensed_score and the registry's cut points.",
        ge=1,
        le=4,
        example=None,
    )
    # Extended, not standard: an empty subject means "participant", so nothing is missing
    # when it is left out (the quality profile's completeness counts standard fields).
    subject: Subject | None = spec_field(
        None,
        tier=Tier.EXTENDED,
        meaning=(
            "Whose questionnaire this is: empty or 'participant' for a participant; "
            "'peer_worker' for a peer worker's own wellbeing, when participant_key holds "
            "the worker's key."
        ),
        rule=(
            "With 'peer_worker', participant_key and service_id must match a worker in "
            "peer_workers; such rows never enter participant benchmarks or extracts."
        ),
        example=None,
    )


class ServiceUse(Record):
    """Self-reported or recorded use of NHS services over a recall period."""

    record_type = "service_use"
    file_stem = "service_use"
    tier = Tier.EXTENDED
    primary_key = ("participant_key", "service_id", "timepoint")
    summary = "One row per participant per timepoint; feeds economic value."

    participant_key: ParticipantKey = spec_field(
        tier=Tier.EXTENDED,
        meaning="The participant (pseudonymous key).",
        example="3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70",
    )
    service_id: LocalId = spec_field(
        tier=Tier.EXTENDED, meaning="The service.", example="mind-leeds-hearing-voices"
    )
    timepoint: Timepoint = spec_field(
        tier=Tier.EXTENDED, meaning="When the use was recorded.", example="baseline"
    )
    recall_period_months: int = spec_field(
        tier=Tier.EXTENDED,
        meaning="How many months back the counts cover.",
        ge=1,
        le=12,
        example=3,
    )
    gp_appointments: Count | None = spec_field(
        None, tier=Tier.EXTENDED, meaning="GP appointments in the recall period.", example=2
    )
    ae_attendances: Count | None = spec_field(
        None, tier=Tier.EXTENDED, meaning="A&E attendances in the recall period.", example=0
    )
    emergency_admissions: Count | None = spec_field(
        None,
        tier=Tier.EXTENDED,
        meaning="Emergency (non-elective) hospital admissions in the recall period.",
        example=0,
    )
    bed_days: Count | None = spec_field(
        None, tier=Tier.EXTENDED, meaning="Nights in hospital in the recall period.", example=0
    )
    outpatient_attendances: Count | None = spec_field(
        None, tier=Tier.EXTENDED, meaning="Outpatient attendances in the recall period.", example=1
    )
    date_recorded: dt.date | None = spec_field(
        None, tier=Tier.EXTENDED, meaning="Date the counts were collected.", example="2025-04-14"
    )


class Feedback(Record):
    """Qualitative feedback, coded to themes; quotes only with consent."""

    record_type = "feedback"
    file_stem = "feedback"
    tier = Tier.STANDARD
    primary_key = ("feedback_id",)
    summary = "One row per piece of feedback. Stays in the organisation's own pool until reviewed."
    rules = (OnlyWithTrue("free_text", "consent_to_quote", code="quote-without-consent"),)

    feedback_id: LocalId = spec_field(
        tier=Tier.STANDARD, meaning="Identifier of this feedback.", example="fb-0007"
    )
    service_id: LocalId = spec_field(
        tier=Tier.STANDARD, meaning="The service.", example="mind-leeds-hearing-voices"
    )
    feedback_date: dt.date = spec_field(
        tier=Tier.STANDARD, meaning="Date the feedback was given.", example="2025-03-02"
    )
    themes: list[FeedbackTheme] = spec_field(
        tier=Tier.STANDARD,
        meaning="One or more theme codes. In CSV, codes separated by ';'.",
        min_length=1,
        max_length=10,
        example=["connection", "hope"],
    )
    consent_to_quote: bool = spec_field(
        tier=Tier.STANDARD,
        meaning="The person agreed this feedback may be quoted anonymously.",
        example=True,
    )
    participant_key: ParticipantKey | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="The participant, if the feedback is not anonymous.",
        example=None,
    )
    free_text: str | None = spec_field(
        None,
        tier=Tier.STANDARD,
        meaning="The feedback in the person's words, with identifying details removed.",
        rule="Only when consent_to_quote is true.",
        max_length=2000,
        example="I don't feel on my own with it any more.",
    )
    released_after_review: bool = spec_field(
        False,
        tier=Tier.STANDARD,
        meaning="A person at the organisation has reviewed the text for identifying details.",
        rule="Rows with false never leave the organisation's own pool.",
        example=False,
    )


RECORD_TYPES: dict[str, type[Record]] = {
    model.record_type: model
    for model in (
        Organisation,
        Service,
        Participant,
        Engagement,
        OutcomeMeasurement,
        ServiceUse,
        Feedback,
        PeerWorker,
        Referral,
    )
}
"""Every record type of the standard, keyed by record_type, in SPEC order."""

RECORD_TYPES_BY_STEM: dict[str, type[Record]] = {m.file_stem: m for m in RECORD_TYPES.values()}
