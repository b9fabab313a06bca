"""Request and response models of the HTTP API.

These are deliberately separate from the storage models (:mod:`peerbench.server.db.models`):
a response is built field by field from what the client may see, so a key hash, a
store path or a raw identifier cannot be serialised by accident. This module needs only
pydantic, so :mod:`peerbench.client` can share it without importing the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from peerbench.server.db.models import Role, SubmissionStatus

PERIOD_PATTERN = r"^[0-9]{4}-Q[1-4]$"
"""A reporting period: a calendar quarter such as ``2026-Q3``."""


class Strict(BaseModel):
    """Requests refuse unknown fields, so a typo is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


Records = list[dict[str, Any]] | None


class SubmissionBundle(Strict):
    """A JSON submission: one array of records per record type, keyed by file stem.

    The fields after ``organisation_id`` mirror the standard's record types
    (``RECORD_TYPES_BY_STEM``); a test fails if they drift apart.
    """

    period: str = Field(pattern=PERIOD_PATTERN, examples=["2026-Q3"])
    standard_version: str | None = Field(default=None, examples=["1.0.0"])
    organisation_id: str | None = Field(
        default=None, description="Admins only: the organisation submitted for."
    )
    organisations: Records = None
    services: Records = None
    participants: Records = None
    engagements: Records = None
    outcomes: Records = None
    service_use: Records = None
    feedback: Records = None
    peer_workers: Records = None
    referrals: Records = None

    def record_arrays(self) -> dict[str, list[dict[str, Any]]]:
        """The record arrays present, keyed by file stem."""
        meta = {"period", "standard_version", "organisation_id"}
        return {name: value for name, value in self if name not in meta and isinstance(value, list)}


class OrganisationCreate(Strict):
    """``POST /v1/organisations``."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)
    organisation_type: str | None = Field(default=None, max_length=32)
    region: str | None = Field(default=None, max_length=32)


class OrganisationPublic(BaseModel):
    """An organisation as the API shows it."""

    id: str
    name: str
    organisation_type: str | None
    region: str | None
    created_at: dt.datetime


class NetworkCreate(Strict):
    """``POST /v1/networks``."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)


class NetworkPublic(BaseModel):
    """A network as the API shows it."""

    id: str
    name: str
    created_at: dt.datetime


class MemberCreate(Strict):
    """``POST /v1/networks/{id}/members``: join an organisation under an agreement."""

    organisation_id: str = Field(min_length=1, max_length=64)
    agreement_reference: str = Field(min_length=1, max_length=200)
    agreement_start: dt.date
    agreement_end: dt.date | None = Field(
        default=None, description="Last day of the agreement (inclusive); none: open-ended."
    )


class MemberPublic(BaseModel):
    """A network membership."""

    network_id: str
    organisation_id: str
    agreement_reference: str
    agreement_start: dt.date
    agreement_end: dt.date | None = None


class KeyCreate(Strict):
    """``POST /v1/keys``. Submitter keys need an organisation, analyst keys a network."""

    role: Role
    organisation_id: str | None = None
    network_id: str | None = None
    project: str | None = Field(default=None, max_length=200)
    label: str | None = Field(default=None, max_length=200)


class KeyPublic(BaseModel):
    """An API key without its secret or hash: safe to list."""

    id: str
    prefix: str = Field(description="First characters of the key, to tell keys apart.")
    role: Role
    organisation_id: str | None
    network_id: str | None
    project: str | None
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyPublic):
    """The one response that carries a key's secret: store it now, it is not shown again."""

    secret: str


class AuditEventPublic(BaseModel):
    """One audit event."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    organisation_id: str | None
    target: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    """Audit events, newest first."""

    items: list[AuditEventPublic]


class PoolVersionPublic(BaseModel):
    """One record type of an accepted submission, as held in the pooled store."""

    record_type: str
    rows: int
    is_current: bool
    superseded_by: str | None = Field(description="The submission that replaced it, if any.")


class SubmissionPublic(BaseModel):
    """A submission's state: ``GET /v1/submissions/{id}`` and the items of the list."""

    id: str
    organisation_id: str
    period: str
    status: SubmissionStatus
    standard_version: str | None
    files: list[str]
    record_types: list[str]
    rows: int
    errors: int
    warnings: int
    failure: str | None = Field(description="Why processing failed (status 'failed').")
    created_at: dt.datetime
    completed_at: dt.datetime | None
    is_current: bool = Field(description="Some record type of it is in the current pool.")
    versions: list[PoolVersionPublic]
    supersedes: list[str] = Field(description="Submissions whose rows this one replaced.")
    status_url: str
    report_url: str


class SubmissionList(BaseModel):
    """Submissions visible to the key, newest first (earlier versions included)."""

    items: list[SubmissionPublic]
    count: int


class Health(BaseModel):
    """``GET /v1/health``."""

    status: Literal["ok"]
    version: str
    standard_version: str


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str = Field(examples=["rate-limited"], description="Stable slug to match on.")
    message: str = Field(description="One sentence for people.")
    details: dict[str, Any] | list[Any] | None = None


class ErrorEnvelope(BaseModel):
    """The shape of every error response."""

    error: ErrorBody


class BenchmarkScope(BaseModel):
    """Whose data a benchmark pools and how it was controlled for this viewer."""

    role: Role
    organisation_id: str | None = Field(
        description="The viewer's organisation: its own services are shown unrounded."
    )
    network_ids: list[str] = Field(description="Networks whose members' data is pooled.")
    organisations: list[str] | None = Field(
        description="Organisations pooled (None: every organisation, admins only)."
    )
    cached: bool = Field(description="Served from the cache of computed benchmarks.")


class ServicesPage(BaseModel):
    """Which services the per-service section of a ``GET /v1/benchmarks`` page holds."""

    offset: int = Field(description="Services skipped, in service_id order (after filters).")
    limit: int = Field(description="At most this many services per page.")
    total: int = Field(description="Services passing the filters, over every page.")
    service_ids: list[str] = Field(description="The services on this page.")
    next: str | None = Field(
        description="URL of the next page (same query, next offset); null on the last page."
    )


class BenchmarkPage(BaseModel):
    """``GET /v1/benchmarks``: the disclosure-controlled benchmark result.

    The per-service section (``services``, ``reach``, ``outcomes``, ``funnel_points``,
    ``forest``, ``casemix_services``, ``sustainment``, ``economics`` and ``access`` rows
    of single services) holds one page of services (``services_page``); every other
    section, and the pooled rows of those (e.g. ``access`` by route), is whole on every
    page, so a page's size does not grow with the number of services.
    """

    scope: BenchmarkScope
    services_page: ServicesPage | None = Field(
        default=None, description="The page of services the per-service section holds."
    )
    result: dict[str, Any] = Field(description="``BenchmarkResult.to_dict()``, controlled.")


class FunnelPage(BaseModel):
    """``GET /v1/benchmarks/funnel``: funnel-plot points and limits for one metric."""

    scope: BenchmarkScope
    instrument: str | None
    timepoint: str | None
    metric: str | None
    funnels: list[dict[str, Any]]
    points: list[dict[str, Any]]


class MetaAnalysisPage(BaseModel):
    """``GET /v1/benchmarks/meta-analysis``: pooled estimates, forest rows, subgroups."""

    scope: BenchmarkScope
    instrument: str | None
    timepoint: str | None
    by: str | None
    meta: list[dict[str, Any]]
    forest: list[dict[str, Any]]
    subgroups: list[dict[str, Any]]
    subgroup_tests: list[dict[str, Any]]
