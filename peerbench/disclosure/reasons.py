"""Why a cell was suppressed: stable reason codes and the explanation shown to readers."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class SuppressionReason(StrEnum):
    """Stable reason codes for a suppressed cell."""

    SMALL_COUNT = "small-count"
    BELOW_MIN_N = "below-min-n"
    SECONDARY = "secondary"


MESSAGES: dict[SuppressionReason, str] = {
    SuppressionReason.SMALL_COUNT: "A count of {low}–{high} is not shown, to protect privacy.",
    SuppressionReason.BELOW_MIN_N: "Not shown: it rests on fewer than {min_n} people.",
    SuppressionReason.SECONDARY: (
        "Also hidden so that a hidden count cannot be worked out from totals "
        "or from another published table."
    ),
}


class Suppressed(BaseModel):
    """A suppressed value: an explicit marker, never ``None``.

    Attributes:
        reason: The stable reason code.
        symbol: What to print in place of the value (``*``).
        message: A plain-English explanation for footnotes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: SuppressionReason
    symbol: str = "*"
    message: str

    def __str__(self) -> str:
        return self.symbol
