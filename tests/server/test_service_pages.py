"""A page of services stays the same size however many services the pool has."""

from __future__ import annotations

import dataclasses
import json

from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult
from peerbench.benchmarking.access_rows import AccessRow
from peerbench.benchmarking.result import SECTIONS
from peerbench.benchmarking.rows import ReachRow, ServiceInfo
from peerbench.server.service_pages import SERVICE_SECTIONS, merge_pages, service_page


def _result(services: int) -> BenchmarkResult:
    """``services`` services with reach and access rows (some withheld), plus pool rows."""
    ids = [f"org{i // 2:04d}-s{i % 2}" for i in range(services)]
    overall = [
        AccessRow(breakdown="all", group="all", period="all", n_referred=10 * services),
        AccessRow(breakdown="route", group="self", period="all", n_referred=5 * services),
    ]
    per_service = [
        AccessRow(
            breakdown="service",
            group=sid,
            period="all",
            service_id=sid,
            n_referred=None if i % 3 else 12,
            suppressed={} if i % 3 == 0 else {"n_referred": "small-count"},
        )
        for i, sid in enumerate(ids)
    ]
    return BenchmarkResult(
        options=BenchmarkOptions(),
        generated_from="test",
        services=tuple(ServiceInfo(service_id=s, organisation_id=s[:7]) for s in ids),
        reach=tuple(ReachRow(service_id=s, period="all") for s in ids),
        access=(*overall, *per_service),
    )


def _size(result: BenchmarkResult) -> int:
    return len(json.dumps(result.to_dict(), separators=(",", ":")))


def test_every_section_with_a_service_id_is_paged() -> None:
    # A new per-service section left out of SERVICE_SECTIONS would make the default
    # page grow with the pool again.
    with_service = {
        name
        for name, row_type in SECTIONS.items()
        if "service_id" in {f.name for f in dataclasses.fields(row_type)}
    }
    assert with_service == set(SERVICE_SECTIONS)


def test_first_page_size_does_not_grow_with_services() -> None:
    small, page = service_page(_result(60), limit=25)
    large, _ = service_page(_result(3000), limit=25)
    assert page.service_ids == tuple(sorted(s.service_id for s in small.services))
    assert {r.service_id for r in small.access} == {None, *page.service_ids}
    assert [r.breakdown for r in small.access[:2]] == ["all", "route"]
    # Only the pooled counts' digits differ (10 * services): a few bytes, not 3,000 rows.
    assert abs(_size(large) - _size(small)) < 16
    assert {m.table for m in large.suppressed} == {"access"}
    assert len(large.suppressed) == len(small.suppressed)


def test_access_pages_join_to_the_whole_access_section() -> None:
    whole = _result(7)
    pages = []
    offset: int | None = 0
    while offset is not None:
        part, page = service_page(whole, offset=offset, limit=3)
        pages.append(part.to_dict())
        offset = page.next_offset
    assert len(pages) == 3
    joined = merge_pages(pages)
    assert joined["access"] == whole.to_dict()["access"]
    assert joined["suppressed"] == whole.to_dict()["suppressed"]


def test_organisation_filter_keeps_its_services_access_rows() -> None:
    part, page = service_page(_result(6), organisation_id="org0001")
    assert page.service_ids == ("org0001-s0", "org0001-s1")
    assert [r.service_id for r in part.access] == [None, None, "org0001-s0", "org0001-s1"]
