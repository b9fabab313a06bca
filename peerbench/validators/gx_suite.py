"""Great Expectations suites generated from the standard, and the table view they check.

Nothing here is written per field: every expectation comes from
:func:`peerbench.schema.introspect.field_specs`, the code lists, the record types'
cross-field rules and the instrument registry.

Field expectations (dimension in brackets):

* required field → ``expect_column_values_to_not_be_null`` (completeness, must be 100%);
* optional core/standard field → ``expect_column_values_to_not_be_null`` with
  ``mostly`` = the tier's threshold (completeness; see :class:`Thresholds`);
* code-list field → ``expect_column_values_to_be_in_set`` with exactly the codes (validity);
* list of codes → ``expect_column_values_to_match_regex`` on the ``;``-joined codes, the
  number of codes bounded by the field's length limit (validity);
* ``ge`` / ``le`` → ``expect_column_values_to_be_between`` (validity);
* pattern → ``expect_column_values_to_match_regex`` (validity);
* text ``max_length`` → ``expect_column_value_lengths_to_be_between`` (validity);
* rules: ``NotBefore`` / ``NotGreater`` → ``expect_column_pair_values_a_to_be_greater_than_b``;
  ``RequiredWhen`` / ``EmptyExactlyWhen`` / ``OnlyWithTrue`` → (not-)null expectations with a
  ``row_condition`` (validity).

Dataset-level expectations on derived columns of the outcome table (see :func:`gx_view`):

* ``baseline__has_followup`` in ``{True}`` with ``mostly`` = follow-up threshold (coverage);
* mean of ``items__missing_share`` at most the item-missingness threshold (items).

Every expectation carries ``meta = {"check": ..., "dimension": ...}`` so results can be
scored without relying on GX's result order, which is not the suite's order.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.instruments import ScoringMethod, default_registry
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.rules import (
    EmptyExactlyWhen,
    NotBefore,
    NotGreater,
    OnlyWithTrue,
    RequiredWhen,
)

# GX Core 1.x reads this before building any context. 1.24 no longer ships usage statistics,
# but the allowed range (>=1.3) includes releases that send analytics events by default,
# and a validator must never phone home with a user's run.
os.environ["GX_ANALYTICS_ENABLED"] = "False"

with warnings.catch_warnings():
    # GX 1.x imports the stdlib's sre_constants / sre_parse, which Python 3.11 deprecates;
    # with pytest's filterwarnings=error that import would fail. Silence exactly those two.
    warnings.filterwarnings(
        "ignore",
        message=r"module 'sre_(constants|parse)' is deprecated",
        category=DeprecationWarning,
    )
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

FOLLOW_UP_COLUMN = "baseline__has_followup"
ITEM_MISSING_COLUMN = "items__missing_share"
CODES_SEPARATOR = ";"

# Fields whose presence depends on whether the instrument is licensed: True = expected for
# licensed instruments only, False = expected for all others. records.py states this only
# in rule text (no Rule object), so it is named here; see the module's interface note.
_LICENCE_CONDITIONAL = {"items": False, "licensed_score": True, "licensed_level": True}


@dataclass(frozen=True)
class Thresholds:
    """The ``mostly`` thresholds of the dataset-level expectations (shares, 0–1).

    Attributes:
        core: Minimum share filled for an optional core field.
        standard: Minimum share filled for an optional standard field.
        follow_up: Minimum share of participants with a baseline who have a follow-up.
        item_missing: Maximum mean share of missing items per outcome form.
    """

    core: float = 0.95
    standard: float = 0.80
    follow_up: float = 0.50
    item_missing: float = 0.05


DEFAULT_THRESHOLDS = Thresholds()


def _meta(check: str, dimension: str) -> dict[str, Any]:
    return {"check": check, "dimension": dimension}


def licensed_instruments() -> list[str]:
    """Codes of registered instruments scored by the licensor's software (e.g. ``PAM13``)."""
    return sorted(d.code for d in default_registry() if d.scoring.method is ScoringMethod.LICENSED)


def _codes_regex(codes: list[str], max_items: int | None) -> str:
    alternatives = "|".join(re.escape(c) for c in codes)
    repeat = "*" if max_items is None else f"{{0,{max(max_items - 1, 0)}}}"
    return f"^(?:{alternatives})(?:{CODES_SEPARATOR}(?:{alternatives})){repeat}$"


def _presence_rule_fields(record_type: str) -> set[str]:
    """Fields whose presence a rule governs: scored under validity, not completeness."""
    model = RECORD_TYPES[record_type]
    return {r.field for r in model.rules if isinstance(r, EmptyExactlyWhen | OnlyWithTrue)}


def _completeness(spec: FieldSpec, record_type: str, t: Thresholds) -> Iterator[Any]:
    if spec.required:
        yield gx.expectations.ExpectColumnValuesToNotBeNull(
            column=spec.name, meta=_meta("required", "completeness")
        )
        return
    if spec.tier not in ("core", "standard") or spec.name in _presence_rule_fields(record_type):
        return
    mostly = t.core if spec.tier == "core" else t.standard
    condition = None
    if record_type == "outcome" and spec.name in _LICENCE_CONDITIONAL:
        licensed = Column("instrument").is_in(licensed_instruments())
        unlicensed = Column("instrument").is_not_in(licensed_instruments())
        condition = licensed if _LICENCE_CONDITIONAL[spec.name] else unlicensed
    yield gx.expectations.ExpectColumnValuesToNotBeNull(
        column=spec.name,
        mostly=mostly,
        row_condition=condition,
        meta=_meta("filled", "completeness"),
    )


def _validity(spec: FieldSpec) -> Iterator[Any]:
    meta = _meta
    if spec.kind == "code" and spec.codelist is not None:
        yield gx.expectations.ExpectColumnValuesToBeInSet(
            column=spec.name, value_set=spec.codelist.codes(), meta=meta("code", "validity")
        )
    if spec.kind == "codes" and spec.codelist is not None:
        yield gx.expectations.ExpectColumnValuesToMatchRegex(
            column=spec.name,
            regex=_codes_regex(spec.codelist.codes(), spec.max_length),
            meta=meta("codes", "validity"),
        )
    if spec.kind in ("integer", "number") and (
        spec.minimum is not None or spec.maximum is not None
    ):
        yield gx.expectations.ExpectColumnValuesToBeBetween(
            column=spec.name,
            min_value=spec.minimum,
            max_value=spec.maximum,
            meta=meta("range", "validity"),
        )
    if spec.pattern is not None:
        yield gx.expectations.ExpectColumnValuesToMatchRegex(
            column=spec.name, regex=spec.pattern, meta=meta("pattern", "validity")
        )
    if spec.kind == "string" and spec.max_length is not None:
        yield gx.expectations.ExpectColumnValueLengthsToBeBetween(
            column=spec.name, max_value=spec.max_length, meta=meta("length", "validity")
        )


def _rules(record_type: str) -> Iterator[Any]:
    for rule in RECORD_TYPES[record_type].rules:
        meta = _meta(f"rule:{rule.code}", "validity")
        if isinstance(rule, NotBefore | NotGreater):
            # NotBefore: field >= other; NotGreater: other >= field.
            swap = isinstance(rule, NotGreater)
            later, earlier = (rule.other, rule.field) if swap else (rule.field, rule.other)
            yield gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=later,
                column_B=earlier,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=meta,
            )
        elif isinstance(rule, RequiredWhen):
            yield gx.expectations.ExpectColumnValuesToNotBeNull(
                column=rule.field, row_condition=Column(rule.other) == rule.value, meta=meta
            )
        elif isinstance(rule, EmptyExactlyWhen):
            yield gx.expectations.ExpectColumnValuesToBeNull(
                column=rule.field, row_condition=Column(rule.other) == rule.value, meta=meta
            )
            yield gx.expectations.ExpectColumnValuesToNotBeNull(
                column=rule.field, row_condition=Column(rule.other) != rule.value, meta=meta
            )
        elif isinstance(rule, OnlyWithTrue):
            yield gx.expectations.ExpectColumnValuesToBeNull(
                column=rule.field,
                # GX builds a condition from `!=` (its IN rejects booleans); `is not` would not.
                row_condition=Column(rule.other) != True,  # noqa: E712
                meta=meta,
            )
        else:  # a new Rule class must be taught to the suite, not silently skipped
            raise TypeError(f"no GX expectation for rule {type(rule).__name__}")


def _dataset_level(record_type: str, t: Thresholds) -> Iterator[Any]:
    if record_type != "outcome":
        return
    yield gx.expectations.ExpectColumnValuesToBeInSet(
        column=FOLLOW_UP_COLUMN,
        value_set=[True],
        mostly=t.follow_up,
        meta=_meta("follow-up", "coverage"),
    )
    yield gx.expectations.ExpectColumnMeanToBeBetween(
        column=ITEM_MISSING_COLUMN,
        min_value=0.0,
        max_value=t.item_missing,
        meta=_meta("item-missingness", "items"),
    )


def expectations(record_type: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Any]:
    """Every expectation of ``record_type``'s suite, in a stable order."""
    out: list[Any] = []
    for spec in field_specs(RECORD_TYPES[record_type]):
        out.extend(_completeness(spec, record_type, thresholds))
        out.extend(_validity(spec))
    out.extend(_rules(record_type))
    out.extend(_dataset_level(record_type, thresholds))
    return out


def suite_name(record_type: str) -> str:
    """The suite's name: ``peerbench.<record_type>``."""
    return f"peerbench.{record_type}"


def expectation_suite(
    record_type: str, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> gx.ExpectationSuite:
    """The GX expectation suite for ``record_type``, generated from the standard.

    Args:
        record_type: A key of :data:`peerbench.schema.records.RECORD_TYPES`.
        thresholds: ``mostly`` thresholds of the dataset-level expectations.

    Returns:
        A new, unsaved suite (add it to a context to run it).
    """
    return gx.ExpectationSuite(
        name=suite_name(record_type), expectations=expectations(record_type, thresholds)
    )


def _strip_volatile(value: Any) -> Any:
    """Drop GX's random ids and its version stamp, so equal suites give equal JSON."""
    if isinstance(value, dict):
        return {
            k: _strip_volatile(v)
            for k, v in value.items()
            if k not in ("id", "great_expectations_version")
        }
    if isinstance(value, list):
        return [_strip_volatile(v) for v in value]
    return value


def suite_json(record_type: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> dict[str, Any]:
    """The suite as JSON-ready data, identical on every run (for ``schema/gx/``).

    Write it with ``json.dumps(suite_json(rt), indent=2, sort_keys=True)`` to
    ``schema/gx/<record_type>.json``; :func:`suite_from_json` loads it back.
    """
    data: dict[str, Any] = _strip_volatile(
        expectation_suite(record_type, thresholds).to_json_dict()
    )
    return data


def suite_from_json(data: dict[str, Any]) -> gx.ExpectationSuite:
    """A GX suite from :func:`suite_json` output (e.g. a file in ``schema/gx/``)."""
    return gx.ExpectationSuite(**data)


# --------------------------------------------------------------------- the table GX sees
def _joined_codes(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.binary_join(column, CODES_SEPARATOR)


def _item_missing_share(table: pa.Table) -> pa.Array:
    """Per outcome row: missing item responses ÷ the instrument's item count.

    Rows whose items are not expected (licensed instruments) or whose instrument is
    unknown give null; a form with no items at all when they are expected gives 1.
    """
    registry = default_registry()
    licensed = set(licensed_instruments())
    codes = [c for c in registry.codes() if c not in licensed]
    counts = pa.array([registry.get(c).item_count for c in codes], pa.float64())
    index = pc.index_in(table.column("instrument"), value_set=pa.array(codes, pa.string()))
    expected = pc.take(counts, index)  # null where the instrument is unknown or licensed
    items = table.column("items")
    array = items.combine_chunks() if isinstance(items, pa.ChunkedArray) else items
    # Answered items per row from a running count over the flat values: one vectorised
    # pass, no per-row Python. Offsets index the whole child array, so use them raw.
    offsets = np.asarray(array.offsets)
    valid = np.asarray(array.values.is_valid(), dtype=np.int64)
    cumulative = np.concatenate([[0], np.cumsum(valid)])
    filled = (cumulative[offsets[1:]] - cumulative[offsets[:-1]]).astype(np.float64)
    filled = np.where(np.asarray(array.is_valid()), filled, 0.0)
    share = pc.divide(pc.subtract(expected, pa.array(filled)), expected)
    return pc.max_element_wise(share, pa.scalar(0.0))


def follow_up_flags(table: pa.Table) -> pa.Array:
    """Per outcome row: for each participant's first baseline row, whether they followed up.

    A participant is ``(participant_key, service_id)``. The flag is True when, for at least
    one instrument they have a baseline on, they also have a non-baseline measurement of
    that instrument; False when they have none; null on every other row (so GX counts each
    participant with a baseline exactly once).
    """
    keys = ["participant_key", "service_id"]
    n = table.num_rows
    base = table.select([*keys, "instrument", "timepoint"]).append_column(
        "__row", pa.array(np.arange(n, dtype=np.int64))
    )
    is_baseline = pc.fill_null(pc.equal(base.column("timepoint"), "baseline"), False)
    is_follow = pc.fill_null(pc.invert(is_baseline), False)
    is_follow = pc.and_(is_follow, pc.is_valid(base.column("timepoint")))
    baselines = base.filter(is_baseline)
    pairs = [*keys, "instrument"]
    followed = base.filter(is_follow).group_by(pairs).aggregate([])
    followed = followed.append_column("__followed", pa.repeat(pa.scalar(True), followed.num_rows))
    joined = baselines.join(followed, pairs, join_type="left outer")
    per_participant = joined.group_by(keys).aggregate([("__row", "min"), ("__followed", "any")])
    flags = np.full(n, None, dtype=object)
    rows = per_participant.column("__row_min").to_numpy()
    flags[rows] = pc.fill_null(per_participant.column("__followed_any"), False).to_numpy(
        zero_copy_only=False
    )
    return pa.array(flags, type=pa.bool_())


def gx_view(table: pa.Table, record_type: str) -> pa.Table:
    """The columns the suite checks: canonical columns with lists made scalar, plus derived ones.

    Lists of codes become ``;``-joined text; a list of integers (``items``) becomes its
    length, so not-null still means "given". The outcome table gains
    :data:`ITEM_MISSING_COLUMN` and, unless ``table`` already has it,
    :data:`FOLLOW_UP_COLUMN` (which needs all rows: compute it on the full table before
    sampling, as :func:`peerbench.validators.quality.quality_profile` does).
    """
    columns: dict[str, Any] = {}
    for spec in field_specs(RECORD_TYPES[record_type]):
        column = table.column(spec.name)
        if spec.kind == "codes":
            column = _joined_codes(column)
        elif spec.kind == "integers":
            column = pc.list_value_length(column)
        columns[spec.name] = column
    if record_type == "outcome":
        columns[ITEM_MISSING_COLUMN] = _item_missing_share(table)
        columns[FOLLOW_UP_COLUMN] = (
            table.column(FOLLOW_UP_COLUMN)
            if FOLLOW_UP_COLUMN in table.column_names
            else follow_up_flags(table)
        )
    return pa.table(columns)


# ------------------------------------------------------------------------- running suites
@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome, in GX-neutral terms.

    Attributes:
        expectation: GX expectation type (``expect_column_values_to_not_be_null``).
        column: The column checked (``column_A`` for pair expectations).
        check: peerbench's name for the check (``required``, ``code``, ``rule:date-order``).
        dimension: ``completeness``, ``validity``, ``coverage`` or ``items``.
        success: GX's verdict (honours ``mostly``).
        checked: Values assessed: rows minus those GX skipped as missing (None for
            aggregate expectations such as a column mean).
        failed: Values that broke the expectation (None for aggregates).
        observed: Share passing, or the aggregate's observed value, as a percentage.
        mostly: The expectation's threshold as a percentage, if it has one.
    """

    expectation: str
    column: str | None
    check: str
    dimension: str
    success: bool
    checked: int | None
    failed: int | None
    observed: float | None
    mostly: float | None


def _result(raw: Any) -> ExpectationResult:
    config = raw.expectation_config
    kwargs = dict(config.kwargs)
    meta = dict(config.meta or {})
    result = dict(raw.result or {})
    checked: int | None = None
    failed: int | None = None
    observed: float | None = None
    if "element_count" in result:
        checked = int(result["element_count"]) - int(result.get("missing_count") or 0)
        failed = int(result.get("unexpected_count") or 0)
        observed = 100.0 * (checked - failed) / checked if checked else None
    elif result.get("observed_value") is not None:
        observed = 100.0 * float(result["observed_value"])
    mostly = kwargs.get("mostly")
    return ExpectationResult(
        expectation=str(config.type),
        column=kwargs.get("column", kwargs.get("column_A")),
        check=str(meta.get("check", "")),
        dimension=str(meta.get("dimension", "")),
        success=bool(raw.success),
        checked=checked,
        failed=failed,
        observed=observed,
        mostly=None if mostly is None else 100.0 * float(mostly),
    )


class SuiteRunner:
    """One ephemeral GX context holding the peerbench suites; build once, run many times.

    Building a context and registering suites costs far more than running them on a
    small frame, so tests and benchmarks share one runner.
    """

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.thresholds = thresholds
        self._context = gx.get_context(mode="ephemeral")
        # tqdm bars on stderr for every run would drown the CLI's own output.
        self._context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        self._source = self._context.data_sources.add_pandas("peerbench")
        self._definitions: dict[str, Any] = {}

    def _definition(self, record_type: str) -> Any:
        if record_type not in self._definitions:
            asset = self._source.add_dataframe_asset(record_type)
            batch = asset.add_batch_definition_whole_dataframe(record_type)
            suite = self._context.suites.add(expectation_suite(record_type, self.thresholds))
            self._definitions[record_type] = self._context.validation_definitions.add(
                gx.ValidationDefinition(name=suite_name(record_type), data=batch, suite=suite)
            )
        return self._definitions[record_type]

    def run(self, view: pa.Table, record_type: str) -> list[ExpectationResult]:
        """Run ``record_type``'s suite on a table from :func:`gx_view` (load it whole).

        Returns:
            One result per expectation, in the suite's order.
        """
        frame = view.to_pandas(date_as_object=False)
        definition = self._definition(record_type)
        outcome = definition.run(batch_parameters={"dataframe": frame}, result_format="BASIC")
        # GX returns results in its own order; put them back in the suite's.
        position = {e.id: i for i, e in enumerate(definition.suite.expectations)}
        raws = sorted(outcome.results, key=lambda raw: position[raw.expectation_config.id])
        return [_result(raw) for raw in raws]
