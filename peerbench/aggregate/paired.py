"""Participant-level Ibis expressions: baselines and baseline/follow-up pairs.

All take the scored table (:mod:`peerbench.aggregate.scoring`) and the parameters table
(:mod:`peerbench.aggregate.parameters`) as Ibis tables on any backend.

Definitions (per participant × service × reported instrument):

* **Baseline**: the earliest scored ``baseline`` measurement (ties: lowest
  ``record_id``; the scored table's ``seq`` key encodes this order). Its ``_period`` is
  the participant's ``period`` for every metric, so a pair is counted in the period its
  baseline belongs to.
* **Follow-up at timepoint T** (``month_3``, ``month_6``, ``month_12``, ``end``): the
  last scored measurement at T (latest ``date_administered``; ties: highest
  ``record_id``). A follow-up without a baseline is ignored; ``other`` is not paired.
* **change**: ``(follow_up_score - baseline_score) × direction``, so positive always
  means improvement; null for instruments without a direction (ONSLONELY).
* **reliably_improved** / **reliably_deteriorated**: ``change ≥ threshold`` /
  ``change ≤ -threshold`` (with a 1e-9 tolerance, as
  :func:`peerbench.schema.instruments.change_category`); null where the registry has
  no threshold: the stats layer applies a Jacobson-Truax threshold instead.
* **case_baseline** / **case_follow_up**: the score is in the clinical range
  (``at_or_above``: score ≥ cut-off; ``below``: score < cut-off); null without a rule.
* **recovered**: case at baseline and not at follow-up (null without a caseness rule).
* **reliably_recovered**: recovered and reliably improved (null if either is null).

Everything is computed in one pass: :func:`participant_outcomes` groups the scored rows
by participant × instrument once (earliest baseline and last follow-up per timepoint via
``min_by``/``max_by``, which DuckDB and Spark both provide), and :func:`paired` unfolds
that wide row into one row per follow-up.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from peerbench.aggregate.timepoints import FOLLOW_UPS as FOLLOW_UPS

KEYS = ("participant_key", "service_id", "instrument")
"""One baseline per participant × service × instrument."""

EPSILON = 1e-9
"""Tolerance so that float noise cannot push a change that equals the threshold below it."""

_NULL_BOOL: Any = ibis.null().cast("boolean")


def _builtin(name: str, dtype: dt.DataType) -> Any:
    """The backend's own aggregate ``name(arg, key)`` for ``arg`` of type ``dtype``.

    ``min_by`` and ``max_by`` (the value of ``arg`` on the row with the smallest or
    largest ``key``) exist with the same name and meaning in DuckDB and Spark.
    """

    def stub(arg: Any, key: Any) -> Any:  # never called: the backend runs its own
        raise NotImplementedError

    stub.__name__ = f"{name}_{type(dtype).__name__.lower()}"
    return ibis.udf.agg.builtin(stub, name=name, signature=((dtype, dt.int64), dtype))


_min_by_float = _builtin("min_by", dt.float64)
_max_by_float = _builtin("max_by", dt.float64)
_min_by_string = _builtin("min_by", dt.string)


def day_of(seq: ir.IntegerValue) -> Any:
    """The day number (days since 1970-01-01) held in the high 32 bits of a ``seq`` key."""
    return seq // 4294967296


def date_of(seq: ir.IntegerValue) -> Any:
    """The date held in a ``seq`` key (see :func:`day_of`)."""
    return ibis.date("1970-01-01") + day_of(seq).as_interval("D")


def is_case(score: ir.FloatingValue, rule: ir.StringValue, threshold: ir.FloatingValue) -> Any:
    """Caseness of ``score``; null when the instrument has no rule."""
    return ibis.cases(
        (rule == "at_or_above", score >= threshold),
        (rule == "below", score < threshold),
        else_=_NULL_BOOL,
    )


def reliably_improved(change: ir.FloatingValue, threshold: ir.FloatingValue) -> Any:
    """Oriented change at or beyond the threshold (null without a threshold)."""
    return change >= threshold - EPSILON


def participant_outcomes(scored: ir.Table, params: ir.Table) -> ir.Table:
    """One wide row per participant × service × instrument that has a scored baseline.

    Args:
        scored: The scored table.
        params: The instrument-parameters table.

    Returns:
        ``person, service_id, instrument, period, baseline_seq, baseline_score``,
        then ``{T}_seq`` and ``{T}_score`` for each follow-up timepoint T (null when
        not measured; :func:`date_of` and :func:`day_of` read the date in a ``seq``
        key, which is turned into a date only where one is shown), and the instrument's
        ``direction, rc_threshold, case_rule, case_threshold``.
    """
    rows = scored.filter(scored.score.notnull())

    def only(timepoint: str, value: ir.Value) -> Any:
        # A CASE inside the aggregate rather than FILTER: the same result (null keys are
        # skipped), and DuckDB runs it faster; Spark compiles FILTER to this anyway.
        return ibis.cases((rows.timepoint == timepoint, value))

    base_seq = only("baseline", rows.seq)
    metrics: dict[str, Any] = {
        "baseline_seq": base_seq.min(),
        "baseline_score": _min_by_float(only("baseline", rows.score), base_seq),
        "period": _min_by_string(only("baseline", rows._period), base_seq),
    }
    for tp in FOLLOW_UPS:
        seq = only(tp, rows.seq)
        metrics[f"{tp}_seq"] = seq.max()  # the date is in the key: no second arg_max
        metrics[f"{tp}_score"] = _max_by_float(only(tp, rows.score), seq)
    # service_id is fixed for a person; grouping by it is cheaper than carrying it as an
    # aggregate. Participant keys are attached only where asked for (with_participants).
    wide = rows.group_by("person", "instrument", "service_id").aggregate(**metrics)
    wide = wide.filter(wide.baseline_seq.notnull())
    joined = wide.join(params, "instrument", how="left")
    return joined.select(
        "person",
        "service_id",
        "instrument",
        "period",
        "baseline_seq",
        "baseline_score",
        *(f"{tp}_{part}" for tp in FOLLOW_UPS for part in ("seq", "score")),
        direction=joined.direction.cast("float64"),
        rc_threshold=joined.rc_threshold,
        case_rule=joined.case_rule,
        case_threshold=joined.case_threshold,
    )


def baselines(wide: ir.Table) -> ir.Table:
    """One row per participant × service × instrument with a baseline.

    Args:
        wide: The :func:`participant_outcomes` table.

    Returns:
        Columns ``person, service_id, instrument, period, baseline_date,
        baseline_score, case_baseline`` (see :func:`with_participants` for keys).
    """
    return wide.select(
        "person",
        "service_id",
        "instrument",
        "period",
        baseline_date=date_of(wide.baseline_seq),
        baseline_score=wide.baseline_score,
        case_baseline=is_case(wide.baseline_score, wide.case_rule, wide.case_threshold),
    )


def _pairs_at(wide: ir.Table, tp: str) -> ir.Table:
    at = wide.filter(wide[f"{tp}_seq"].notnull())
    follow_up = at[f"{tp}_score"]
    change = (follow_up - at.baseline_score) * at.direction
    threshold = at.rc_threshold
    improved = reliably_improved(change, threshold)
    case_baseline = is_case(at.baseline_score, at.case_rule, at.case_threshold)
    case_follow_up = is_case(follow_up, at.case_rule, at.case_threshold)
    recovered = case_baseline & ~case_follow_up
    return at.select(
        "person",
        "service_id",
        "instrument",
        "period",
        timepoint=ibis.literal(tp, "string"),
        baseline_date=date_of(at.baseline_seq),
        baseline_score=at.baseline_score,
        follow_up_date=date_of(at[f"{tp}_seq"]),
        follow_up_score=follow_up,
        change=change,
        reliably_improved=improved,
        reliably_deteriorated=change <= -threshold + EPSILON,
        case_baseline=case_baseline,
        case_follow_up=case_follow_up,
        recovered=recovered,
        reliably_recovered=ibis.cases(
            (recovered.isnull() | improved.isnull(), _NULL_BOOL), else_=recovered & improved
        ),
    )


def paired(scored: ir.Table, params: ir.Table, wide: ir.Table | None = None) -> ir.Table:
    """Baseline/follow-up pairs: one row per participant × service × instrument × timepoint.

    Args:
        scored: The scored table.
        params: The instrument-parameters table.
        wide: The :func:`participant_outcomes` table, if already built (or materialised).

    Returns:
        ``person, service_id, instrument, period, timepoint, baseline_date,
        baseline_score, follow_up_date, follow_up_score, change, reliably_improved,
        reliably_deteriorated, case_baseline, case_follow_up, recovered,
        reliably_recovered`` (see the module docstring;
        :func:`with_participants` adds the participant key).
    """
    wide = participant_outcomes(scored, params) if wide is None else wide
    return ibis.union(*(_pairs_at(wide, tp) for tp in FOLLOW_UPS))


def participant_keys(scored: ir.Table) -> ir.Table:
    """``person`` → ``participant_key`` and ``organisation_id``: the rows
    :func:`with_participants` joins (one per distinct combination)."""
    return scored.select(
        "person", "participant_key", organisation_id=scored._organisation_id
    ).distinct()


def with_participants(
    table: ir.Table, scored: ir.Table, people: ir.Table | None = None
) -> ir.Table:
    """``table`` (keyed by ``person``) with ``participant_key`` and ``organisation_id`` added.

    Kept out of the aggregations themselves: carrying 32-character keys through them
    costs more than everything else, and no benchmark table needs them.

    Args:
        table: A participant-level table with a ``person`` column.
        scored: The scored table.
        people: :func:`participant_keys` of ``scored``, if already built (or
            materialised, so that several tables share one distinct of the scored rows).
    """
    people = participant_keys(scored) if people is None else people
    joined = table.join(people, "person", how="left")
    return joined.select("participant_key", "organisation_id", *table.columns)
