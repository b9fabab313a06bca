"""The noncentral t cdf and its noncentrality roots, over whole arrays at once.

Cohen's d_z interval (Steiger & Fouladi 1997) needs, for every row, the noncentrality
``λ`` at which the observed ``t`` sits at the ``1 − α/2`` and ``α/2`` points of the
noncentral t. A scalar ``brentq`` per bound called ``scipy.special.nctdtr`` about 15 times
a root through Python; a benchmark of 1M outcome rows has ~20,000 such rows. Here every
root is found together: ``nctdtr`` is a ufunc, so each step of the search is one call
over the rows still searching.

The search starts at the normal approximation of Abramowitz & Stegun 26.7.10, brackets
the root outward from it (doubling steps), then refines every bracket with Chandrupatla's
method (inverse quadratic interpolation safeguarded by bisection, as in
``scipy.optimize.elementwise.find_root``) until the bracket is narrower than
``1e-12·(1 + |λ|)`` — the tolerance of the scalar ``brentq(xtol=1e-12, rtol=1e-12)`` it
replaces, so the two agree to about that. About 5 cdf values a root (brentq took 15).

Where ``nctdtr`` is NaN (far in a tail) the normal approximation stands in; with few df it
is far from the cdf and can cross the target where the cdf does not. A row whose search
met it is searched again from the scalar search's wider bracket around ``t``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
XTOL = 1e-12
RTOL = 1e-12
_MAX_STEPS = 200
"""Bracket doublings / refinement steps before giving up (never reached in practice)."""


def nct_cdf_array(t: npt.ArrayLike, df: npt.ArrayLike, ncp: npt.ArrayLike) -> FloatArray:
    """``scipy.stats.nct.cdf(t, df, ncp)`` elementwise for finite ``t`` and ``df > 0``, never NaN.

    The value is ``scipy.special.nctdtr`` (the ufunc ``nct.cdf`` evaluates). Far in either
    tail, where the probability is 0 or 1 to double precision, ``nctdtr`` can return NaN
    (e.g. ``t=20``, 1,000 df, ``ncp=52``); there the normal approximation of Abramowitz &
    Stegun 26.7.10, ``Φ((t(1 − 1/(4ν)) − λ) / √(1 + t²/(2ν)))``, stands in, so a root
    search sees the right sign.
    """
    t_, df_, ncp_ = np.broadcast_arrays(
        np.asarray(t, dtype=np.float64),
        np.asarray(df, dtype=np.float64),
        np.asarray(ncp, dtype=np.float64),
    )
    return _nct_cdf(t_.ravel(), df_.ravel(), ncp_.ravel())[0].reshape(t_.shape)


def _nct_cdf(t: FloatArray, df: FloatArray, ncp: FloatArray) -> tuple[FloatArray, BoolArray]:
    """:func:`nct_cdf_array` of 1-d arrays of one length, and where the approximation stood in."""
    value: FloatArray = special.nctdtr(df, ncp, t)
    bad = np.isnan(value)
    if bad.any():
        tb, db = t[bad], df[bad]
        z = (tb * (1 - 1 / (4 * db)) - ncp[bad]) / np.sqrt(1 + tb * tb / (2 * db))
        value[bad] = special.ndtr(z)
    return value, bad


Gap = Callable[[FloatArray, IntArray], tuple[FloatArray, BoolArray]]
"""``gap(λ, rows)``: ``F(t; ν, λ) − target`` for those rows, and where it is approximate."""


def _bracket_near(
    gap: Gap, guess: FloatArray, step: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    """``lo ≤ hi`` with ``gap(lo) ≥ 0 ≥ gap(hi)`` grown out from each ``guess`` (doubling).

    Returns ``lo, hi, gap(lo), gap(hi)`` and where an approximate value was met.
    """
    every = np.arange(guess.size)
    f0, approx = gap(guess, every)
    up = f0 > 0  # the gap falls as λ rises: the root lies above the guess
    lo, hi, f_lo, f_hi = guess.copy(), guess.copy(), f0.copy(), f0.copy()
    step, met = step.copy(), approx.copy()
    active = f0 != 0
    for _ in range(_MAX_STEPS):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            return lo, hi, f_lo, f_hi, met
        u = up[idx]
        x = np.where(u, hi[idx] + step[idx], lo[idx] - step[idx])
        fx, approx = gap(x, idx)
        met[idx[approx]] = True
        # Moving up, the old upper end (gap > 0) becomes the lower end; down, the reverse.
        iu, id_ = idx[u], idx[~u]
        lo[iu], f_lo[iu], hi[iu], f_hi[iu] = hi[iu], f_hi[iu], x[u], fx[u]
        hi[id_], f_hi[id_], lo[id_], f_lo[id_] = lo[id_], f_lo[id_], x[~u], fx[~u]
        active[idx[np.where(u, fx <= 0, fx >= 0)]] = False
        step[idx] *= 2
    raise ArithmeticError("noncentral t root not bracketed")  # pragma: no cover


def _bracket_wide(gap: Gap, t_obs: FloatArray, idx: IntArray) -> tuple[FloatArray, ...]:
    """The scalar search's bracket: ``t ± (2 + |t|/2)``, widened by that step until it holds.

    Used where the near bracket met the normal approximation (``nctdtr`` NaN), which for
    few df is far from the cdf and can cross the target where the cdf does not.
    """
    t = t_obs[idx]
    step = 2.0 + np.abs(t) / 2
    lo, hi = t - step, t + step
    out = []
    for end, sign in ((lo, -1.0), (hi, 1.0)):
        f = gap(end, idx)[0]
        for _ in range(_MAX_STEPS):
            move = sign * f > 0  # lo needs gap ≥ 0, hi gap ≤ 0
            rows = np.flatnonzero(move)
            if rows.size == 0:
                break
            end[rows] += sign * step[rows]
            f[rows] = gap(end[rows], idx[rows])[0]
        else:  # pragma: no cover
            raise ArithmeticError("noncentral t root not bracketed")
        out.append((end, f))
    (lo, f_lo), (hi, f_hi) = out
    return lo, hi, f_lo, f_hi


def _refine(
    gap: Gap, a: FloatArray, b: FloatArray, fa: FloatArray, fb: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """Chandrupatla's method on every bracket ``[a, b]`` (opposite signs) at once.

    Returns the roots and where an approximate value was met on the way.
    """
    root = np.where(np.abs(fa) < np.abs(fb), a, b)
    met = np.zeros(a.size, dtype=bool)
    root[fa == 0], root[fb == 0] = a[fa == 0], b[fb == 0]
    width = np.abs(b - a)
    tol = XTOL + RTOL * np.abs(root)
    idx = np.flatnonzero((fa != 0) & (fb != 0) & (width > tol))
    a, b, fa, fb, c, fc = a[idx], b[idx], fa[idx], fb[idx], a[idx], fa[idx]
    # The first step is a secant step (no third point yet for inverse quadratics).
    limit = 0.25 * tol[idx] / width[idx]
    t = np.minimum(np.maximum(fa / (fa - fb), limit), 1 - limit)
    # Where c meets a or b, xi or phi is NaN or infinite: iqi is then False, t finite.
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_MAX_STEPS):
            if idx.size == 0:
                return root, met
            xt = a + t * (b - a)
            ft, approx = gap(xt, idx)
            met[idx] |= approx
            # Keep a, b bracketing with a the newest point; c is the point just dropped.
            same = (ft > 0) == (fa > 0)  # fa is never 0 here; where ft is, the search stops
            c, fc = np.where(same, a, b), np.where(same, fa, fb)
            b, fb = np.where(same, b, a), np.where(same, fb, fa)
            a, fa = xt, ft
            xm = np.where(np.abs(fa) < np.abs(fb), a, b)
            root[idx] = xm
            tol = XTOL + RTOL * np.abs(xm)
            width = np.abs(b - a)
            go = (width > tol) & (ft != 0)
            if not go.all():
                idx, a, b, c, fa, fb, fc = (v[go] for v in (idx, a, b, c, fa, fb, fc))
                tol, width = tol[go], width[go]
            xi = (a - b) / (c - b)
            phi = (fa - fb) / (fc - fb)
            iqi = (phi * phi < xi) & ((1 - phi) * (1 - phi) < 1 - xi)
            t = np.where(
                iqi,
                fa / (fb - fa) * fc / (fb - fc)
                + (c - a) / (b - a) * fa / (fc - fa) * fb / (fc - fb),
                0.5,
            )
            # Never closer than a quarter tolerance to an end, so the bracket closes in.
            limit = 0.25 * tol / width
            t = np.minimum(np.maximum(t, limit), 1 - limit)
    raise ArithmeticError("noncentral t root did not converge")  # pragma: no cover


def ncp_roots(t_obs: npt.ArrayLike, df: npt.ArrayLike, target: npt.ArrayLike) -> FloatArray:
    """Per element, the noncentrality ``λ`` with ``nct.cdf(t_obs, df, λ) = target``.

    ``t_obs`` finite, ``df > 0``, ``target`` in (0, 1); arrays broadcast. The cdf falls as
    ``λ`` rises, so each root is unique.
    """
    t_, df_, p_ = np.broadcast_arrays(
        np.asarray(t_obs, dtype=np.float64),
        np.asarray(df, dtype=np.float64),
        np.asarray(target, dtype=np.float64),
    )
    shape = t_.shape
    t_, df_, p_ = t_.ravel(), df_.ravel(), p_.ravel()

    def gap(ncp: FloatArray, idx: IntArray) -> tuple[FloatArray, BoolArray]:
        value, approx = _nct_cdf(t_[idx], df_[idx], ncp)
        return value - p_[idx], approx

    # A&S 26.7.10: F ≈ Φ((t·(1 − 1/(4ν)) − λ) / s), s = √(1 + t²/(2ν)).
    scale = np.sqrt(1 + t_ * t_ / (2 * df_))
    guess = t_ * (1 - 1 / (4 * df_)) - scale * special.ndtri(p_)
    lo, hi, f_lo, f_hi, met = _bracket_near(gap, guess, scale * (0.005 + 1 / df_))
    roots, met_refining = _refine(gap, lo, hi, f_lo, f_hi)
    redo = np.flatnonzero(met | met_refining)
    if redo.size:
        # The approximation, far from the cdf for few df, may cross the target where
        # the cdf does not: search those rows again from the scalar search's bracket.
        def gap_redo(ncp: FloatArray, idx: IntArray) -> tuple[FloatArray, BoolArray]:
            return gap(ncp, redo[idx])

        wide = _bracket_wide(gap, t_, redo)
        roots[redo] = _refine(gap_redo, *wide)[0]
    return roots.reshape(shape)


def dz_intervals(
    n: npt.ArrayLike, d: npt.ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Noncentral-t interval of Cohen's d_z for each ``(n, d)`` pair (``n ≥ 2``).

    ``t = d·√n`` has ``n − 1`` df; the bounds are ``λ_L/√n`` and ``λ_U/√n`` with
    ``F(t; n − 1, λ_L) = 1 − α/2`` and ``F(t; n − 1, λ_U) = α/2``. Repeated pairs are
    solved once.
    """
    n_ = np.asarray(n, dtype=np.float64)
    d_ = np.asarray(d, dtype=np.float64)
    n_, d_ = np.broadcast_arrays(n_, d_)
    shape = n_.shape
    if n_.size == 0:
        empty = np.empty(shape)
        return empty, empty.copy()
    pairs = np.empty(n_.size, dtype=np.complex128)  # (n, d) as one number: one sort
    pairs.real, pairs.imag = n_.ravel(), d_.ravel()
    inverse = np.zeros(1, dtype=np.intp)
    if n_.size > 1:
        pairs, inverse = np.unique(pairs, return_inverse=True)
    root_n = np.sqrt(pairs.real)
    t_obs, df = pairs.imag * root_n, pairs.real - 1
    alpha = 1 - confidence
    both = ncp_roots(
        np.concatenate([t_obs, t_obs]),
        np.concatenate([df, df]),
        np.repeat([1 - alpha / 2, alpha / 2], t_obs.size),
    )
    low, high = both[: t_obs.size] / root_n, both[t_obs.size :] / root_n
    inverse = inverse.ravel()
    return low[inverse].reshape(shape), high[inverse].reshape(shape)
