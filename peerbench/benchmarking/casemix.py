"""Case-mix adjusted comparison: observed versus expected change per service.

For each instrument × period × timepoint the pooled participant-level model of
:func:`peerbench.stats.casemix_adjust` is fitted to every pair (oriented change,
positive = improvement)::

    change ~ 1 + baseline + C(age_band) + C(sex) + C(deprivation)

with covariates from the participants file (deprivation = IMD decile, categorical;
missing values are their own level). Per service: observed mean change O, expected E
(mean fitted value), O − E with its 95% interval (residual SD / √n, t on N − p df).
A service's O, E and O − E are withheld (``below-min-n``) when it has fewer than
``min_n`` pairs; the model is fitted only when it has at least ``min_n`` more rows
than coefficients.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from peerbench.benchmarking.comparison_rows import CasemixCoefficient, CasemixFit, CasemixService
from peerbench.benchmarking.key_codes import KEY, key_codes
from peerbench.benchmarking.outcome_stats import BELOW_MIN_N
from peerbench.benchmarking.row_build import build_columns
from peerbench.schema.instruments.item_matrix import FloatArray
from peerbench.stats import CaseMixResult
from peerbench.stats.blas_threads import one_blas_thread
from peerbench.stats.casemix import casemix_adjust_coded
from peerbench.stats.casemix_design import Coded, encode_series

COVARIATES = {"age_band": "age_band", "sex": "sex", "deprivation": "deprivation_decile"}
"""Model covariate → participants column."""

ESTIMATES = ("observed", "expected", "o_minus_e", "oe_ci_low", "oe_ci_high")

CasemixRows = tuple[list[CasemixFit], list[CasemixCoefficient], list[CasemixService]]


def _f(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _floats(values: FloatArray) -> list[float | None]:
    """:func:`_f` of each value."""
    return [
        v if ok else None
        for v, ok in zip(values.tolist(), np.isfinite(values).tolist(), strict=True)
    ]


def with_covariates(pairs: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with the participant covariates joined on participant × service."""
    codes = key_codes([pairs, participants])  # not the text keys: see key_codes
    wanted = participants[list(COVARIATES.values())].assign(**{KEY: codes[1]})
    wanted = wanted.drop_duplicates(KEY)
    return pairs.assign(**{KEY: codes[0]}).merge(wanted, on=KEY, how="left").drop(columns=KEY)


def _fit(
    change: FloatArray, baseline: FloatArray, columns: dict[str, Coded]
) -> CaseMixResult | None:
    """The model on one comparison; None when it cannot be fitted or is not identified."""
    try:
        # Coefficients of a rank-deficient model are not identified: do not publish them.
        return casemix_adjust_coded(change, baseline, columns, identified=True)
    except ValueError:
        return None  # too few complete rows, or covariates that cannot be separated


def casemix(pairs: pd.DataFrame, *, min_n: int) -> CasemixRows:
    """Fit the case-mix model per instrument × period × timepoint.

    Args:
        pairs: Participant-level pairs with covariates (:func:`with_covariates`).
        min_n: Minimum pairs per published service estimate.
    """
    fits: list[CasemixFit] = []
    coefficients: list[CasemixCoefficient] = []
    data = pairs[pairs["change"].notna() & pairs["baseline_score"].notna()]
    change = data["change"].to_numpy(dtype="float64")
    baseline = data["baseline_score"].to_numpy(dtype="float64")
    # Each covariate labelled once for every comparison (as casemix_adjust labels it).
    coded = {
        model: encode_series(data[column])
        for model, column in {**COVARIATES, "service": "service_id"}.items()
    }
    service_key = pd.factorize(data["service_id"])[0]  # −1: no service (not counted)
    groups = data.groupby(["instrument", "period", "timepoint"], sort=True).indices
    results: dict[Any, CaseMixResult] = {}
    with one_blas_thread():  # set once for every fit (see casemix_adjust_coded)
        for group, positions in groups.items():
            rows = np.asarray(positions, dtype=np.int64)
            known = service_key[rows]
            if np.unique(known[known >= 0]).size < 2 or rows.size < 12 + min_n:
                continue
            result = _fit(change[rows], baseline[rows], {k: c.take(rows) for k, c in coded.items()})
            if result is not None:
                results[group] = result
    # The service rows built from columns (tens of thousands at national scale).
    columns: dict[str, list[Any]] = {
        k: [] for k in ("instrument", "period", "timepoint", "service_id", "n", *ESTIMATES)
    }
    columns["suppressed"] = []
    for (instrument, period, timepoint), result in results.items():
        key: dict[str, Any] = {
            "instrument": str(instrument),
            "period": str(period),
            "timepoint": str(timepoint),
        }
        model = result.model
        fits.append(
            CasemixFit(
                **key, formula=model.formula, n=model.n, r2=_f(model.r2), adj_r2=_f(model.adj_r2)
            )
        )
        coefficients += [
            CasemixCoefficient(**key, term=name, estimate=_f(b), se=_f(se))
            for name, b, se in zip(
                model.coefficient_names, model.coefficients, model.std_errors, strict=True
            )
        ]
        # Each estimate as Python floats (None where not finite), one column at a time.
        estimates = [
            _floats(getattr(result, a))
            for a in ("observed", "expected", "o_minus_e", "ci_low", "ci_high")
        ]
        counts = result.n.tolist()
        below = [n < min_n for n in counts]
        for name, value in key.items():
            columns[name] += [value] * len(counts)
        columns["service_id"] += [str(s) for s in result.service.tolist()]
        columns["n"] += counts
        for name, values in zip(ESTIMATES, estimates, strict=True):
            columns[name] += [None if b else v for v, b in zip(values, below, strict=True)]
        columns["suppressed"] += [
            {f: BELOW_MIN_N for f, v in zip(ESTIMATES, row, strict=True) if v is not None}
            if b
            else {}
            for b, *row in zip(below, *estimates, strict=True)
        ]
    return fits, coefficients, build_columns(CasemixService, columns)
