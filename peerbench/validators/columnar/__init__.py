"""The columnar validation engine: every check runs over whole Arrow columns.

Per batch, :func:`check_batch` coerces each column to its canonical type and records
cell, rule, instrument and identifier findings; :class:`KeyCollector` keeps the key
columns, and :func:`check_across` runs the cross-record checks once all batches of a
run have been read.
"""

from peerbench.validators.columnar.batch import Plan, check_batch, plan_file
from peerbench.validators.columnar.context import (
    BatchContext,
    CheckContext,
    ValueLookup,
    replay,
)
from peerbench.validators.columnar.cross_records import TIMEPOINT_WINDOWS, check_across
from peerbench.validators.columnar.keys import KeyCollector

__all__ = [
    "TIMEPOINT_WINDOWS",
    "BatchContext",
    "CheckContext",
    "KeyCollector",
    "Plan",
    "ValueLookup",
    "check_across",
    "check_batch",
    "plan_file",
    "replay",
]
