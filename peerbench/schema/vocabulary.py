"""Tiers and identifier patterns: the plain vocabulary of the record declarations.

Kept apart from ``fields.py`` (which declares fields through pydantic) so that code
reading the generated record table (``record_table.py``) needs no pydantic.
"""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    """How much a field or record type asks of an organisation."""

    CORE = "core"
    """The minimum a small volunteer-run group can collect."""
    STANDARD = "standard"
    """Recommended; richer analysis (equity, case-mix) needs it."""
    EXTENDED = "extended"
    """For economic evaluation and research; collect where resources allow."""


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
PARTICIPANT_KEY_PATTERN = r"^[0-9a-f]{32}$"
INSTRUMENT_CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,31}$"
