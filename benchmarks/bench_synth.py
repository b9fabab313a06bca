"""Benchmark ``peerbench synth``: generate and write Parquet, against a naive baseline.

The baseline draws NumPy random columns with the same row count and number of columns
as ``outcomes`` and writes them with ``pyarrow.parquet.write_table`` (zstd, as the real
writer does): the least work any generator of that table could do. ``ratio`` is the
synth total over the baseline.

Example: python -m benchmarks.bench_synth --rows 1000000 10000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from peerbench.io.tabular import FileFormat
from peerbench.schema.arrow import arrow_schema
from peerbench.synth import SynthConfig, generate, write_dataset

DEFAULT_ROWS = (1_000_000, 10_000_000)


def baseline_seconds(rows: int, out_dir: Path) -> float:
    """Seconds to draw and write ``rows`` random rows as wide as ``outcomes``."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    width = len(arrow_schema("outcome"))
    columns = {f"c{i}": rng.random(rows) for i in range(width)}
    pq.write_table(pa.table(columns), out_dir / "baseline.parquet", compression="zstd")
    return time.perf_counter() - started


def run(rows: int) -> dict[str, float]:
    """Generate and write a dataset of ``rows`` outcome rows; time each step."""
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        out_dir = Path(tmp)
        started = time.perf_counter()
        dataset = generate(SynthConfig(outcome_rows=rows))
        generated = time.perf_counter()
        write_dataset(dataset, out_dir / "data", FileFormat.PARQUET)
        written = time.perf_counter()
        baseline = baseline_seconds(rows, out_dir)
    return {
        "rows": float(rows),
        "generate": generated - started,
        "write": written - generated,
        "total": written - started,
        "baseline": baseline,
        "ratio": (written - started) / baseline,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark at each requested size and print a table to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=list(DEFAULT_ROWS),
        help="outcome row counts to benchmark",
    )
    args = parser.parse_args(argv)
    header = f"{'rows':>12} {'generate s':>11} {'write s':>9} {'total s':>9} "
    print(header + f"{'baseline s':>11} {'ratio':>7}")
    for rows in args.rows:
        r = run(rows)
        print(
            f"{int(r['rows']):>12,} {r['generate']:>11.2f} {r['write']:>9.2f} "
            f"{r['total']:>9.2f} {r['baseline']:>11.2f} {r['ratio']:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
