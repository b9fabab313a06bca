"""Peer workers' own wellbeing: SWEMWBS rows with ``subject = "peer_worker"``.

Model (SPEC "Synthetic data"):

* Half the services (drawn per service) ask their peer workers to complete SWEMWBS. There,
  80% of workers give a baseline 0-28 days after starting; 70% of those still in post six
  months later give a ``month_6`` (182 +/- 14 days after the baseline) and 60% a
  ``month_12`` (365 +/- 14 days), never after the extract date or the worker's last day.
* Latent wellbeing at baseline is N(0.1, 0.8) (workers are a little above the general
  population), and changes by +0.10 (+0.15 at 12 months) where supervision is strong,
  +0.05 where regular and -0.15 (-0.25) where weak; workers who later left for their own
  health or the strain of the role decline by a further 0.3. Occasion noise SD 0.3.
  Items come from the participants' response model (:func:`draw_items`), so scoring is
  the registry's.
* ``participant_key`` holds the worker key; record ids are ``w-000001`` ... (distinct
  from participants' ``m-`` ids).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from peerbench.schema.instruments import default_registry, score_items
from peerbench.synth.columns import FloatArray, IntArray, categorical, dates, numbered_ids
from peerbench.synth.organisations import Services
from peerbench.synth.outcomes import draw_items
from peerbench.synth.workforce import END_REASONS, Workers

INSTRUMENT = "SWEMWBS"
TIMEPOINTS = ("baseline", "month_6", "month_12")
CHANGE = np.array([[0.0, 0.10, 0.15], [0.0, 0.05, 0.05], [0.0, -0.15, -0.25]])
"""Change in latent wellbeing by supervision practice (rows) and timepoint (columns)."""
STRAIN = 0.3
FOLLOW_UP = (0.0, 0.7, 0.6)
DAYS = (0, 182, 365)
MODES = ("self_paper", "self_online")


def worker_outcome_columns(
    rng: np.random.Generator, services: Services, workers: Workers, as_of: int
) -> dict[str, Any]:
    """The columns of workers' outcome rows (conformed to ``outcomes`` by the caller)."""
    n = len(workers)
    asks = rng.random(len(services)) < 0.5
    baseline_day = workers.start + rng.integers(0, 29, n)
    last = np.where(workers.ongoing, as_of, workers.end)
    first_period = np.zeros(n, dtype=np.bool_)  # a promoted worker answers once, as a volunteer
    first_period[np.unique(np.array(workers.key), return_index=True)[1]] = True
    has_baseline = (
        asks[workers.service] & first_period & (rng.random(n) < 0.8) & (baseline_day <= last)
    )
    z0 = rng.normal(0.1, 0.8, n)
    strained = np.isin(
        workers.reason, [END_REASONS.index("own_health"), END_REASONS.index("role_strain")]
    )
    rows_worker: list[IntArray] = []
    rows_tp: list[IntArray] = []
    rows_day: list[IntArray] = []
    for tp, (offset, share) in enumerate(zip(DAYS, FOLLOW_UP, strict=True)):
        day = baseline_day + offset + (rng.integers(-14, 15, n) if offset else 0)
        answered = has_baseline & (day <= last) & (rng.random(n) < (share if offset else 1.0))
        where = np.flatnonzero(answered)
        rows_worker.append(where)
        rows_tp.append(np.full(where.shape[0], tp, dtype=np.int64))
        rows_day.append(day[where])
    worker = np.concatenate(rows_worker)
    timepoint = np.concatenate(rows_tp)
    day = np.concatenate(rows_day)
    order = np.lexsort((timepoint, worker))
    worker, timepoint, day = worker[order], timepoint[order], day[order]
    m = int(worker.shape[0])
    z: FloatArray = (
        z0[worker]
        + CHANGE[workers.practice[worker], timepoint]
        - np.where(strained[worker] & (timepoint > 0), STRAIN, 0.0)
        + rng.normal(0.0, 0.3, m)
    )
    definition = default_registry().get(INSTRUMENT)
    block = draw_items(rng, definition, z)
    answers = np.where(block.missing, np.nan, block.values)
    total = score_items(definition, answers).score.to_numpy(zero_copy_only=False)
    k = definition.item_count
    items = pa.ListArray.from_arrays(
        pa.array(np.arange(0, (m + 1) * k, k, dtype=np.int32)),
        pa.array(block.values.reshape(-1), type=pa.int16(), mask=block.missing.reshape(-1)),
    )
    keys = pa.array(workers.key, pa.string())
    return {
        "record_id": numbered_ids("w-", np.arange(1, m + 1), max(6, len(str(m)))),
        "participant_key": keys.take(pa.array(worker)),
        "service_id": categorical(workers.service[worker], services.ids),
        "instrument": pa.array([INSTRUMENT] * m, pa.string()),
        "timepoint": categorical(timepoint, TIMEPOINTS),
        "date_administered": dates(day),
        "items": items,
        "mode": categorical(rng.integers(0, 2, m), MODES),
        "total_score": pa.array(total, type=pa.float64(), from_pandas=True),
        "subject": pa.array(["peer_worker"] * m, pa.string()),
    }
