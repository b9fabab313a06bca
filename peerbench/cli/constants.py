"""Library values the commands' options show in ``--help``, copied here.

Defining an option must not import the library it describes: ``peerbench CMD --help``
and the start of every command would otherwise load pyarrow, pydantic and the rest
before doing anything. ``tests/cli/test_constants.py`` fails when a copy here differs
from the library's own value.
"""

from __future__ import annotations

FILE_FORMATS = ("parquet", "csv", "jsonl")
"""``peerbench.io.tabular.FileFormat`` values, in declaration order."""

REFERENCE_SEED = 20260101
"""``peerbench.synth.config.REFERENCE_SEED``."""

REFERENCE_ORGANISATIONS = 12
"""``peerbench.synth.config.REFERENCE_ORGANISATIONS``."""

REFERENCE_AS_OF = "2026-09-30"
"""``peerbench.synth.config.REFERENCE_AS_OF``, as shown in help."""

ID_COLUMN = "participant_key"
"""``peerbench.intake.pseudonymise.ID_COLUMN``."""

ROLES = ("submitter", "network-analyst", "researcher", "admin")
"""``peerbench.server.db.models.Role`` values, in declaration order."""

REPORT_KINDS = ("service", "network", "commissioner", "quality")
"""``peerbench.reports.builders.KINDS``."""
