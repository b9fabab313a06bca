"""Suppressed values in reports: recognise the markers and word them for readers.

Disclosure control (:mod:`peerbench.disclosure`) never publishes a hidden number as
``None``; it sends an explicit marker. Reports accept the marker in any of the shapes the
number-producing code emits:

* ``{"value": None, "suppressed": "small-count"}`` (a dict with a ``suppressed`` key),
* :class:`peerbench.disclosure.Suppressed` (a model with a ``reason``),
* :class:`SuppressedValue` (this module's own form).

Charts skip such values; tables and key figures print plain words such as
"suppressed (fewer than 8 people)", and the report ends with a legend of the reasons used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from peerbench.benchmarking.sufficiency import TOO_FEW_SERVICES
from peerbench.disclosure import DisclosurePolicy, Suppressed, SuppressionReason

OTHER = "other"


@dataclasses.dataclass(frozen=True)
class SuppressedValue:
    """A value hidden by disclosure control.

    Attributes:
        reason: A :class:`~peerbench.disclosure.SuppressionReason` code
            (``small-count``, ``below-min-n``, ``secondary``) or ``other``.
    """

    reason: str = OTHER

    def __str__(self) -> str:
        return SuppressionWording().short(self.reason)


def as_suppressed(value: object) -> SuppressedValue | None:
    """Return the marker if ``value`` is a suppressed value, else ``None``.

    Args:
        value: A cell, number or marker in any supported shape.

    Returns:
        The normalised marker, or ``None`` when ``value`` is an ordinary value.
    """
    if isinstance(value, SuppressedValue):
        return value
    if isinstance(value, Suppressed):
        return SuppressedValue(value.reason.value)
    if isinstance(value, Mapping) and value.get("suppressed"):
        reason = value["suppressed"]
        return SuppressedValue(str(reason) if isinstance(reason, str) else OTHER)
    return None


def is_suppressed(value: object) -> bool:
    """Whether ``value`` is a suppressed marker (see :func:`as_suppressed`)."""
    return as_suppressed(value) is not None


def find_suppressed(values: Iterable[Any]) -> list[SuppressedValue]:
    """Every marker among ``values``, in order (for legends and alt text)."""
    return [m for m in map(as_suppressed, values) if m is not None]


@dataclasses.dataclass(frozen=True)
class SuppressionWording:
    """Plain-English words for hidden values, following the disclosure policy in force.

    Attributes:
        small_count_min: Smallest count that is hidden (1; 0 under the dashboard rule).
        small_count_max: Largest count that is hidden (7 under the NHS Digital rule).
        min_n: Fewest people a statistic may rest on (10).
        min_services: Fewest services in every group compared (5).
    """

    small_count_min: int = 1
    small_count_max: int = 7
    min_n: int = 10
    min_services: int = 5

    @classmethod
    def from_policy(cls, policy: DisclosurePolicy) -> SuppressionWording:
        """Wording that matches a :class:`~peerbench.disclosure.DisclosurePolicy`."""
        return cls(
            small_count_min=policy.small_count_min,
            small_count_max=policy.small_count_max,
            min_n=policy.min_n,
            min_services=policy.min_services,
        )

    def short(self, reason: str) -> str:
        """Text printed in place of the value, e.g. "suppressed (fewer than 8 people)"."""
        if reason == SuppressionReason.SMALL_COUNT:
            return f"suppressed (fewer than {self.small_count_max + 1} people)"
        if reason == SuppressionReason.BELOW_MIN_N:
            return f"suppressed (fewer than {self.min_n} people)"
        if reason == SuppressionReason.SECONDARY:
            return "suppressed (to protect another hidden number)"
        if reason == TOO_FEW_SERVICES:
            return f"not compared (fewer than {self.min_services} services)"
        return "suppressed"

    def explain(self, reason: str) -> str:
        """One sentence for the legend saying why such values are hidden."""
        if reason == SuppressionReason.SMALL_COUNT:
            return (
                f"Counts of {self.small_count_min} to {self.small_count_max} people are not "
                "shown, so that "
                "nobody can be recognised from the figures."
            )
        if reason == SuppressionReason.BELOW_MIN_N:
            return (
                f"Results based on fewer than {self.min_n} people are not shown, because "
                "they would be unreliable and could identify someone."
            )
        if reason == SuppressionReason.SECONDARY:
            return (
                "Some other numbers are also hidden, so that a hidden number cannot be "
                "worked out by subtracting from a total."
            )
        if reason == TOO_FEW_SERVICES:
            return (
                f"Services are only compared when every group compared has at least "
                f"{self.min_services} services; with fewer, a difference would be one "
                "service against another."
            )
        return "This number is not shown, to protect the privacy of the people behind it."
