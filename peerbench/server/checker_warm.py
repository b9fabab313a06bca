"""Imported once by the checker's fork server, so every check starts warm.

Each upload is checked in a child forked from the fork server
(:mod:`peerbench.server.isolation`). A child inherits what the fork server has loaded,
but loses whatever it loads itself when it exits: without this module every check
imported Numba and loaded the compiled loops again, which made a 1M-row upload take
about three times as long to ingest as checking it in the server's own process.
"""

from __future__ import annotations

import peerbench.server.submission_checks  # noqa: F401  (the check itself)
from peerbench.validators.columnar import compiled

READY = compiled.preload()
"""Whether the compiled loops were loaded (False where they are off or Numba cannot load)."""
