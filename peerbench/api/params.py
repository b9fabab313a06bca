"""Shared query-parameter types: every integer a client can send has bounds.

An unbounded integer reaches the database as is, and one past 64 bits makes the driver
fail (``offset=9223372036854775808`` answered 500). Every integer query parameter is
declared with :func:`query_int`, so it is refused with 422 outside its range; a test
walks the OpenAPI document to check no endpoint declares one without bounds.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

MAX_QUERY_INT = 1_000_000_000
"""The largest integer any query parameter accepts."""


def query_int(*, ge: int = 0, le: int = MAX_QUERY_INT, description: str | None = None) -> Any:
    """A ``Query`` for an integer between ``ge`` and ``le`` (at most :data:`MAX_QUERY_INT`).

    Raises:
        ValueError: the bounds are reversed or wider than :data:`MAX_QUERY_INT`.
    """
    if not -MAX_QUERY_INT <= ge <= le <= MAX_QUERY_INT:
        raise ValueError(f"query integer bounds must lie within ±{MAX_QUERY_INT}, ge <= le")
    return Query(ge=ge, le=le, description=description)


Offset = Annotated[int, query_int(description="How many items to skip.")]
"""``offset`` of a paged list."""
SubmissionLimit = Annotated[int, query_int(ge=1, le=500, description="Items per page.")]
"""``limit`` of the submission list."""
AuditLimit = Annotated[int, query_int(ge=1, le=1000, description="Events per page.")]
"""``limit`` of the audit list."""
ServiceLimit = Annotated[
    int,
    query_int(ge=1, le=1000, description="Services per page of the per-service section."),
]
"""``limit`` of ``GET /v1/benchmarks`` (services per page)."""
