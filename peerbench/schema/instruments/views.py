"""Views derived from an instrument definition, shared by the pydantic model and its frozen copy.

:class:`~peerbench.schema.instruments.definition.InstrumentDefinition` and
:class:`~peerbench.schema.instruments.frozen.FrozenDefinition` expose the same methods
by calling these functions, so there is one implementation of each. Nothing here
imports pydantic.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from peerbench.schema.instruments.kinds import ScoringMethod
from peerbench.schema.labels import normalise_label


def items(d: Any, make: Callable[..., Any]) -> list[Any]:
    """One item per item of ``d`` (numbered from 1), each built by ``make(**fields)``.

    Per-item overrides and reverse flags are applied.
    """
    reverse = set(d.reverse_items)
    out: list[Any] = []
    for number in range(1, d.item_count + 1):
        override = d.item_overrides.get(number)
        label = None if override is None else override.label
        low = None if override is None else override.min
        high = None if override is None else override.max
        out.append(
            make(
                number=number,
                label=label or f"Item {number}",
                min=d.response_min if low is None else low,
                max=d.response_max if high is None else high,
                reverse=number in reverse,
            )
        )
    return out


def answer_code(d: Any, label: str) -> int | None:
    """The response code of an answer word, or None (see ``InstrumentDefinition``)."""
    lookup = _answer_lookup(tuple(d.response_labels.items()))
    return lookup.get(normalise_label(label))


def raw_range(d: Any) -> tuple[int, int]:
    """Lowest and highest possible sum of all items."""
    expanded = items(d, dict)
    return sum(i["min"] for i in expanded), sum(i["max"] for i in expanded)


def derived_score_range(d: Any) -> tuple[float, float] | None:
    """The score range implied by the items and method, where one is implied."""
    low, high = raw_range(d)
    method = d.scoring.method
    if method is ScoringMethod.SUM:
        return float(low), float(high)
    if method is ScoringMethod.MEAN:
        return low / d.item_count, high / d.item_count
    if method is ScoringMethod.SCALED_MEAN and d.scoring.multiplier is not None:
        scale = d.scoring.multiplier / d.item_count
        return low * scale, high * scale
    if method is ScoringMethod.CATEGORICAL:
        return float(d.response_min), float(d.response_max)
    return None


def score_range(d: Any) -> tuple[float, float] | None:
    """The declared ``(score_min, score_max)``, or None when no total score exists."""
    if d.score_min is None or d.score_max is None:
        return None
    return d.score_min, d.score_max


def subscale(d: Any, name: str) -> Any:
    """The subscale called ``name``.

    Raises:
        KeyError: if the instrument has no such subscale.
    """
    for sub in d.subscales:
        if sub.name == name:
            return sub
    known = ", ".join(s.name for s in d.subscales) or "none"
    raise KeyError(f"{d.code} has no subscale {name!r}; subscales: {known}")


@cache
def _answer_lookup(labels: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """Normalised answer word → code, built once per set of labels."""
    return {normalise_label(word): code for word, code in labels}
