"""Schemathesis at length: over a thousand requests against a pool with data, no 5xx.

Every operation with each role's key, as in ``tests/api/test_api_fuzz.py``, but on a
server whose pool holds three organisations' accepted submissions (so benchmarks and
reports compute), and with many more cases. Reports and new benchmark queries cost
seconds each, so their operations get fewer cases.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.api.fuzzing import ROLES, Tally, fuzz_operation, operations
from tests.api.harness import running_server, synth_slices
from tests.soak.live import record_figures

pytestmark = pytest.mark.soak  # make soak only

EXAMPLES = 16
COSTLY_EXAMPLES = {"/v1/reports": 3, "/v1/benchmarks": 6}
"""Fewer cases where each new query recomputes (seconds per case on a busy machine)."""
MIN_REQUESTS = 1000


def test_a_thousand_fuzzed_requests_and_no_server_error(tmp_path: Path) -> None:
    slices = synth_slices(tmp_path / "synth")
    orgs = sorted(slices)
    tally = Tally()
    started = time.monotonic()
    with running_server(
        f"sqlite:///{tmp_path / 'peerbench.sqlite3'}",
        tmp_path / "data",
        orgs,
        raise_server_exceptions=False,
        submissions_per_minute=100_000,
    ) as server:
        server.submit_all(slices)
        for method, path in operations(server.app):
            examples = next(
                (n for prefix, n in COSTLY_EXAMPLES.items() if path.startswith(prefix)), EXAMPLES
            )
            for role in ROLES:
                fuzz_operation(
                    server, method, path, role, max_examples=examples, tally=tally,
                    fail_fast=False,
                )  # fmt: skip
    seconds = time.monotonic() - started
    record_figures(
        "fuzz",
        {
            "requests": tally.requests,
            "status_5xx": sum(n for s, n in tally.statuses.items() if s >= 500),
            "unknown_failures": len(tally.failures),
            "statuses": {str(s): n for s, n in sorted(tally.statuses.items())},
            "seconds": round(seconds, 1),
        },
    )
    assert tally.requests >= MIN_REQUESTS
    assert tally.failures == []
