"""Validation of peer-support outcome data against the standard.

Example:
    >>> from peerbench.validators import validate  # doctest: +SKIP
    >>> report = validate([Path("export/")])  # doctest: +SKIP
    >>> report.valid  # doctest: +SKIP

The names below are loaded on first use: importing a light submodule (``limits``,
``report``, ``catalogue``) must not load the engines, pyarrow and pydantic with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peerbench.lazy import lazy_names

if TYPE_CHECKING:
    from peerbench.validators.engine import (
        Validation,
        validate,
        validate_sample,
        validate_sources,
        validate_table,
    )
    from peerbench.validators.record_engine import validate_records
    from peerbench.validators.report import Finding, Report

_HOMES = {
    "Validation": "peerbench.validators.engine",
    "validate": "peerbench.validators.engine",
    "validate_sample": "peerbench.validators.engine",
    "validate_sources": "peerbench.validators.engine",
    "validate_table": "peerbench.validators.engine",
    "validate_records": "peerbench.validators.record_engine",
    "Finding": "peerbench.validators.report",
    "Report": "peerbench.validators.report",
}
"""Public name → the module that defines it."""

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


__getattr__ = lazy_names(__name__, _HOMES)
