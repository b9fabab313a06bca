"""Build, check and write an Open Referral UK service or organisation list.

A list is one ``Page`` (the UK profile's list envelope) holding every service (or
organisation) the pool knows, sorted by the standard's ids. It is checked against the
UK profile's compiled schemas (:mod:`peerbench.directory.schemas`) before it is written;
a list that fails is never written.

Example:
    >>> from peerbench.synth import generate, SynthConfig  # doctest: +SKIP
    >>> tables = generate(SynthConfig.reference()).tables  # doctest: +SKIP
    >>> page = service_list(tables["organisation"], tables["service"])  # doctest: +SKIP
    >>> page["total_items"]  # doctest: +SKIP
    30
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

import pyarrow as pa

from peerbench.directory.mapping import (
    cut_to_schema,
    listed_uuid,
    organization,
    oruk_service,
)
from peerbench.directory.schemas import Kind, SchemaProblem, check_page, load_schema
from peerbench.io.atomic import atomic_path

Shape: TypeAlias = Literal["full", "list"]
"""``full``: fully nested items (attributes, service areas…); ``list``: one-to-one only."""


class DirectoryInvalid(ValueError):
    """A built list breaks the Open Referral UK schemas (it is not written)."""

    def __init__(self, problems: list[SchemaProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:20])
        super().__init__(f"the list breaks the Open Referral UK schemas:\n{lines}")


@dataclass(frozen=True)
class DirectoryExport:
    """What :func:`export_directory` wrote.

    Attributes:
        path: The file written.
        kind: ``service`` or ``organization``.
        items: Number of services (or organisations) listed.
        organisations: Number of organisations named.
        unlisted_ids: Services whose ``open_referral_id`` is set but is not a UUID
            (their Open Referral id is derived instead).
    """

    path: Path
    kind: Kind
    items: int
    organisations: int
    unlisted_ids: tuple[str, ...]


def _rows(table: pa.Table, key: str) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda row: str(row[key]))


def _organisations(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {str(row["organisation_id"]): row for row in _rows(table, "organisation_id")}


def page(contents: list[dict[str, Any]]) -> dict[str, Any]:
    """The one-page list envelope around ``contents``."""
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }


def _cut(items: list[dict[str, Any]], kind: Kind, shape: Shape) -> list[dict[str, Any]]:
    if shape == "full":
        return items
    schema = load_schema(f"{kind}_list")
    return [cut_to_schema(item, schema) for item in items]


def service_list(
    organisations: pa.Table, services: pa.Table, *, shape: Shape = "full"
) -> dict[str, Any]:
    """Every service as an Open Referral UK service, on one page.

    Args:
        organisations: ``organisation`` records.
        services: ``service`` records; each names one of ``organisations``.
        shape: Fully nested items, or only the list schema's one-to-one fields.

    Raises:
        ValueError: a service names an organisation that is not given.
    """
    orgs = _organisations(organisations)
    items = []
    for service in _rows(services, "service_id"):
        org = orgs.get(str(service["organisation_id"]))
        if org is None:
            raise ValueError(
                f"service {service['service_id']!r} names organisation "
                f"{service['organisation_id']!r}, which is not in the pool"
            )
        items.append(oruk_service(service, org))
    return page(_cut(items, "service", shape))


def organization_list(
    organisations: pa.Table, services: pa.Table, *, shape: Shape = "full"
) -> dict[str, Any]:
    """Every organisation as an Open Referral UK organisation (with its services), on one page."""
    orgs = _organisations(organisations)
    by_org: dict[str, list[dict[str, Any]]] = {org_id: [] for org_id in orgs}
    for service in _rows(services, "service_id"):
        org_id = str(service["organisation_id"])
        if org_id not in orgs:
            raise ValueError(f"service {service['service_id']!r} names unknown {org_id!r}")
        nested = oruk_service(service, orgs[org_id])
        del nested["organization"]
        by_org[org_id].append(nested)
    items = [dict(organization(row), services=by_org[org_id]) for org_id, row in orgs.items()]
    return page(_cut(items, "organization", shape))


def build_list(tables: dict[str, pa.Table], kind: Kind, shape: Shape) -> dict[str, Any]:
    """The checked list of ``kind`` from ``organisation`` and ``service`` tables.

    Raises:
        DirectoryInvalid: the list breaks the Open Referral UK schemas.
    """
    build = service_list if kind == "service" else organization_list
    document = build(tables["organisation"], tables["service"], shape=shape)
    problems = check_page(document, kind)
    if problems:
        raise DirectoryInvalid(problems)
    return document


def unlisted_ids(services: pa.Table) -> tuple[str, ...]:
    """Services whose ``open_referral_id`` is given but is not a UUID, sorted."""
    if "open_referral_id" not in services.column_names:
        return ()
    return tuple(
        sorted(
            str(row["service_id"])
            for row in services.select(["service_id", "open_referral_id"]).to_pylist()
            if row["open_referral_id"] is not None and listed_uuid(row["open_referral_id"]) is None
        )
    )


def to_json(document: dict[str, Any]) -> str:
    """The document as UTF-8 JSON text (non-ASCII kept as is), indented, ending in a newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_list(document: dict[str, Any], out: Path) -> None:
    """Write the list atomically, readable by its owner only (0600), like reports."""
    with atomic_path(out) as tmp:
        tmp.write_text(to_json(document), encoding="utf-8")
        os.chmod(tmp, 0o600)


def export_directory(
    source: Path, out: Path, *, kind: Kind = "service", shape: Shape = "full"
) -> DirectoryExport:
    """Write the Open Referral UK list of a server data folder or a folder of files.

    Raises:
        DirectorySourceError: the source has no organisations/services or they do not
            conform.
        DirectoryInvalid: the list breaks the Open Referral UK schemas (not written).
    """
    from peerbench.directory.sources import directory_tables

    tables = directory_tables(source)
    document = build_list(tables, kind, shape)
    write_list(document, out)
    return DirectoryExport(
        path=out,
        kind=kind,
        items=document["total_items"],
        organisations=tables["organisation"].num_rows
        if kind == "organization"
        else len({item["organization_id"] for item in document["contents"]}),
        unlisted_ids=unlisted_ids(tables["service"]),
    )
