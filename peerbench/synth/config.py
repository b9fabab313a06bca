"""Settings of the synthetic-data generator and the fixed "reference dataset" preset.

Everything that changes the generated data lives in :class:`SynthConfig`, so the config
(with its seed) recorded in ``peerbench.json`` is enough to regenerate a dataset exactly.
Random numbers come from one :class:`numpy.random.SeedSequence` per named stream
(:func:`stream`): adding a new stream, or drawing more from one, never shifts the
numbers another part of the generator sees.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

REFERENCE_SEED = 20260101
REFERENCE_ORGANISATIONS = 12
REFERENCE_OUTCOME_ROWS = 30_000
REFERENCE_AS_OF = dt.date(2026, 9, 30)


class SynthConfig(BaseModel):
    """What to generate. Two equal configs always give identical tables.

    Attributes:
        seed: Root of every random stream.
        organisations: Number of organisations.
        outcome_rows: Exact number of participants' rows in ``outcomes`` (peer workers'
            own questionnaires, ``subject = "peer_worker"``, come on top).
        as_of: Extract date: nothing in clean data is dated after it, and support that
            runs past it is ``ongoing``.
        error_rate: Share of rows of each file that receive one injected, catalogued
            error (0 for clean data).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(default=REFERENCE_SEED, ge=0)
    organisations: int = Field(default=REFERENCE_ORGANISATIONS, ge=1, le=10_000)
    outcome_rows: int = Field(default=REFERENCE_OUTCOME_ROWS, ge=0)
    as_of: dt.date = REFERENCE_AS_OF
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)

    @classmethod
    def reference(cls) -> SynthConfig:
        """The fixed reference dataset used by demos, tests and the reference reports."""
        return cls(
            seed=REFERENCE_SEED,
            organisations=REFERENCE_ORGANISATIONS,
            outcome_rows=REFERENCE_OUTCOME_ROWS,
            as_of=REFERENCE_AS_OF,
        )


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random generator for the part of the generator called ``name``.

    The name is hashed with CRC-32 (stable across processes, unlike ``hash``) into the
    seed sequence's entropy, so each stream is reproducible on its own.
    """
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))
