"""Cross-field checks on an instrument definition.

Each check returns every problem it finds, with the field path, so that a YAML author
sees all mistakes at once rather than one per attempt.
"""

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from peerbench.schema.instruments.components import (
    SUMMARY_METHODS,
    Band,
    Direction,
    ScoringMethod,
)
from peerbench.schema.instruments.errors import PathPart, Problem
from peerbench.schema.labels import normalise_label

if TYPE_CHECKING:
    from peerbench.schema.instruments.definition import InstrumentDefinition

_TOLERANCE = 1e-9


def definition_problems(d: "InstrumentDefinition") -> list[Problem]:
    """Every cross-field problem in a definition whose fields are individually valid."""
    problems = _item_problems(d)
    if problems:
        # Later checks derive ranges from the items, so they only run on sane items.
        return problems
    return (
        _label_problems(d)
        + _missing_problems(d)
        + _method_problems(d)
        + _score_problems(d)
        + _subscale_problems(d)
    )


def _label_problems(d: "InstrumentDefinition") -> list[Problem]:
    """Response labels: each a response every item accepts, no label twice (normalised)."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    low, high = d.response_min, d.response_max
    for label, code in d.response_labels.items():
        folded = normalise_label(label)
        if not folded:
            problems.append(Problem(("response_labels",), "a label is empty"))
        elif folded in seen:
            problems.append(
                Problem(
                    ("response_labels", label),
                    f"{label!r} and {seen[folded]!r} are the same label (case and spaces "
                    "are ignored)",
                )
            )
        seen[folded] = label
        if not low <= code <= high:
            problems.append(
                Problem(
                    ("response_labels", label),
                    f"{code} is outside the responses {low}-{high}",
                )
            )
    return problems


def check_bands(
    bands: Sequence[Band], low: float, high: float, path: tuple[PathPart, ...]
) -> list[Problem]:
    """Bands must lie inside ``[low, high]``, ascend and not overlap."""
    problems: list[Problem] = []
    for i, band in enumerate(bands):
        if band.min < low or band.max > high:
            problems.append(
                Problem(
                    (*path, i),
                    f"band {band.label!r} ({band.min:g}-{band.max:g}) is outside the "
                    f"score range {low:g}-{high:g}",
                )
            )
        if i and band.min <= bands[i - 1].max:
            prev = bands[i - 1]
            problems.append(
                Problem(
                    (*path, i, "min"),
                    f"band {band.label!r} starts at {band.min:g}, which overlaps band "
                    f"{prev.label!r} ({prev.min:g}-{prev.max:g}); list bands in ascending "
                    "order without overlap",
                )
            )
    return problems


def _item_problems(d: "InstrumentDefinition") -> list[Problem]:
    problems: list[Problem] = []
    if d.response_min > d.response_max:
        problems.append(
            Problem(
                ("response_max",),
                f"{d.response_max} is below response_min {d.response_min}",
            )
        )
    for i, number in enumerate(d.reverse_items):
        if not 1 <= number <= d.item_count:
            problems.append(
                Problem(
                    ("reverse_items", i),
                    f"item {number} does not exist: items are numbered 1 to {d.item_count}",
                )
            )
    if len(set(d.reverse_items)) != len(d.reverse_items):
        problems.append(Problem(("reverse_items",), "lists an item more than once"))
    for number, override in d.item_overrides.items():
        if not 1 <= number <= d.item_count:
            problems.append(
                Problem(
                    ("item_overrides", number),
                    f"item {number} does not exist: items are numbered 1 to {d.item_count}",
                )
            )
        low = d.response_min if override.min is None else override.min
        high = d.response_max if override.max is None else override.max
        if low > high:
            problems.append(
                Problem(("item_overrides", number, "max"), f"{high} is below min {low}")
            )
    return problems


def _missing_problems(d: "InstrumentDefinition") -> list[Problem]:
    rule, method = d.missing, d.scoring.method
    if method not in SUMMARY_METHODS:
        if rule.prorate:
            return [
                Problem(
                    ("missing", "prorate"),
                    f"pro-rating does not apply to the {method.value} method",
                )
            ]
        return []
    if rule.max_missing >= d.item_count:
        return [
            Problem(
                ("missing", "max_missing"),
                f"{rule.max_missing} would allow scoring with no items answered; "
                f"it must be below item_count ({d.item_count})",
            )
        ]
    if rule.max_missing > 0 and not rule.prorate:
        # A plain sum of fewer items is on a different scale, so it is never allowed.
        return [
            Problem(
                ("missing", "prorate"),
                "must be true when max_missing is above 0: a score from fewer items "
                "must be pro-rated to stay on the same scale",
            )
        ]
    return []


def _method_problems(d: "InstrumentDefinition") -> list[Problem]:
    s, method = d.scoring, d.scoring.method
    problems: list[Problem] = []

    def only_for(
        path: tuple[PathPart, ...], present: bool, wanted: ScoringMethod, required: bool
    ) -> None:
        if present and method is not wanted:
            problems.append(
                Problem(path, f"is only used by the {wanted.value} method, not {method.value}")
            )
        elif required and not present and method is wanted:
            problems.append(Problem(path, f"is required by the {wanted.value} method"))

    only_for(("scoring", "multiplier"), s.multiplier is not None, ScoringMethod.SCALED_MEAN, True)
    only_for(("scoring", "lookup"), s.lookup is not None, ScoringMethod.LOOKUP, True)
    # A value set is optional: without one, EQ-5D keeps levels and VAS but has no index.
    only_for(("scoring", "value_set"), s.value_set is not None, ScoringMethod.PROFILE, False)
    only_for(("categories",), bool(d.categories), ScoringMethod.CATEGORICAL, True)
    if s.lookup is not None:
        problems += _lookup_problems(d, s.lookup)
    if s.value_set is not None:
        problems += _value_set_problems(d)
    if method is ScoringMethod.CATEGORICAL:
        problems += _category_problems(d)
    return problems


def _lookup_problems(d: "InstrumentDefinition", table: dict[int, float]) -> list[Problem]:
    low, high = d.raw_range()
    problems: list[Problem] = []
    missing = [raw for raw in range(low, high + 1) if raw not in table]
    extra = sorted(raw for raw in table if not low <= raw <= high)
    if missing:
        problems.append(
            Problem(
                ("scoring", "lookup"),
                f"has no converted score for raw score(s) "
                f"{', '.join(map(str, missing))}; it must cover every raw score "
                f"from {low} to {high}",
            )
        )
    if extra:
        problems.append(
            Problem(
                ("scoring", "lookup"),
                f"raw score(s) {', '.join(map(str, extra))} cannot occur: raw scores "
                f"run from {low} to {high}",
            )
        )
    rng = d.score_range()
    if rng is not None:
        for raw, value in sorted(table.items()):
            if not rng[0] <= value <= rng[1]:
                problems.append(
                    Problem(
                        ("scoring", "lookup", raw),
                        f"converted score {value:g} is outside score_min-score_max "
                        f"{rng[0]:g}-{rng[1]:g}",
                    )
                )
    return problems


def _value_set_problems(d: "InstrumentDefinition") -> list[Problem]:
    assert d.scoring.value_set is not None
    items = d.items()
    problems: list[Problem] = []
    for number, decrements in d.scoring.value_set.decrements.items():
        path: tuple[PathPart, ...] = ("scoring", "value_set", "decrements", number)
        if not 1 <= number <= d.item_count:
            problems.append(Problem(path, f"item {number} does not exist"))
            continue
        item = items[number - 1]
        levels = item.max - item.min + 1
        if len(decrements) != levels:
            problems.append(
                Problem(
                    path,
                    f"needs one decrement per level ({levels} for item {number}), "
                    f"got {len(decrements)}",
                )
            )
    return problems


def _category_problems(d: "InstrumentDefinition") -> list[Problem]:
    problems: list[Problem] = []
    if d.item_count != 1:
        problems.append(Problem(("item_count",), "must be 1 for the categorical method"))
    values = [c.value for c in d.categories]
    expected = list(range(d.response_min, d.response_max + 1))
    if d.categories and sorted(values) != expected:
        problems.append(
            Problem(
                ("categories",),
                f"must give exactly one category for each response "
                f"{d.response_min} to {d.response_max}, got values {values}",
            )
        )
    return problems


def _score_problems(d: "InstrumentDefinition") -> list[Problem]:
    method = d.scoring.method
    problems: list[Problem] = []
    rng = d.score_range()
    if method is ScoringMethod.PER_ITEM:
        for field in ("score_min", "score_max", "bands", "caseness", "reliable_change"):
            if getattr(d, field):
                problems.append(
                    Problem(
                        (field,),
                        "does not apply to the per_item method: each subscale is "
                        "its own score (put bands on the subscales)",
                    )
                )
        return problems
    if rng is None:
        if method is not ScoringMethod.PROFILE:
            problems.append(
                Problem(
                    ("score_max",),
                    f"score_min and score_max are required by the {method.value} method",
                )
            )
        for field in ("bands", "caseness", "reliable_change"):
            if getattr(d, field):
                problems.append(Problem((field,), "needs score_min and score_max"))
        return problems
    low, high = rng
    if low >= high:
        return [Problem(("score_max",), f"{high:g} must be above score_min {low:g}")]
    derived = d.derived_score_range()
    if derived is not None:
        for field, declared, want in (
            ("score_min", low, derived[0]),
            ("score_max", high, derived[1]),
        ):
            if not math.isclose(declared, want, abs_tol=_TOLERANCE):
                problems.append(
                    Problem(
                        (field,),
                        f"{declared:g} does not match {want:g}, the value implied by "
                        f"{d.item_count} items scored by {method.value}",
                    )
                )
    problems += check_bands(d.bands, low, high, ("bands",))
    if d.caseness is not None and not low <= d.caseness.threshold <= high:
        problems.append(
            Problem(
                ("caseness", "threshold"),
                f"{d.caseness.threshold:g} is outside the score range {low:g}-{high:g}",
            )
        )
    if d.reliable_change is not None:
        if d.reliable_change.threshold > high - low:
            problems.append(
                Problem(
                    ("reliable_change", "threshold"),
                    f"{d.reliable_change.threshold:g} is larger than the whole "
                    f"score range {low:g}-{high:g}",
                )
            )
        if d.direction is Direction.NONE:
            problems.append(
                Problem(
                    ("direction",),
                    "must be higher_is_better or higher_is_worse when reliable_change is set",
                )
            )
    if d.levels is not None:
        for i, cut in enumerate(d.levels.cut_points):
            if not low <= cut <= high:
                problems.append(
                    Problem(
                        ("levels", "cut_points", i),
                        f"{cut:g} is outside the score range {low:g}-{high:g}",
                    )
                )
    return problems


def _subscale_problems(d: "InstrumentDefinition") -> list[Problem]:
    method = d.scoring.method
    problems: list[Problem] = []
    if d.subscales and method not in {ScoringMethod.PER_ITEM, ScoringMethod.PROFILE}:
        return [
            Problem(
                ("subscales",),
                f"are only used by the per_item and profile methods, not {method.value}",
            )
        ]
    items = d.items()
    names: set[str] = set()
    used: set[int] = set()
    for i, sub in enumerate(d.subscales):
        if sub.name in names:
            problems.append(Problem(("subscales", i, "name"), f"{sub.name!r} is repeated"))
        names.add(sub.name)
        if not 1 <= sub.item <= d.item_count:
            problems.append(
                Problem(
                    ("subscales", i, "item"),
                    f"item {sub.item} does not exist: items are numbered 1 to {d.item_count}",
                )
            )
            continue
        if sub.item in used:
            problems.append(Problem(("subscales", i, "item"), f"item {sub.item} has two subscales"))
        used.add(sub.item)
        item = items[sub.item - 1]
        problems += check_bands(sub.bands, item.min, item.max, ("subscales", i, "bands"))
    if method is ScoringMethod.PER_ITEM:
        lacking = sorted(set(range(1, d.item_count + 1)) - used)
        if lacking:
            problems.append(
                Problem(
                    ("subscales",),
                    f"every item needs a subscale for the per_item method; "
                    f"missing item(s) {', '.join(map(str, lacking))}",
                )
            )
    return problems
