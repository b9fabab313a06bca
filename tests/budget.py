"""How many examples a property test draws: a share in ``make test``, all in ``make soak``.

``make test`` must stay under 15 minutes on two cores, so the longest property tests draw
a deterministic prefix of their examples there (the profile in ``tests/conftest.py`` is
derandomised); ``make soak-properties`` sets ``PEERBENCH_HYPOTHESIS_PROFILE=soak`` and
draws every one.
"""

from __future__ import annotations

import os

SOAK = os.environ.get("PEERBENCH_HYPOTHESIS_PROFILE") == "soak"


def examples(full: int, quick: int) -> int:
    """``full`` examples in the soak run, ``quick`` in ``make test``."""
    return full if SOAK else quick
