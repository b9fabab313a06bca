"""Benchmark the aggregation engine on DuckDB against hand-written DuckDB SQL.

Data: ``peerbench synth`` with 10M outcome rows over about 1,000 services (450
organisations give 994 services with the reference seed), cached as Parquet under
``bench-output/aggregate/``. Steps, each timed on its own:

1. read the outcomes (with lineage derived) and score them once (cached as Parquet);
2. ``compute_tables`` on DuckDB: every benchmark table (target: median < 10 s);
3. the Ibis ``service_outcomes`` table alone (baselines, pairs, summary);
4. a hand-written DuckDB SQL baseline computing the same paired-change table
   (service × instrument × period × timepoint: n_paired, mean change, SD of change)
   with ``arg_min``/``arg_max`` over the same scored table and its integer ``person``
   and ``seq`` keys, the idiomatic fast way; its result is checked against the Ibis
   table. ``ratio`` = Ibis ``service_outcomes`` ÷ SQL (target ≤ 2).

5. the product path once with an empty scored-outcome cache and once with it warm:
   ``compute_tables`` on a source made from the files alone (reading, lineage, scoring
   or the cached scores, every table), as ``peerbench benchmark`` and the API run it.

Steps 2–4 run ``--repeat`` times, interleaved; the median is judged against the target
and the range is shown. The table is printed and written to
``bench-output/aggregate.md``; the exit status is 1 when a target is missed.

Example: python -m benchmarks.bench_aggregate --rows 10000000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from benchmarks.common import (
    OUTPUT_DIR,
    cached_dataset,
    environment,
    human_rows,
    markdown_table,
    met_text,
    timed,
)
from peerbench.aggregate import BenchmarkSource, compute_tables, instrument_parameters
from peerbench.aggregate.backends import duckdb_connection, materialise, register_arrow, to_arrow
from peerbench.aggregate.expressions import (
    baselines,
    paired,
    participant_outcomes,
    service_outcomes,
)
from peerbench.aggregate.scoring import read_scored, score_outcomes, write_scored
from peerbench.io.tabular import FileFormat
from peerbench.synth import SynthConfig, generate, write_dataset

DEFAULT_ROWS = 10_000_000
DEFAULT_ORGANISATIONS = 450
"""With the reference seed: 994 services."""

BASELINE_SQL = """
WITH s AS (
    SELECT * FROM scored WHERE score IS NOT NULL
),
b AS (
    SELECT person, instrument, service_id,
           arg_min(score, seq) AS baseline_score,
           arg_min(_period, seq) AS period
    FROM s WHERE timepoint = 'baseline'
    GROUP BY person, instrument, service_id
),
f AS (
    SELECT person, instrument, timepoint,
           arg_max(score, seq) AS follow_up_score
    FROM s WHERE timepoint IN ('month_3', 'month_6', 'month_12', 'end')
    GROUP BY person, instrument, timepoint
)
SELECT b.service_id, b.instrument, b.period, f.timepoint,
       count(*) AS n_paired,
       avg((f.follow_up_score - b.baseline_score) * p.direction) AS mean_change,
       stddev_samp((f.follow_up_score - b.baseline_score) * p.direction) AS sd_change
FROM b
JOIN f USING (person, instrument)
JOIN params AS p USING (instrument)
GROUP BY b.service_id, b.instrument, b.period, f.timepoint
"""


def dataset_folder(rows: int, organisations: int) -> Path:
    """The cached synthetic dataset (generated and written on first use)."""
    folder = OUTPUT_DIR / "aggregate" / f"synth-{human_rows(rows)}-{organisations}org"
    config = SynthConfig(outcome_rows=rows, organisations=organisations)

    def make(target: Path) -> None:
        write_dataset(generate(config), target, FileFormat.PARQUET)

    cached_dataset(folder, config, ["outcomes.parquet"], make)
    return folder


@dataclass
class Step:
    """One timed step: wall seconds of each repeat."""

    name: str
    runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median over repeats (the figure the targets are judged on)."""
        return statistics.median(self.runs)

    def cells(self, target: str = "", met: bool | None = None) -> list[object]:
        """Cells in :data:`HEADERS` order."""
        spread = f"{min(self.runs):.2f}–{max(self.runs):.2f}" if len(self.runs) > 1 else ""
        return [self.name, round(self.median, 3), spread, target, met_text(met)]


HEADERS = ["step", "seconds (median)", "range over repeats", "target", "met"]
TARGET_SECONDS = 10.0
TARGET_RATIO = 2.0


def ibis_service_outcomes(scored: pa.Table) -> pa.Table:
    """The Ibis ``service_outcomes`` table alone, on a fresh DuckDB connection."""
    con = duckdb_connection()
    try:
        params = register_arrow(con, instrument_parameters())
        table = register_arrow(con, scored)
        wide, release = materialise(con, participant_outcomes(table, params))
        pairs = paired(table, params, wide)
        result = to_arrow(con, service_outcomes(baselines(wide), pairs, params))
        release()
        return result
    finally:
        con.disconnect()


def sql_baseline(scored: pa.Table) -> pa.Table:
    """The hand-written SQL paired-change table."""
    # The engine's own setting (peerbench.aggregate.backends.duckdb_connection), so
    # the baseline is not slowed by keeping row order the query does not need.
    con = duckdb.connect(config={"preserve_insertion_order": False})
    try:
        con.register("scored", scored)
        con.register("params", instrument_parameters())
        return con.sql(BASELINE_SQL).to_arrow_table()
    finally:
        con.close()


def check_same(ibis_table: pa.Table, sql_table: pa.Table) -> None:
    """The SQL table equals the Ibis one on every pair (n_paired, mean, SD of change).

    Raises:
        AssertionError: if they differ.
    """
    keys = ["service_id", "instrument", "period", "timepoint"]
    ours = ibis_table.filter(pa.compute.greater(ibis_table.column("n_paired"), 0))
    ours = ours.select([*keys, "n_paired", "mean_change", "sd_change"]).sort_by(
        [(k, "ascending") for k in keys]
    )
    theirs = sql_table.sort_by([(k, "ascending") for k in keys])
    assert ours.num_rows == theirs.num_rows, (ours.num_rows, theirs.num_rows)
    for k in [*keys, "n_paired"]:
        assert ours.column(k).to_pylist() == theirs.column(k).to_pylist(), k
    for k in ("mean_change", "sd_change"):
        a = ours.column(k).to_numpy(zero_copy_only=False).astype(np.float64)
        b = theirs.column(k).to_numpy(zero_copy_only=False).astype(np.float64)
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True), k


def run(rows: int, organisations: int, repeat: int) -> tuple[str, list[list[object]], bool]:
    """Time each step; returns a heading, the table rows and whether every target was met."""
    folder = dataset_folder(rows, organisations)
    source = BenchmarkSource.from_folder(folder)
    outcomes, read_s = timed(lambda: source.read("outcome"))
    scored, score_s = timed(partial(score_outcomes, outcomes))
    del outcomes  # only the scored table is used from here
    cache = write_scored(scored, folder / "scored.parquet")
    scored = read_scored(cache)
    for record_type in ("service", "engagement", "participant"):
        source.read(record_type)  # load (and derive lineage) outside the timed part
    full = Step("compute_tables, DuckDB (all tables)")
    ibis_step = Step("Ibis service_outcomes, DuckDB")
    sql_step = Step("hand-written DuckDB SQL baseline")
    for _ in range(max(repeat, 1)):  # interleaved, so a slow spell hits every step alike
        tables, seconds = timed(lambda: compute_tables(source, scored=scored))
        full.runs.append(seconds)
        ours, seconds = timed(lambda: ibis_service_outcomes(scored))
        ibis_step.runs.append(seconds)
        theirs, seconds = timed(lambda: sql_baseline(scored))
        sql_step.runs.append(seconds)
        check_same(ours, theirs)
    # The product path: tables straight from the files, scoring cached on disk
    # (peerbench.aggregate.scored_cache), first with an empty cache, then a warm one.
    cache = folder / "scored-cache"
    shutil.rmtree(cache, ignore_errors=True)

    def from_files() -> dict[str, pa.Table]:
        return compute_tables(
            BenchmarkSource(BenchmarkSource.from_folder(folder).data, cache_dir=cache)
        )

    _, cold_s = timed(from_files)
    _, warm_s = timed(from_files)
    services = source.read("service").num_rows
    heading = (
        f"{rows:,} outcome rows, {services:,} services, {scored.num_rows:,} scored rows, "
        f"{tables['service_outcomes'].num_rows:,} service_outcomes rows; "
        f"{len(full.runs)} repeat(s)"
    )
    full_ok = full.median < TARGET_SECONDS
    ratio = ibis_step.median / sql_step.median
    ratio_ok = ratio <= TARGET_RATIO
    table: list[list[object]] = [
        [*Step("read outcomes + lineage", [read_s]).cells()],
        [*Step("score (once, cached)", [score_s]).cells()],
        full.cells(f"< {TARGET_SECONDS:g} s", full_ok),
        ibis_step.cells(),
        sql_step.cells(),
        [
            "ratio Ibis service_outcomes / SQL",
            round(ratio, 3),
            "",
            f"≤ {TARGET_RATIO:g}",
            met_text(ratio_ok),
        ],
        ["ratio compute_tables / SQL", round(full.median / sql_step.median, 3), "", "", ""],
        [*Step("from the files, empty score cache (read, score, tables)", [cold_s]).cells()],
        [*Step("from the files, scores cached (read, tables)", [warm_s]).cells()],
    ]
    return heading, table, full_ok and ratio_ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a markdown table; 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="outcome rows")
    parser.add_argument(
        "--organisations", type=int, default=DEFAULT_ORGANISATIONS, help="organisations"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="repeats of the timed steps (median is judged)"
    )
    args = parser.parse_args(argv)
    heading, table, met = run(args.rows, args.organisations, args.repeat)
    text = "\n".join(
        [
            "# Aggregation benchmark",
            "",
            environment(),
            "",
            heading,
            "",
            markdown_table(HEADERS, table),
        ]
    )
    print(text, flush=True)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "aggregate.md").write_text(text + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
