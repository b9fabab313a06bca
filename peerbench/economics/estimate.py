"""A mean per participant with its confidence interval and assumption-driven range."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DEFAULT_SEED = 20240601
DEFAULT_BOOTSTRAPS = 2000
CI_METHOD = (
    "percentile bootstrap of the mean over participants ({n_boot} resamples, seed {seed}, "
    "{level:g}% level); no interval when n < 2"
)
ATTRIBUTION_NOTE = (
    "the whole change is attributed to peer support unless attribution < 1 (deadweight "
    "or a counterfactual removed)"
)
_CHUNK = 250  # resamples drawn at a time, to bound memory on large pools
_LEVELS_FACTOR = 8  # resample by level when n is at least 8 times the distinct values


class Estimate(BaseModel):
    """A mean per participant.

    Attributes:
        n: Participants it rests on.
        mean: Mean per participant (``None`` when ``n == 0``).
        ci_low: Lower confidence limit (sampling uncertainty; ``None`` when ``n < 2``).
        ci_high: Upper confidence limit.
        low: The mean recomputed with every assumption at its low value.
        high: The mean recomputed with every assumption at its high value
            (``low <= high`` always; for counts, equal to ``mean``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int
    mean: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    low: float | None = None
    high: float | None = None

    def scaled(self, factor: float) -> Estimate:
        """Every figure multiplied by ``factor`` (e.g. 100 for "per 100 participants")."""

        def s(value: float | None) -> float | None:
            return None if value is None else value * factor

        bounds = sorted(v for v in (s(self.low), s(self.high)) if v is not None)
        ci = sorted(v for v in (s(self.ci_low), s(self.ci_high)) if v is not None)
        return Estimate(
            n=self.n,
            mean=s(self.mean),
            ci_low=ci[0] if ci else None,
            ci_high=ci[-1] if ci else None,
            low=bounds[0] if bounds else None,
            high=bounds[-1] if bounds else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return self.model_dump(mode="json")


def bootstrap_ci(
    values: FloatArray, *, n_boot: int, seed: int, confidence: float
) -> tuple[float, float] | None:
    """Percentile bootstrap interval for the mean of ``values``.

    Draws ``n_boot`` resamples of size n with replacement from a generator seeded with
    ``seed`` (so results repeat exactly), takes each resample's mean, and returns the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of those means.

    A resample is only how many times each value is drawn. When the values take few
    distinct levels (annualised counts of appointments do: a few hundred levels among
    hundreds of thousands of people), those counts are drawn directly, one multinomial
    over the distinct values per resample: the same resampling distribution at a cost
    that grows with the levels, not with n (drawing n indices 2,000 times took minutes
    on a national pool). Otherwise n indices are drawn per resample.
    """
    return bootstrap_cis([values], n_boot=n_boot, seed=seed, confidence=confidence)[0]


def bootstrap_cis(
    arrays: Sequence[FloatArray], *, n_boot: int, seed: int, confidence: float
) -> list[tuple[float, float] | None]:
    """:func:`bootstrap_ci` of each array, drawing once for arrays that draw alike.

    Two arrays of the same length draw the same indices; two drawn by level draw the
    same counts when their levels' counts are equal (e.g. a change and its value in
    pounds, a positive multiple). Each array's interval is exactly its own
    :func:`bootstrap_ci`, at the cost of one set of draws per kind.
    """
    results: list[tuple[float, float] | None] = [None] * len(arrays)
    plans: dict[tuple[int, bytes | None], list[tuple[int, FloatArray, IntArray | None]]] = {}
    for i, values in enumerate(arrays):
        n = values.shape[0]
        if n < 2:
            continue
        if n < _LEVELS_FACTOR:  # even one level is too many to draw by level
            plans.setdefault((n, None), []).append((i, values, None))
            continue
        levels, counts = np.unique(values, return_counts=True)
        if levels.size * _LEVELS_FACTOR <= n:
            plans.setdefault((n, counts.tobytes()), []).append((i, levels, counts))
        else:
            plans.setdefault((n, None), []).append((i, values, None))
    alpha = (1.0 - confidence) / 2.0
    for (n, _), members in plans.items():
        shared = members[0][2]  # the counts of every member's levels (by level)
        if shared is None and n * n_boot <= _KEPT_DRAW_CELLS:
            # Small groups (most services): the draws depend on n alone, so they are
            # drawn once per n and reused; each row's mean is the chunked one.
            idx = _index_draws(n, n_boot, seed)
            means = np.stack([values[idx].mean(axis=1) for _, values, _ in members])
        else:
            means = _chunked_means(members, n, n_boot, seed)
        bounds = np.quantile(means, [alpha, 1.0 - alpha], axis=1)
        for k, (i, _, _) in enumerate(members):
            results[i] = (float(bounds[0, k]), float(bounds[1, k]))
    return results


_KEPT_DRAW_CELLS = 1 << 19
"""Largest index draw (resamples x n) kept for reuse: at most 1 MB with the compact dtype."""


@functools.lru_cache(maxsize=64)
def _index_draws(n: int, n_boot: int, seed: int) -> npt.NDArray[np.unsignedinteger[Any]]:
    """The (n_boot, n) indices :func:`_chunked_means` draws for ``n`` values, read-only.

    Drawn in the same chunks from the same generator (so the same numbers), stored in
    the smallest unsigned type that holds ``n - 1`` (a few hundred kB at most).
    """
    rng = np.random.default_rng(seed)
    chunks = [
        rng.integers(0, n, size=(min(start + _CHUNK, n_boot) - start, n))
        for start in range(0, n_boot, _CHUNK)
    ]
    idx = np.concatenate(chunks).astype(np.min_scalar_type(n - 1))
    idx.setflags(write=False)
    return idx


def _chunked_means(
    members: Sequence[tuple[int, FloatArray, IntArray | None]], n: int, n_boot: int, seed: int
) -> FloatArray:
    """Each member's ``n_boot`` resample means, drawn ``_CHUNK`` resamples at a time."""
    rng = np.random.default_rng(seed)
    means = np.empty((len(members), n_boot))
    shared = members[0][2]
    for start in range(0, n_boot, _CHUNK):
        stop = min(start + _CHUNK, n_boot)
        if shared is not None:
            drawn = rng.multinomial(n, shared / n, size=stop - start)
            for k, (_, levels, _) in enumerate(members):
                means[k, start:stop] = drawn @ levels / n
        else:
            idx = rng.integers(0, n, size=(stop - start, n))
            for k, (_, values, _) in enumerate(members):
                means[k, start:stop] = values[idx].mean(axis=1)
    return means


def estimates(
    arrays: Sequence[tuple[FloatArray, FloatArray | None, FloatArray | None]],
    *,
    n_boot: int = DEFAULT_BOOTSTRAPS,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> list[Estimate]:
    """:func:`estimate` of each ``(values, low_values, high_values)``, bootstrapped together
    (:func:`bootstrap_cis`): the same estimates, with fewer draws."""
    cis = bootstrap_cis([a[0] for a in arrays], n_boot=n_boot, seed=seed, confidence=confidence)
    found: list[Estimate] = []
    for (values, low_values, high_values), ci in zip(arrays, cis, strict=True):
        n = int(values.shape[0])
        if n == 0:
            found.append(Estimate(n=0, mean=None))
            continue
        mean = float(values.mean())
        ends = [float(v.mean()) if v is not None else mean for v in (low_values, high_values)]
        found.append(
            Estimate(
                n=n,
                mean=mean,
                ci_low=None if ci is None else ci[0],
                ci_high=None if ci is None else ci[1],
                low=min(ends),
                high=max(ends),
            )
        )
    return found


def estimate(
    values: FloatArray,
    *,
    low_values: FloatArray | None = None,
    high_values: FloatArray | None = None,
    n_boot: int = DEFAULT_BOOTSTRAPS,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> Estimate:
    """Mean of ``values`` with a bootstrap CI and a low/high range.

    ``low``/``high`` are the means of ``low_values``/``high_values`` (the same
    participants valued with every assumption at its low and high end), ordered so
    that ``low <= high``; without them they equal the mean.
    """
    arrays = [(values, low_values, high_values)]
    return estimates(arrays, n_boot=n_boot, seed=seed, confidence=confidence)[0]
