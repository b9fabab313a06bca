"""Typed totals against the standard's score: which differ, and how to say so.

The standard scores a form from its answers (pro-rating a sum when answers are
missing and the instrument allows it). A typed ``total_score`` is compared with that
score; every message names the numbers it was compared with, so a coordinator can see
at once whether the difference is a typing slip or a pro-rated score.

A sum typed from the answered items alone (one item blank, not pro-rated) is what a
coordinator adding up a paper form writes; it is accepted with a note giving the
pro-rated score the standard uses instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from peerbench.schema.instruments.kinds import ScoringMethod
from peerbench.validators.columnar.context import BoolArray
from peerbench.validators.columnar.items import FloatVector, IntArray

if TYPE_CHECKING:  # definitions are only read: models or frozen copies
    from peerbench.schema.instruments.definition import InstrumentDefinition

TOTAL_TOLERANCE = 0.01
"""Largest accepted |total_score - computed| for sums of complete answers."""
ROUNDED_TOLERANCE = 0.05
"""For mean, scaled-mean and lookup scores, which organisations round to one decimal."""
PRORATED_TOLERANCE = 0.5
"""For pro-rated totals (answers missing), which are commonly rounded to a whole number."""


def number(value: float) -> str:
    """``56``, ``60.31``, ``3.5``: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Totals:
    """Typed totals of one instrument's rows and what the standard makes of the answers.

    Attributes:
        definition: The instrument.
        submitted: The typed ``total_score`` of each row (never NaN here).
        answered: Sum of each row's answered items, reverse-scored items flipped.
        n_missing: Unanswered items per row.
        score: The standard's score of each row; NaN where it cannot be scored.
    """

    definition: InstrumentDefinition
    submitted: FloatVector
    answered: FloatVector
    n_missing: IntArray
    score: FloatVector

    def tolerance(self) -> FloatVector:
        """The largest accepted difference per row."""
        method = self.definition.scoring.method
        exact = TOTAL_TOLERANCE if method is ScoringMethod.SUM else ROUNDED_TOLERANCE
        out: FloatVector = np.where(self.n_missing > 0, PRORATED_TOLERANCE, exact)
        return out

    def answered_sum(self) -> BoolArray:
        """Rows of a pro-rated sum whose typed total is the sum of the answered items
        (where that differs from the pro-rated score)."""
        if self.definition.scoring.method is not ScoringMethod.SUM:
            return np.zeros(self.submitted.size, dtype=np.bool_)
        with np.errstate(invalid="ignore"):
            same: BoolArray = (
                (self.n_missing > 0)
                & (np.abs(self.submitted - self.answered) <= TOTAL_TOLERANCE)
                & (np.abs(self.score - self.answered) > TOTAL_TOLERANCE)  # False for NaN
            )
        return same

    def mismatched(self) -> BoolArray:
        """Rows whose typed total is neither the score nor an accepted answered sum."""
        with np.errstate(invalid="ignore"):
            off = ~np.isnan(self.score) & (np.abs(self.submitted - self.score) > self.tolerance())
        out: BoolArray = off & ~self.answered_sum()
        return out

    def why(self, i: int) -> str:
        """What the answers of row ``i`` score, in words, for ``total-mismatch``."""
        definition = self.definition
        k, missing = definition.item_count, int(self.n_missing[i])
        given = k - missing
        raw, score = number(self.answered[i]), number(self.score[i])
        which = "the answers" if missing == 0 else f"the {given} answered items"
        method = definition.scoring.method
        if method is ScoringMethod.SUM:
            if missing == 0:
                return f"the answers add up to {raw}"
            return (
                f"{which} add up to {raw}, and the standard scores the form as {score} "
                f"(pro-rated: {raw} × {k}/{given})"
            )
        if method is ScoringMethod.MEAN:
            return f"the mean of {which} is {score} ({raw} / {given})"
        if method is ScoringMethod.SCALED_MEAN:
            multiplier = number(definition.scoring.multiplier or 0.0)
            return f"{which} score {score} (their mean, {raw} / {given}, × {multiplier})"
        if method is ScoringMethod.LOOKUP:
            if missing == 0:
                return f"the answers add up to {raw}, which {definition.code} scores as {score}"
            prorated = number(self.answered[i] * k / given)
            return (
                f"{which} add up to {raw}, pro-rated to {prorated} ({raw} × {k}/{given}), "
                f"which {definition.code} scores as {score}"
            )
        return f"the answers score {score}"

    def note(self, i: int) -> str:
        """The ``total-answered-sum`` note for row ``i``."""
        k, missing = self.definition.item_count, int(self.n_missing[i])
        given = k - missing
        typed = number(self.submitted[i])
        return (
            f"total_score {typed} is the sum of the {given} answered items; the standard "
            f"scores this form as {number(self.score[i])} (pro-rated: {typed} × {k}/{given})"
        )
