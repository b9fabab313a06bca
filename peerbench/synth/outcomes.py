"""Outcome rows: item responses drawn from the latent wellbeing, scored by the registry.

Items. For each instrument, a response's position on its scale is
``sigmoid(a + b * z + d_j + e)``, where ``z`` is the latent wellbeing at the time of the
measure, ``a`` and ``b`` are set per instrument so general-population (z = 0) means
match published norms (e.g. SWEMWBS item mean 3.5, PHQ-9 total about 3, SEMCD6 mean
about 5.2 for people with LTCs), ``d_j`` is a fixed small per-item offset and ``e`` is
item noise (SD 0.9; inter-item correlation about 0.6). The position is cut into the
item's response categories, then turned round where higher means worse: for the
instrument's direction, a subscale's direction (ONS4 anxiety, EQ-5D dimensions), and
reverse-scored items (CORE-10 items 3 and 4), so every item keeps its own range.

Missing items: 3% of forms of instruments that tolerate missing items have one (or, where
two are allowed, sometimes two) left blank, never more than the registry's
``max_missing``. PAM-13 rows have no items: a licensed score ``58 + 10 z + N(0, 8)``
clipped to 0-100 with the level from the registry's cut points. ``total_score`` is given
for half the rows that have a registry score, and equals it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from peerbench.schema.instruments import InstrumentDefinition, default_registry, score_items
from peerbench.synth.columns import (
    BoolArray,
    FloatArray,
    IntArray,
    categorical,
    dates,
    integers,
    numbered_ids,
)
from peerbench.synth.latent import Latent, wellbeing
from peerbench.synth.schedule import MODES, OTHER, TIMEPOINTS, Occasions, OutcomeRows

Int16Array = npt.NDArray[np.int16]

# (a, b) of the response model, in the "higher is better" orientation.
RESPONSE_MODEL: dict[str, tuple[float, float]] = {
    "SWEMWBS": (0.4, 1.0),
    "WEMWBS": (0.4, 1.0),
    "PHQ9": (1.3, 1.5),
    "GAD7": (1.2, 1.5),
    "CORE10": (1.05, 1.4),
    "REQOL10": (0.85, 1.3),
    "ONS4": (1.0, 1.2),
    "UCLA3": (0.7, 1.2),
    "ONSLONELY": (0.5, 1.2),
    "SEMCD6": (0.3, 1.1),
    "EQ5D5L": (1.3, 1.2),
}
DEFAULT_MODEL = (0.3, 1.1)
HIGHER_IS_BETTER_CATEGORIES = frozenset({"ONSLONELY"})
"""Categorical instruments whose last category is the best (ONS: 5 = never lonely)."""
ITEM_SD = 0.9
PAM_MEAN, PAM_SLOPE, PAM_SD = 58.0, 10.0, 8.0


@dataclass(frozen=True)
class ItemBlock:
    """Responses of one instrument's rows: values and blanks, ``(rows, items)``."""

    values: Int16Array
    missing: BoolArray


def _item_worse(definition: InstrumentDefinition) -> BoolArray:
    """Per item: does a higher raw response mean worse?"""
    items = definition.items()
    if definition.direction.value == "none":
        base = definition.code not in HIGHER_IS_BETTER_CATEGORIES
        worse = np.full(len(items), base and definition.scoring.method.value != "categorical")
    else:
        worse = np.full(len(items), definition.direction.value == "higher_is_worse")
    for sub in definition.subscales:
        worse[sub.item - 1] = sub.direction.value == "higher_is_worse"
    reverse = np.array([item.reverse for item in items])
    result: BoolArray = worse ^ reverse
    return result


def draw_items(
    rng: np.random.Generator, definition: InstrumentDefinition, z: FloatArray
) -> ItemBlock:
    """Item responses for latent wellbeing ``z`` (one row per entry of ``z``)."""
    items = definition.items()
    k = len(items)
    # int16 throughout: the Arrow item type, and a quarter of the memory traffic of int64.
    low = np.array([i.min for i in items], dtype=np.int16)
    high = np.array([i.max for i in items], dtype=np.int16)
    a, b = RESPONSE_MODEL.get(definition.code, DEFAULT_MODEL)
    offsets = np.linspace(-0.3, 0.3, k) if k > 1 else np.zeros(1)
    offsets = np.random.default_rng(len(definition.code) * 7919 + k).permutation(offsets)
    noise = rng.standard_normal((z.shape[0], k), dtype=np.float32) * np.float32(ITEM_SD)
    logit = (a + b * z.astype(np.float32))[:, None] + offsets.astype(np.float32) + noise
    position = 1.0 / (1.0 + np.exp(-logit))
    categories = (high - low + 1).astype(np.float32)
    good = np.minimum(position * categories, categories - 1).astype(np.int16)  # floor: >= 0
    worse = _item_worse(definition)
    top = (categories - 1).astype(np.int16)
    values: Int16Array = low + np.where(worse, top - good, good)
    missing = np.zeros(values.shape, dtype=np.bool_)
    allowed = definition.missing.max_missing
    if allowed > 0 and k > 1:
        rows = np.flatnonzero(rng.random(z.shape[0]) < 0.03)
        first = rng.integers(k, size=rows.shape[0])
        missing[rows, first] = True
        if allowed > 1:
            two = rng.random(rows.shape[0]) < 0.25
            missing[rows[two], (first[two] + 1) % k] = True
    return ItemBlock(values=values, missing=missing)


def pam_level(definition: InstrumentDefinition, score: FloatArray) -> IntArray:
    """PAM level from the registry's cut points (at or below a cut point: that level)."""
    assert definition.levels is not None
    level: IntArray = (
        np.searchsorted(np.array(definition.levels.cut_points), score, side="left") + 1
    )
    return level


def outcome_table(
    rng: np.random.Generator,
    rows: OutcomeRows,
    occasions: Occasions,
    latent: Latent,
    service_of: IntArray,
    service_ids: list[str],
    keys: Any,
) -> dict[str, Any]:
    """The columns of ``outcomes`` (not yet conformed), one per field.

    Args:
        rng: Random source.
        rows: Which occasion and instrument each row is.
        occasions: Measurement occasions.
        latent: Latent state of each participant.
        service_of: Service index per participant.
        service_ids: Service identifiers.
        keys: Arrow string array of participant keys, indexed by participant.
    """
    registry = default_registry()
    n = int(rows.occasion.shape[0])
    participant = occasions.participant[rows.occasion]
    timepoint = occasions.timepoint[rows.occasion]
    since = occasions.days_since_start[rows.occasion]
    z = wellbeing(rng, latent, participant, since)
    k_of = np.array([registry.get(c).item_count for c in rows.codes], dtype=np.int64)
    licensed = np.array([registry.get(c).scoring.method.value == "licensed" for c in rows.codes])
    has_items = ~licensed[rows.instrument]
    lengths = np.where(has_items, k_of[rows.instrument], 0)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.zeros(int(offsets[-1]), dtype=np.int16)
    flat_missing = np.zeros(flat.shape[0], dtype=np.bool_)
    total = np.full(n, np.nan)
    lic_score = np.full(n, np.nan)
    lic_level = np.zeros(n, dtype=np.int64)
    give_total = rng.random(n) < 0.5
    for index, code in enumerate(rows.codes):  # per instrument, vectorised inside
        definition = registry.get(code)
        where = np.flatnonzero(rows.instrument == index)
        if where.shape[0] == 0:
            continue
        if licensed[index]:
            score = np.clip(
                PAM_MEAN + PAM_SLOPE * z[where] + rng.normal(0, PAM_SD, where.shape[0]), 0.0, 100.0
            ).round(1)
            lic_score[where] = score
            if definition.levels is not None:
                lic_level[where] = pam_level(definition, score)
            continue
        block = draw_items(rng, definition, z[where])
        cells = offsets[where][:, None] + np.arange(definition.item_count)
        flat[cells] = block.values
        flat_missing[cells] = block.missing
        # Score only the rows that will carry a total (half), with the registry's scorer.
        given = give_total[where]
        answers = np.where(block.missing[given], np.nan, block.values[given])
        scored = score_items(definition, answers).score.to_numpy(zero_copy_only=False)
        total[where[given]] = scored
    items = pa.ListArray.from_arrays(
        pa.array(offsets.astype(np.int32)),
        pa.array(flat, type=pa.int16(), mask=flat_missing),
        mask=pa.array(~has_items),
    )
    width = max(6, len(str(n)))
    version_given = rng.random(n) < 0.4
    return {
        "record_id": numbered_ids("m-", np.arange(1, n + 1), width),
        "participant_key": keys.take(pa.array(participant)),
        "service_id": categorical(service_of[participant], service_ids),
        "instrument": categorical(rows.instrument, rows.codes),
        "timepoint": categorical(timepoint, TIMEPOINTS),
        "date_administered": dates(occasions.day[rows.occasion]),
        "items": items,
        "instrument_version": categorical(
            rows.instrument, registry_versions(rows.codes), null=~version_given
        ),
        "days_since_start": integers(since, null=(timepoint != OTHER) & (rng.random(n) < 0.4)),
        "mode": categorical(
            occasions.mode[rows.occasion], MODES, null=occasions.mode_null[rows.occasion]
        ),
        "total_score": pa.array(total, type=pa.float64(), from_pandas=True),
        "licensed_score": pa.array(lic_score, type=pa.float64(), from_pandas=True),
        "licensed_level": integers(lic_level, null=lic_level == 0),
    }


def registry_versions(codes: list[str]) -> list[str]:
    """The registry's version string of each instrument code."""
    registry = default_registry()
    return [registry.get(code).version for code in codes]
