"""The consent rule: only rows of participants who agreed to research reach an extract.

* ``participant``: rows with ``consent_research = true``.
* ``engagement``, ``outcome``, ``service_use``: rows whose ``(participant_key,
  service_id)`` is a consented participant (consent is given per service).
* ``feedback``: rows with ``consent_to_quote = true`` *and* ``released_after_review =
  true`` (so free text appears only then); a row naming a participant also needs that
  participant's consent; anonymous rows are kept only when both flags are true.
* ``organisation``, ``service``: kept whole; they describe providers, not people.
* ``peer_worker`` and ``referral`` (standard 1.2): never in an extract. Peer workers
  gave no research consent (the standard has no field for it), nor did people referred
  who never started; and a peer worker's own questionnaires (outcome rows with
  ``subject = peer_worker``) are left out with them.

Filtering is column-wise (``is_in`` over joined key columns); an empty or unknown flag
counts as no consent.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.schema.records import RECORD_TYPES

_SEPARATOR = "\x1f"  # cannot occur in a participant key or a service id
_LINKED = ("engagement", "outcome", "service_use")
NOT_EXTRACTED = ("peer_worker", "referral")
"""Record types no researcher extract holds: no research consent is recorded for them."""
EXTRACTED = tuple(rt for rt in RECORD_TYPES if rt not in NOT_EXTRACTED)
"""The record types an extract holds, in SPEC order."""

CONSENT_RULE = (
    "Only participants with consent_research = true are included; their engagements, "
    "outcomes and service use follow them (consent is per participant and service). "
    "Feedback is included only when consent_to_quote and released_after_review are both "
    "true, and, when it names a participant, only if that participant consented. "
    "Organisations and services are included whole. Peer workers, referrals and the "
    "questionnaires peer workers answer about their own wellbeing are never included: "
    "no research consent is recorded for them."
)
"""The rule in words, for the README and the data dictionary."""


def _pairs(table: pa.Table) -> pa.ChunkedArray:
    joined = pc.binary_join_element_wise(
        table.column("participant_key"), table.column("service_id"), _SEPARATOR
    )
    return joined if isinstance(joined, pa.ChunkedArray) else pa.chunked_array([joined])


def _true(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.fill_null(pc.equal(column, True), False)


def consented(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """Each table with only the rows the consent rule lets into an extract.

    Args:
        tables: Harmonised tables keyed by record type (every record type present).

    Returns:
        The tables an extract holds: every record type but :data:`NOT_EXTRACTED`.
    """
    participants = tables["participant"]
    participants = participants.filter(_true(participants.column("consent_research")))
    allowed = pc.unique(_pairs(participants))
    out = {rt: table for rt, table in tables.items() if rt not in NOT_EXTRACTED}
    out["participant"] = participants
    for record_type in _LINKED:
        table = tables[record_type]
        if record_type == "outcome":  # a worker's key could never be a consented pair, but
            table = participant_outcomes(table)  # say so rather than rely on it
        out[record_type] = table.filter(pc.fill_null(pc.is_in(_pairs(table), allowed), False))
    feedback = tables["feedback"]
    released = pc.and_(
        _true(feedback.column("consent_to_quote")), _true(feedback.column("released_after_review"))
    )
    anonymous = pc.is_null(feedback.column("participant_key"))
    linked_ok = pc.fill_null(pc.is_in(_pairs(feedback), allowed), False)
    out["feedback"] = feedback.filter(pc.and_(released, pc.or_(anonymous, linked_ok)))
    return out
