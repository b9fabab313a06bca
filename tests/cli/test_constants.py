"""The copies in ``peerbench.cli.constants`` equal the library values they stand for."""

from __future__ import annotations

from peerbench.cli import constants
from peerbench.intake.pseudonymise import ID_COLUMN
from peerbench.io.tabular import FileFormat
from peerbench.reports.builders import KINDS
from peerbench.server.db.models import Role
from peerbench.synth.config import REFERENCE_AS_OF, REFERENCE_ORGANISATIONS, REFERENCE_SEED


def test_copies_equal_the_library() -> None:
    assert tuple(f.value for f in FileFormat) == constants.FILE_FORMATS
    assert constants.REFERENCE_SEED == REFERENCE_SEED
    assert constants.REFERENCE_ORGANISATIONS == REFERENCE_ORGANISATIONS
    assert REFERENCE_AS_OF.isoformat() == constants.REFERENCE_AS_OF
    assert constants.ID_COLUMN == ID_COLUMN
    assert tuple(r.value for r in Role) == constants.ROLES
    assert tuple(KINDS) == constants.REPORT_KINDS
