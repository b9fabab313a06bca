"""Plain-English numbers for reports: "1,234 people", "52% (95% CI 47% to 57%)".

Rules, chosen for readers who are not statisticians:

* Whole numbers get thousands separators; people are counted as "person"/"people".
* Percentages are whole numbers unless asked otherwise; a proportion is given as 0–1.
* Rounding is half-up (2.5 → 3), as readers expect, not Python's round-half-even.
* Negative numbers use a true minus sign (−) so they do not read as a hyphen.
* A suppressed value (see :mod:`peerbench.reports.suppression`) becomes words such as
  "suppressed (fewer than 8 people)" wherever it is passed in place of a number.
* A missing value (``None`` or NaN) becomes "not available".
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from peerbench.reports.suppression import SuppressionWording, as_suppressed

NOT_AVAILABLE = "not available"
MINUS = "\u2212"

Number = float | int


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _guard(value: object, wording: SuppressionWording | None) -> str | None:
    """Words for a suppressed or missing value, else ``None`` (format the number)."""
    marker = as_suppressed(value)
    if marker is not None:
        return (wording or SuppressionWording()).short(marker.reason)
    if _missing(value):
        return NOT_AVAILABLE
    return None


def _as_float(value: object) -> float:
    # Callers have already ruled out markers and missing values.
    return float(cast(float, value))


def round_half_up(value: Number, digits: int = 0) -> Decimal:
    """``value`` rounded half away from zero to ``digits`` decimal places."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def number(value: object, digits: int = 0, *, wording: SuppressionWording | None = None) -> str:
    """A number with thousands separators: ``number(-1234.5, 1)`` → "−1,234.5".

    Args:
        value: A number, a suppressed marker, or ``None``.
        digits: Decimal places.
        wording: Words for suppressed values (defaults to the NHS Digital rule).
    """
    words = _guard(value, wording)
    if words is not None:
        return words
    rounded = round_half_up(_as_float(value), digits)
    if rounded == 0:
        rounded = abs(rounded)  # never print "−0"
    text = f"{abs(rounded):,.{digits}f}"
    return f"{MINUS}{text}" if rounded < 0 else text


def signed(value: object, digits: int = 1, *, wording: SuppressionWording | None = None) -> str:
    """A change with its sign: "+3.2", "−1.0", "0.0"."""
    words = _guard(value, wording)
    if words is not None:
        return words
    text = number(value, digits)
    return f"+{text}" if round_half_up(_as_float(value), digits) > 0 else text


def people(value: object, *, wording: SuppressionWording | None = None) -> str:
    """A head count: "1 person", "1,234 people"."""
    words = _guard(value, wording)
    if words is not None:
        return words
    text = number(value)
    return f"{text} person" if text == "1" else f"{text} people"


def percent(value: object, digits: int = 0, *, wording: SuppressionWording | None = None) -> str:
    """A proportion (0–1) as a percentage: ``percent(0.523)`` → "52%"."""
    words = _guard(value, wording)
    if words is not None:
        return words
    return f"{number(_as_float(value) * 100, digits)}%"


def percent_ci(
    value: object,
    low: object,
    high: object,
    *,
    level: int = 95,
    digits: int = 0,
    wording: SuppressionWording | None = None,
) -> str:
    """A proportion with its interval: "52% (95% CI 47% to 57%)".

    The interval is left out when either end is missing.
    """
    words = _guard(value, wording)
    if words is not None:
        return words
    main = percent(value, digits)
    if _guard(low, wording) is not None or _guard(high, wording) is not None:
        return main
    return f"{main} ({level}% CI {percent(low, digits)} to {percent(high, digits)})"


def number_ci(
    value: object,
    low: object,
    high: object,
    *,
    level: int = 95,
    digits: int = 1,
    wording: SuppressionWording | None = None,
) -> str:
    """A number with its interval: "4.2 (95% CI 3.1 to 5.3)"."""
    words = _guard(value, wording)
    if words is not None:
        return words
    main = number(value, digits)
    if _guard(low, wording) is not None or _guard(high, wording) is not None:
        return main
    return f"{main} ({level}% CI {number(low, digits)} to {number(high, digits)})"


def money(value: object, *, digits: int = 0, wording: SuppressionWording | None = None) -> str:
    """Pounds sterling: "£2,310", "−£150"."""
    words = _guard(value, wording)
    if words is not None:
        return words
    text = number(value, digits)
    return f"{MINUS}£{text[1:]}" if text.startswith(MINUS) else f"£{text}"


def money_per_person(
    value: object,
    low: object = None,
    high: object = None,
    *,
    wording: SuppressionWording | None = None,
) -> str:
    """A cost per person with its range: "£2,310 per person (range £1,800 to £2,900)"."""
    words = _guard(value, wording)
    if words is not None:
        return words
    main = f"{money(value)} per person"
    if _guard(low, wording) is not None or _guard(high, wording) is not None:
        return main
    return f"{main} (range {money(low)} to {money(high)})"


def suppressed_text(value: object, wording: SuppressionWording | None = None) -> str:
    """The words printed for a suppressed marker (empty string if ``value`` is not one)."""
    marker = as_suppressed(value)
    return "" if marker is None else (wording or SuppressionWording()).short(marker.reason)
