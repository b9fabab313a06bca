"""Pages of a benchmark's per-service section, and putting the pages back together.

``GET /v1/benchmarks`` answers one page of services at a time (:func:`service_page`),
so a national pool's default answer stays small; a client that wants every service
follows ``services_page.next`` and joins the pages (:func:`merge_pages`). This module
imports nothing heavy, so the HTTP client can use it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peerbench.benchmarking import BenchmarkResult

SERVICE_SECTIONS = (
    "services",
    "reach",
    "outcomes",
    "funnel_points",
    "forest",
    "casemix_services",
    "sustainment",
    "economics",
    "access",
)
"""Sections with a row per service: the per-service section a page of services holds.

Rows of ``sustainment`` and ``economics`` whose ``service_id`` is ``None`` are the
pool's own (every service pooled), and so are the rows of ``access`` outside its
``service`` breakdown (overall, route, condition, …): they are on every page, like the
other sections. Every section that grows with the number of services is here, so a
page's size does not.
"""


@dataclass(frozen=True)
class ServicePage:
    """Which services a page of a benchmark result holds.

    Attributes:
        offset: Services skipped (in ``service_id`` order, after the filters).
        limit: At most this many services on the page.
        total: Services that pass the filters (over every page).
        service_ids: The services on this page, in order.
    """

    offset: int
    limit: int
    total: int
    service_ids: tuple[str, ...]

    @property
    def next_offset(self) -> int | None:
        """The next page's ``offset``, or ``None`` on the last page."""
        following = self.offset + self.limit
        return following if following < self.total else None


def service_page(
    result: BenchmarkResult,
    *,
    offset: int = 0,
    limit: int | None = None,
    organisation_id: str | None = None,
    service_id: str | None = None,
) -> tuple[BenchmarkResult, ServicePage]:
    """``result`` with its per-service section cut to one page of services.

    The services are ordered by ``service_id``; ``organisation_id`` and ``service_id``
    keep only that organisation's services or that one service. Every section of
    :data:`SERVICE_SECTIONS` keeps the rows of the page's services (and the pool's own
    rows); every other section (pooled, network, meta-analysis, case-mix fit, funnel
    limits, …) is kept whole, so each page is a complete, smaller result, and the
    pages together hold every row once. ``suppressed`` follows from the rows kept.

    Args:
        result: A (controlled) benchmark result.
        offset: Services to skip.
        limit: Services per page; ``None`` for all.
        organisation_id: Only this organisation's services.
        service_id: Only this service.
    """
    owners: dict[str, str | None] = {s.service_id: s.organisation_id for s in result.services}
    for name in SERVICE_SECTIONS:
        for row in result.section(name):
            owner = getattr(row, "organisation_id", None)
            row_service = getattr(row, "service_id", None)
            if row_service is not None:
                owners.setdefault(row_service, owner)
    chosen = sorted(
        sid
        for sid, owner in owners.items()
        if (organisation_id is None or owner == organisation_id)
        and (service_id is None or sid == service_id)
    )
    end = len(chosen) if limit is None else offset + limit
    on_page = chosen[offset:end]
    keep = set(on_page)
    changes = {
        name: tuple(
            row
            for row in result.section(name)
            if (row_id := getattr(row, "service_id", None)) is None or row_id in keep
        )
        for name in SERVICE_SECTIONS
    }
    page = ServicePage(
        offset=offset,
        limit=len(chosen) if limit is None else limit,
        total=len(chosen),
        service_ids=tuple(on_page),
    )
    return result.replace(**changes), page


def merge_pages(pages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One ``BenchmarkResult.to_dict()`` from the ``result`` of consecutive pages.

    The first page gives every section; each later page adds the rows of its own
    services to :data:`SERVICE_SECTIONS` and the ``suppressed`` markers of those rows
    (the pool's own rows, the same on every page, are kept once).
    The joined result holds the rows of the unpaged one (per-service rows in page order).

    Raises:
        ValueError: no page was given.
    """
    if not pages:
        raise ValueError("there is no page to merge")
    merged = {k: list(v) if isinstance(v, list) else v for k, v in pages[0].items()}
    # A marker names its row by the row's key, which for some per-service rows holds no
    # service_id (``access``: breakdown, group, period); the pool's rows are the same on
    # every page, so a later page's markers not on the first page are its services'.
    seen = {_marker_key(m) for m in merged["suppressed"]}
    for page in pages[1:]:
        for name in SERVICE_SECTIONS:
            merged[name].extend(r for r in page[name] if r.get("service_id") is not None)
        merged["suppressed"].extend(
            m
            for m in page["suppressed"]
            if m["table"] in SERVICE_SECTIONS and _marker_key(m) not in seen
        )
    return merged


def _marker_key(marker: Mapping[str, Any]) -> tuple[str, str, str]:
    row = json.dumps(marker["row"], sort_keys=True)
    return marker["table"], row, marker["field"]
