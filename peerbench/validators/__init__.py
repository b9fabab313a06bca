"""Validation of peer-support outcome data against the standard.

Example:
    >>> from peerbench.validators import validate  # doctest: +SKIP
    >>> report = validate([Path("export/")])  # doctest: +SKIP
    >>> report.valid  # doctest: +SKIP
"""

from peerbench.validators.engine import (
    Validation,
    validate,
    validate_sample,
    validate_sources,
    validate_table,
)
from peerbench.validators.record_engine import validate_records
from peerbench.validators.report import Finding, Report

__all__ = [
    "Finding",
    "Report",
    "Validation",
    "validate",
    "validate_records",
    "validate_sample",
    "validate_sources",
    "validate_table",
]
