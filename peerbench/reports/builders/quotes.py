"""Quotes from people who used a service: only consented, reviewed and released feedback.

A row of the ``feedback`` table may be quoted only when ``consent_to_quote`` AND
``released_after_review`` are both true and it has ``free_text``. Everything else stays
in the pool. Selection is deterministic (newest first, then by ``feedback_id``), one
quote per distinct text, preferring quotes that illustrate themes not yet shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.reports.builders.wording import label
from peerbench.reports.content import Quote

QUOTABLE_COLUMNS = ("feedback_id", "service_id", "feedback_date", "themes", "free_text")


def quotable(feedback: pa.Table, service_ids: Sequence[str] | None = None) -> pa.Table:
    """The rows of ``feedback`` that may be quoted, optionally for some services only.

    Args:
        feedback: The standard's ``feedback`` table.
        service_ids: Keep only these services (None: every service).

    Returns:
        The quotable rows (columns :data:`QUOTABLE_COLUMNS`), newest first.
    """
    needed = {"consent_to_quote", "released_after_review", "free_text"}
    if feedback.num_rows == 0 or not needed <= set(feedback.column_names):
        return pa.table({name: pa.array([], pa.string()) for name in QUOTABLE_COLUMNS})
    mask = pc.and_(
        pc.and_(
            pc.fill_null(feedback["consent_to_quote"], False),
            pc.fill_null(feedback["released_after_review"], False),
        ),
        pc.invert(pc.is_null(feedback["free_text"])),
    )
    if service_ids is not None:
        mask = pc.and_(mask, pc.is_in(feedback["service_id"], pa.array(list(service_ids))))
    rows = feedback.filter(mask).select(list(QUOTABLE_COLUMNS))
    return rows.sort_by([("feedback_date", "descending"), ("feedback_id", "ascending")])


def select_quotes(
    feedback: pa.Table, service_ids: Sequence[str] | None = None, *, limit: int = 3
) -> list[Quote]:
    """Up to ``limit`` quotes, each a distinct text, favouring themes not yet covered.

    Args:
        feedback: The standard's ``feedback`` table.
        service_ids: Only feedback about these services (None: any).
        limit: Most quotes to return.

    Returns:
        Quotes with their themes in plain words.
    """
    candidates = quotable(feedback, service_ids).to_pylist()
    seen_text: set[str] = set()
    unique = []
    for row in candidates:
        if str(row["free_text"]) not in seen_text:
            seen_text.add(str(row["free_text"]))
            unique.append(row)
    chosen: list[dict[str, object]] = []
    covered: set[str] = set()
    # Two passes: first quotes that bring a new theme, then any others.
    for wants_new in (True, False):
        for row in unique:
            if len(chosen) >= limit:
                break
            themes = set(_themes(row))
            if row in chosen or (wants_new and themes <= covered):
                continue
            chosen.append(row)
            covered |= themes
    return [
        Quote(str(row["free_text"]), [label("theme", t) for t in _themes(row)]) for row in chosen
    ]


def _themes(row: dict[str, object]) -> list[str]:
    themes = row.get("themes")
    return [str(t) for t in themes] if isinstance(themes, list) else []
