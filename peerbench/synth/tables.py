"""Arrow tables for organisations, services, participants and engagements."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from peerbench.synth.columns import categorical, dates, day_number, integers
from peerbench.synth.demographics import AGE_BANDS, ETHNICITIES, REFERRALS, SEXES
from peerbench.synth.organisations import CONDITIONS, Organisations, Services
from peerbench.synth.population import END_REASONS, Engagements, Participants


def organisation_columns(orgs: Organisations) -> dict[str, Any]:
    """Columns of ``organisations``."""
    return {
        "organisation_id": pa.array(orgs.ids, pa.string()),
        "name": pa.array(orgs.names, pa.string()),
        "organisation_type": pa.array(orgs.types, pa.string()),
        "region": pa.array(orgs.regions, pa.string()),
    }


def service_columns(orgs: Organisations, services: Services) -> dict[str, Any]:
    """Columns of ``services``."""
    return {
        "service_id": pa.array(services.ids, pa.string()),
        "organisation_id": pa.array([orgs.ids[o] for o in services.organisation], pa.string()),
        "name": pa.array(services.names, pa.string()),
        "condition_focus": pa.array(services.condition, pa.string()),
        "delivery_format": pa.array(services.delivery_format, pa.string()),
        "facilitator_model": pa.array(services.facilitator, pa.string()),
        "structure": pa.array(
            ["structured_programme" if s else "ad_hoc" for s in services.structured], pa.string()
        ),
        "setting": pa.array(services.setting, pa.string()),
        "start_date": dates(np.array([day_number(d) for d in services.start], dtype=np.int64)),
    }


def participant_columns(people: Participants, service_ids: list[str], keys: Any) -> dict[str, Any]:
    """Columns of ``participants``."""
    return {
        "participant_key": keys,
        "service_id": categorical(people.service, service_ids),
        "age_band": categorical(people.age, AGE_BANDS),
        "sex": categorical(people.sex, SEXES),
        "consent_research": pa.array(people.consent_research),
        "ethnicity": categorical(people.ethnicity, ETHNICITIES, null=people.ethnicity_null),
        "deprivation_decile": integers(people.imd, null=people.imd_null),
        "primary_condition": categorical(people.primary, CONDITIONS, null=people.primary_null),
        "referral_source": categorical(people.referral, REFERRALS, null=people.referral_null),
        "consent_quotes": pa.array(people.consent_quotes),
    }


def engagement_columns(
    episodes: Engagements, service_of: Any, service_ids: list[str], keys: Any
) -> dict[str, Any]:
    """Columns of ``engagements``, one row per episode, grouped by participant."""
    order = np.argsort(episodes.participant, kind="stable")
    p = episodes.participant[order]
    return {
        "participant_key": keys.take(pa.array(p)),
        "service_id": categorical(service_of[p], service_ids),
        "start_date": dates(episodes.start[order]),
        "end_reason": categorical(episodes.reason[order], END_REASONS),
        "end_date": dates(episodes.end[order], null=episodes.ongoing[order]),
        "sessions_offered": integers(episodes.offered[order], null=episodes.offered_null[order]),
        "sessions_attended": integers(episodes.attended[order], null=episodes.attended_null[order]),
    }
