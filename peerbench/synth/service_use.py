"""Extended-tier service use: NHS contacts in the 3 months before baseline and month 6.

Model (SPEC "Synthetic data"): about a third of services collect it. Each of their
participants has a baseline row (dated at the baseline measure) and a month-6 row when
they completed a 6-month outcome measure, both with recall_period_months 3. Counts are
negative-binomial: Poisson with a person-level gamma frailty (shape 1.5) shared by all
counts, so heavy users of one service are heavy users of others. Baseline means per
3 months: GP 2.2 (2.6 in mental health), A&E 0.3, emergency admissions 0.08, outpatients
0.9 (1.3 for physical LTCs); bed days are 1-12 nights per admission. At 6 months every
mean is multiplied by ``exp(-0.25 * gain)``, a modest fall that grows with the person's
improvement. About 4% of counts are left blank (not asked or not known).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from peerbench.synth.columns import FloatArray, IntArray, categorical, dates, integers
from peerbench.synth.latent import Latent
from peerbench.synth.organisations import Services
from peerbench.synth.population import Participants
from peerbench.synth.schedule import BASELINE, TIMEPOINTS, Occasions, OutcomeRows

MONTH_6 = TIMEPOINTS.index("month_6")
MEANS = {
    "gp_appointments": 2.2,
    "ae_attendances": 0.3,
    "emergency_admissions": 0.08,
    "outpatient_attendances": 0.9,
}
PHYSICAL = frozenset(
    {
        "diabetes",
        "cardiovascular",
        "respiratory",
        "musculoskeletal",
        "stroke",
        "cancer",
        "hiv",
        "multiple_ltc",
    }
)


def _counts(rng: np.random.Generator, mean: FloatArray, frailty: FloatArray) -> IntArray:
    counts: IntArray = rng.poisson(mean * frailty)
    return counts


def service_use_columns(
    rng: np.random.Generator,
    services: Services,
    people: Participants,
    occasions: Occasions,
    rows: OutcomeRows,
    latent: Latent,
    keys: Any,
) -> dict[str, Any]:
    """Columns of ``service_use`` for participants of services that collect it.

    Args:
        rng: Random source.
        services: The services (``extended`` marks those collecting service use).
        people: Participants.
        occasions: Measurement occasions.
        rows: The kept outcome rows (a month-6 row needs a kept month-6 measure).
        latent: Latent state (its gain lowers use at month 6).
        keys: Arrow array of participant keys by participant.
    """
    extended = np.array(services.extended, dtype=np.bool_)[people.service]
    used = np.zeros(occasions.participant.shape[0], dtype=np.bool_)
    used[rows.occasion] = True
    chosen = (
        used & extended[occasions.participant] & np.isin(occasions.timepoint, [BASELINE, MONTH_6])
    )
    occ = np.flatnonzero(chosen)
    person = occasions.participant[occ]
    timepoint = occasions.timepoint[occ]
    n = int(occ.shape[0])
    frailty_all = rng.gamma(1.5, 1 / 1.5, size=len(people))
    frailty = frailty_all[person]
    condition = np.array(services.condition)[people.service[person]]
    factor = np.where(timepoint == MONTH_6, np.exp(-0.25 * np.maximum(latent.gain[person], 0)), 1.0)
    gp_mean = np.where(condition == "mental_health", 2.6, MEANS["gp_appointments"])
    op_mean = np.where(np.isin(condition, list(PHYSICAL)), 1.3, MEANS["outpatient_attendances"])
    admissions = _counts(rng, MEANS["emergency_admissions"] * factor, frailty)
    nights = rng.integers(1, 13, size=(n, 3)).cumsum(axis=1)
    bed_days = np.where(admissions > 0, nights[np.arange(n), np.minimum(admissions, 3) - 1], 0)
    columns = {
        "gp_appointments": _counts(rng, gp_mean * factor, frailty),
        "ae_attendances": _counts(rng, MEANS["ae_attendances"] * factor, frailty),
        "emergency_admissions": admissions,
        "bed_days": bed_days,
        "outpatient_attendances": _counts(rng, op_mean * factor, frailty),
    }
    out: dict[str, Any] = {
        "participant_key": keys.take(pa.array(person)),
        "service_id": categorical(people.service[person], services.ids),
        "timepoint": categorical(timepoint, TIMEPOINTS),
        "recall_period_months": integers(np.full(n, 3)),
    }
    for name, values in columns.items():
        out[name] = integers(values, null=rng.random(n) < 0.04)
    out["date_recorded"] = dates(occasions.day[occ])
    return out
