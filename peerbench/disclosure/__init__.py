"""Disclosure control for everything that leaves the pool.

Usage::

    from peerbench.disclosure import DisclosurePolicy, Table, apply_disclosure

    table = Table.from_counts({"A": {"yes": 12, "no": 3}}, margins=True)
    public = apply_disclosure(table, DisclosurePolicy(), viewer_is_owner=False)

Order of operations (REFERENCE §5): primary suppression on true values (small counts,
statistics below minimum n), secondary suppression over margins (and across related
tables with :func:`consistent_suppression`), then rounding.
"""

from peerbench.disclosure.apply import apply_disclosure, suppression_plan
from peerbench.disclosure.consistency import consistent_suppression, small_differences
from peerbench.disclosure.controlled import ControlledCell, ControlledTable
from peerbench.disclosure.policy import DisclosurePolicy
from peerbench.disclosure.primary import primary_reason, primary_suppression
from peerbench.disclosure.reasons import Suppressed, SuppressionReason
from peerbench.disclosure.secondary import lines, recoverable_cells, secondary_suppression
from peerbench.disclosure.table import TOTAL, Cell, CellKind, Key, Table

__all__ = [
    "TOTAL",
    "Cell",
    "CellKind",
    "ControlledCell",
    "ControlledTable",
    "DisclosurePolicy",
    "Key",
    "Suppressed",
    "SuppressionReason",
    "Table",
    "apply_disclosure",
    "consistent_suppression",
    "lines",
    "primary_reason",
    "primary_suppression",
    "recoverable_cells",
    "secondary_suppression",
    "small_differences",
    "suppression_plan",
]
