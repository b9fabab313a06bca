"""Whose questionnaire an outcome row is: a participant's, or a peer worker's own.

Standard 1.2 lets an outcome record hold a peer worker's wellbeing (``subject`` is
``peer_worker``, ``participant_key`` the worker's key). Participant benchmarks, reach,
extracts and exports read :func:`participant_outcomes` only; the workforce metrics read
:func:`worker_outcomes`. Rows from before 1.2 have no ``subject`` and are participants'.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.codelists import Subject

WORKER = Subject.PEER_WORKER.value


def _is_worker(table: pa.Table) -> pa.ChunkedArray | None:
    if "subject" not in table.column_names:
        return None
    subject = pc.cast(table.column("subject"), pa.string())
    mask: pa.ChunkedArray = pc.fill_null(pc.equal(subject, WORKER), False)
    return mask


def participant_rows(table: pa.Table) -> pa.ChunkedArray | None:
    """A mask of the rows of ``table`` (outcomes) that are participants' questionnaires;
    None when every row is (nothing to filter)."""
    worker = _is_worker(table)
    if worker is None or not pc.any(worker).as_py():
        return None
    mask: pa.ChunkedArray = pc.invert(worker)
    return mask


def participant_outcomes(table: pa.Table) -> pa.Table:
    """The rows of ``table`` (outcomes) that are participants' questionnaires."""
    worker = _is_worker(table)
    if worker is None or not pc.any(worker).as_py():
        return table
    return table.filter(pc.invert(worker))


def worker_outcomes(table: pa.Table) -> pa.Table:
    """The rows of ``table`` (outcomes) that are peer workers' own questionnaires."""
    worker = _is_worker(table)
    if worker is None:
        return table.slice(0, 0)
    return table.filter(worker)
