"""Generate a whole synthetic multi-organisation dataset from a :class:`SynthConfig`.

The steps run in a fixed order, each with its own named random stream (see
:func:`peerbench.synth.config.stream`): organisations and services, participants,
engagements, the latent wellbeing model, measurement occasions, outcome rows, service
use, feedback, peer workers (:mod:`~peerbench.synth.workforce`), referrals
(:mod:`~peerbench.synth.referrals`), error injection, and finally the workers' own
questionnaires appended to ``outcomes`` (:mod:`~peerbench.synth.worker_outcomes`; they
take no injected errors). Each new part draws from its own stream, so adding workers and
referrals left every earlier table of a seed unchanged. To give exactly ``outcome_rows``
participants' outcome rows the number of participants is calibrated on a pilot draw,
then surplus follow-up rows are dropped (see :mod:`peerbench.synth.schedule`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from peerbench.io.tabular import conform
from peerbench.synth.columns import day_number
from peerbench.synth.config import SynthConfig, stream
from peerbench.synth.error_catalogue import CATALOGUE
from peerbench.synth.errors import MANIFEST_SCHEMA, inject_errors
from peerbench.synth.feedback import feedback_columns
from peerbench.synth.latent import make_latent
from peerbench.synth.organisations import Organisations, Services, make_organisations, make_services
from peerbench.synth.outcomes import outcome_table
from peerbench.synth.population import allocate, make_engagements, make_participants
from peerbench.synth.referrals import make_referrals, referral_columns
from peerbench.synth.schedule import OutcomeRows, expand_rows, make_occasions, trim
from peerbench.synth.service_use import service_use_columns
from peerbench.synth.tables import (
    engagement_columns,
    organisation_columns,
    participant_columns,
    service_columns,
)
from peerbench.synth.worker_outcomes import worker_outcome_columns
from peerbench.synth.workforce import make_workers, worker_columns

RECORD_ORDER = (
    "organisation",
    "service",
    "participant",
    "engagement",
    "outcome",
    "service_use",
    "feedback",
    "peer_worker",
    "referral",
)
PILOT_PARTICIPANTS = 20_000
HEADROOM = 1.04
"""Draw 4% more candidate rows than needed so trimming, not a redraw, hits the target."""


@dataclass(frozen=True)
class SyntheticDataset:
    """Generated tables keyed by record type, each conformed to ``arrow_schema``.

    Attributes:
        config: The config that produced the data (regenerates it exactly).
        tables: ``record_type`` → table, in SPEC order.
        errors: Injected-error manifest (``file,row,column,code,value``; ``file`` is the
            file stem, ``row`` the spreadsheet row: header 1, first data row 2).
    """

    config: SynthConfig
    tables: dict[str, pa.Table]
    errors: pa.Table = field(default_factory=lambda: MANIFEST_SCHEMA.empty_table())

    def __getitem__(self, record_type: str) -> pa.Table:
        return self.tables[record_type]

    def row_counts(self) -> dict[str, int]:
        """Rows per record type."""
        return {name: table.num_rows for name, table in self.tables.items()}


@dataclass(frozen=True)
class _Draw:
    people: Any
    episodes: Any
    latent: Any
    occasions: Any
    rows: OutcomeRows


def _draw(config: SynthConfig, orgs: Organisations, services: Services, total: int) -> _Draw:
    """Participants through outcome rows for ``total`` participants (no trimming)."""
    seed = config.seed
    sizes = allocate(stream(seed, "allocate"), services, total)
    people = make_participants(stream(seed, "participants"), orgs, services, sizes)
    episodes = make_engagements(stream(seed, "engagements"), services, people, config.as_of)
    latent = make_latent(stream(seed, "latent"), services, people, episodes)
    occasions = make_occasions(
        stream(seed, "occasions"),
        services,
        people.service,
        episodes,
        latent,
        day_number(config.as_of),
    )
    rows = expand_rows(stream(seed, "rows"), services, people.service, occasions)
    return _Draw(people, episodes, latent, occasions, rows)


def _calibrated(config: SynthConfig, orgs: Organisations, services: Services) -> _Draw:
    """A draw with at least ``outcome_rows`` candidate rows and not many more."""
    target = config.outcome_rows
    pilot = _draw(config, orgs, services, PILOT_PARTICIPANTS)
    per_person = max(pilot.rows.occasion.shape[0] / PILOT_PARTICIPANTS, 0.1)
    total = math.ceil(target / per_person * HEADROOM) + 10
    while True:  # almost always once; grows geometrically if the estimate fell short
        draw = _draw(config, orgs, services, total)
        have = draw.rows.occasion.shape[0]
        if have >= target:
            return draw
        total = math.ceil(total * max(target / max(have, 1), 1.0) * HEADROOM) + 10


def generate(config: SynthConfig) -> SyntheticDataset:
    """Generate a synthetic dataset: the same config always gives identical tables.

    Args:
        config: What to generate (seed, organisations, exact outcome rows, extract date,
            error rate).

    Returns:
        Every record type's table conformed to its canonical Arrow schema, plus the
        manifest of injected errors (empty when ``config.error_rate`` is 0).
    """
    seed = config.seed
    orgs = make_organisations(stream(seed, "organisations"), config.organisations)
    services = make_services(stream(seed, "services"), orgs, config.as_of)
    draw = _calibrated(config, orgs, services)
    rows = trim(stream(seed, "trim"), draw.rows, draw.occasions, config.outcome_rows)
    keys = pa.array(draw.people.key, pa.string())
    columns: dict[str, dict[str, Any]] = {
        "organisation": organisation_columns(orgs),
        "service": service_columns(orgs, services),
        "participant": participant_columns(draw.people, services.ids, keys),
        "engagement": engagement_columns(draw.episodes, draw.people.service, services.ids, keys),
        "outcome": outcome_table(
            stream(seed, "outcomes"),
            rows,
            draw.occasions,
            draw.latent,
            draw.people.service,
            services.ids,
            keys,
        ),
        "service_use": service_use_columns(
            stream(seed, "service_use"),
            services,
            draw.people,
            draw.occasions,
            rows,
            draw.latent,
            keys,
        ),
        "feedback": feedback_columns(
            stream(seed, "feedback"), services, draw.people, draw.episodes, config.as_of, keys
        ),
    }
    workers = make_workers(stream(seed, "workers"), orgs, services, config.as_of)
    columns["peer_worker"] = worker_columns(workers, services.ids)
    referrals, referral_keys = make_referrals(
        stream(seed, "referrals"), orgs, services, draw.people, draw.episodes, keys, config.as_of
    )
    columns["referral"] = referral_columns(referrals, referral_keys, services.ids)
    tables = {rt: conform(pa.table(columns[rt]), rt) for rt in RECORD_ORDER}
    own = worker_outcome_columns(
        stream(seed, "worker_outcomes"), services, workers, day_number(config.as_of)
    )
    errors = MANIFEST_SCHEMA.empty_table()
    if config.error_rate > 0:  # participants' questionnaires only: workers' rows come after
        tables, errors = inject_errors(stream(seed, "errors"), tables, config, CATALOGUE)
    tables["outcome"] = pa.concat_tables([tables["outcome"], conform(pa.table(own), "outcome")])
    return SyntheticDataset(config=config, tables=tables, errors=errors)
