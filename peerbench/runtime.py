"""Switches a command sets for the whole process it runs in (nothing heavy imported here)."""

from __future__ import annotations

compiled_checks = True
"""Whether validation may load its compiled loops (Numba) for large batches.

Loading them takes about 0.9 s once per process, which a long-lived process (the API
server, a notebook) earns back on its first million rows. A one-shot command would
not until several million rows, so the command line turns them off (``peerbench
serve`` turns them back on)."""
