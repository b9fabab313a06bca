"""A snapshot's reduced form gives the same latest rows as the rows it reduces."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peerbench.aggregate.lineage import (
    COPIES,
    as_reduced,
    latest_of_reduced,
    latest_rows,
    reduce_latest,
)
from peerbench.aggregate.subjects import worker_outcomes

PERIODS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", None]


def pooled(rng: random.Random, rows: int) -> pa.Table:
    """Outcome-like pooled rows: few record ids, so copies across periods, organisations
    (the same id at two organisations) and subjects (a copy that changed subject)."""
    return pa.table(
        {
            "record_id": [f"r{rng.randrange(rows // 2 + 1)}" for _ in range(rows)],
            "subject": [rng.choice(["participant", "peer_worker", None]) for _ in range(rows)],
            "value": list(range(rows)),
            "_organisation_id": sorted(rng.choice(["a", "b", "c"]) for _ in range(rows)),
            "_period": [rng.choice(PERIODS) for _ in range(rows)],
        }
    )


def reduced_pieces(rng: random.Random, table: pa.Table) -> pa.Table:
    """``table`` cut into runs, each reduced (a segment's reduced form) or whole (files)."""
    cuts = sorted(rng.sample(range(1, table.num_rows), min(3, table.num_rows - 1)))
    pieces = []
    for start, end in zip([0, *cuts], [*cuts, table.num_rows], strict=True):
        piece = table.slice(start, end - start)
        pieces.append(reduce_latest(piece, "outcome") if rng.random() < 0.7 else as_reduced(piece))
    return pa.concat_tables(pieces)


@pytest.mark.parametrize("seed", range(40))
def test_latest_of_reduced_equals_latest_rows(seed: int) -> None:
    rng = random.Random(seed)
    full = pooled(rng, rng.randint(2, 40))
    reduced = reduced_pieces(rng, full)
    assert latest_of_reduced(reduced, "outcome").to_pylist() == (
        latest_rows(full, "outcome").to_pylist()
    )
    # Scoped to some organisations, or to peer workers' own questionnaires.
    scope = pa.array(rng.sample(["a", "b", "c"], 2))
    in_scope = pc.is_in(full.column("_organisation_id"), scope)
    kept = pc.is_in(reduced.column("_organisation_id"), scope)
    assert latest_of_reduced(reduced.filter(kept), "outcome").to_pylist() == (
        latest_rows(full.filter(in_scope), "outcome").to_pylist()
    )
    assert latest_of_reduced(worker_outcomes(reduced), "outcome").to_pylist() == (
        latest_rows(worker_outcomes(full), "outcome").to_pylist()
    )
    # Reducing reduced pieces again (compaction) is reducing the rows they stand for.
    assert reduce_latest(reduced, "outcome").to_pylist() == (
        reduce_latest(full, "outcome").to_pylist()
    )


def test_a_reduced_row_stands_for_its_copies() -> None:
    table = pa.table(
        {
            "record_id": ["r1", "r2", "r1", "r1"],
            "value": [1, 2, 3, 4],
            "_organisation_id": ["a", "a", "a", "b"],
            "_period": ["2025-Q3", "2025-Q1", "2025-Q2", "2025-Q1"],
        }
    )
    reduced = reduce_latest(table, "outcome").to_pylist()
    assert [(r["record_id"], r["value"], r["_period"], r["_latest_period"], r[COPIES])
            for r in reduced] == [
        ("r1", 1, "2025-Q2", "2025-Q3", 2),  # the Q3 copy, first sent in Q2
        ("r2", 2, "2025-Q1", "2025-Q1", 1),
        ("r1", 4, "2025-Q1", "2025-Q1", 1),  # another organisation's record of that id
    ]  # fmt: skip
