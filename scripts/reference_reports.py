"""Regenerate the reference reports from the fixed-seed reference dataset.

Run by ``make reference-reports``::

    .venv/bin/python scripts/reference_reports.py --out reference_reports

Steps: generate the reference dataset (``peerbench synth --reference``: seed 20260101,
12 organisations, 30,000 outcome rows, as of 2026-09-30) into a temporary folder, then
write the network report, service reports for the largest and the smallest service, the
commissioner summary and the data-quality report, each with its ``.figures.json``. The
output is deterministic: the data run up to the dataset's as-of date (2026-09-30) and
the reports say they were produced on :data:`PRODUCED_ON` (``--produced-on`` or the
``PEERBENCH_PRODUCED_ON`` environment variable to change it), never on today's date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from peerbench.reports.builders import write_all
from peerbench.synth import SynthConfig, generate, write_dataset

NETWORK_NAME = "the reference network"
PRODUCED_ON = dt.date(2026, 10, 1)
"""Production date printed on the reference reports: fixed, so they are reproducible."""


def produced_on_default() -> dt.date:
    """``PEERBENCH_PRODUCED_ON`` (ISO date) if set, else :data:`PRODUCED_ON`."""
    value = os.environ.get("PEERBENCH_PRODUCED_ON")
    return dt.date.fromisoformat(value) if value else PRODUCED_ON


def regenerate(
    out_dir: Path, *, pdf: bool = False, produced_on: dt.date | None = None
) -> list[Path]:
    """Write the reference reports into ``out_dir``; returns the paths written."""
    with tempfile.TemporaryDirectory(prefix="peerbench-reference-") as tmp:
        data_dir = Path(tmp) / "reference"
        write_dataset(generate(SynthConfig.reference()), data_dir)
        return write_all(
            data_dir,
            out_dir,
            pdf=pdf,
            network_name=NETWORK_NAME,
            produced_on=produced_on or produced_on_default(),
        )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reference_reports"))
    parser.add_argument("--pdf", action="store_true", help="also print PDFs (needs Chromium)")
    parser.add_argument(
        "--produced-on",
        type=dt.date.fromisoformat,
        default=None,
        help="production date printed on the reports (YYYY-MM-DD; default "
        f"$PEERBENCH_PRODUCED_ON or {PRODUCED_ON.isoformat()})",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = regenerate(args.out, pdf=args.pdf, produced_on=args.produced_on)
    for path in paths:
        print(path)
    print(f"wrote {len(paths)} files in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
