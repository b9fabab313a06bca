"""Validate corpus files in this process and print one JSON line per case.

Run by ``test_corpus.py`` in a child process with an address-space cap, so a
regression that expands a hostile file fails the test instead of exhausting memory:
``python -m tests.corpus.runner CASES.json``, where the JSON is a list of
``{"case", "path", "limits"}``. Each output line holds the case, its finding codes,
seconds and the process's peak resident memory so far (MiB).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from peerbench.validators import validate
from peerbench.validators.limits import DEFAULT_LIMITS


def main(argv: list[str]) -> int:
    """Validate each listed case; exceptions are printed, not raised, so every case runs."""
    for case in json.loads(Path(argv[0]).read_text()):
        limits = DEFAULT_LIMITS.replace(**case.get("limits") or {})
        start = time.monotonic()
        try:
            report = validate([Path(case["path"])], limits=limits)
            codes, error = sorted(report.by_code), None
        except Exception as exc:  # reported to the test, which fails on it
            codes, error = [], f"{type(exc).__name__}: {exc}"[:500]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        line = {"case": case["case"], "codes": codes, "error": error,
                "seconds": time.monotonic() - start, "peak_mb": peak}  # fmt: skip
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
