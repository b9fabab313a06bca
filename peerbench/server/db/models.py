"""Storage models for server metadata. Never serialised to clients directly.

API responses use separate pydantic models (``peerbench.api.schemas``), so a key hash
or an internal path can never leak by accident.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so later migrations can name what they alter (SQLite
batch mode needs names, and PostgreSQL's defaults differ from SQLite's)."""


def utcnow() -> dt.datetime:
    """Timezone-aware now, for timestamps."""
    return dt.datetime.now(dt.UTC)


class Role(StrEnum):
    """What an API key may do."""

    SUBMITTER = "submitter"
    """Its own organisation's submissions and reports only."""
    NETWORK_ANALYST = "network-analyst"
    """Benchmarks over its network's member organisations."""
    RESEARCHER = "researcher"
    """Harmonised pseudonymised extracts for an approved project; consented rows only."""
    ADMIN = "admin"


class SubmissionStatus(StrEnum):
    """Where a submission is in its life."""

    RECEIVED = "received"
    VALIDATING = "validating"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FAILED = "failed"
    """The server could not process it (not the submitter's fault); safe to resend."""


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always stored as UTC and always read back timezone-aware.

    SQLite has no time-zone type and returns naive values, and PostgreSQL returns values
    in the session's time zone; normalising here gives callers the same aware UTC
    ``datetime`` on both backends, and makes ``since=`` comparisons correct on SQLite.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        # Naive values are taken to be UTC already (that is what utcnow() would give).
        utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
        # SQLite stores the wall time without its offset, so hand it UTC wall time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base; timestamps are stored and returned as aware UTC."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_type: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Membership(Base):
    """An organisation's membership of a network, under a data-sharing agreement."""

    __tablename__ = "memberships"
    # The primary key leads with network_id; networks_of() looks up by organisation.
    __table_args__ = (Index("ix_memberships_organisation", "organisation_id"),)

    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    agreement_reference: Mapped[str] = mapped_column(String(200))
    agreement_start: Mapped[dt.date] = mapped_column(Date)
    agreement_end: Mapped[dt.date | None] = mapped_column(Date, default=None)
    """The last day of the agreement (``None``: open-ended); the network sees the
    member's data on days from ``agreement_start`` to ``agreement_end`` inclusive."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key: only its SHA-256 hash is stored; the secret is shown once."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_hash", "key_hash", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    """First characters of the key, to tell keys apart in listings."""
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    network_id: Mapped[str | None] = mapped_column(ForeignKey("networks.id"))
    project: Mapped[str | None] = mapped_column(String(200))
    """For researcher keys: the approved project the key serves."""
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Submission(Base):
    """One submission: files or a JSON body, for one organisation and period."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "content_hash", name="uq_submission_content"),
        UniqueConstraint("api_key_id", "idempotency_key", name="uq_submission_idempotency"),
        Index("ix_submissions_org_period", "organisation_id", "period"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    api_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"))
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.RECEIVED.value)
    content_hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    standard_version: Mapped[str | None] = mapped_column(String(16))
    file_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    record_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    """The validation report (JSON form, findings capped)."""
    failure: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class PoolVersion(Base):
    """One Parquet file in the pooled store: one record type of one accepted submission.

    ``is_current`` marks the version the current pool reads; an accepted submission
    supersedes the organisation's previous version for the same period and record type.
    """

    __tablename__ = "pool_versions"
    __table_args__ = (
        Index("ix_pool_current", "record_type", "is_current"),
        Index("ix_pool_org_period", "organisation_id", "period", "record_type"),
        # At most one current version per organisation, period and record type, enforced
        # by the database so two racing activations cannot both win.
        Index(
            "uq_pool_one_current",
            "organisation_id",
            "period",
            "record_type",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        Index("ix_pool_submission", "submission_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    period: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(500))
    """Path of the Parquet file relative to the store root."""
    rows: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_by: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PoolService(Base):
    """One service of a pooled ``service`` file: who owns each service id, from metadata.

    Written when the file is activated, so the ownership check of a submission reads the
    database, never the pool's files. A service is in the current pool when its
    version is current.
    """

    __tablename__ = "pool_services"
    __table_args__ = (Index("ix_pool_services_service", "service_id"),)

    pool_version_id: Mapped[int] = mapped_column(ForeignKey("pool_versions.id"), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    """The service row's own ``organisation_id`` (what the ownership check compares)."""


class PoolSegment(Base):
    """One file of the compacted snapshot of a record type (:mod:`peerbench.server.snapshot`).

    A segment holds the current rows of a contiguous range of organisations, from
    ``lower`` (inclusive) to the next current segment's ``lower``, sorted by
    organisation and period. ``versions`` maps each organisation to the ids of the
    :class:`PoolVersion` rows it was built from and their row counts, so a reader knows
    which organisations changed since. States: ``building`` (being written),
    ``current`` (read), ``retired`` (replaced; its file is deleted after a grace time).
    """

    __tablename__ = "pool_segments"
    __table_args__ = (Index("ix_pool_segments_type_state", "record_type", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(32))
    lower: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="building")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class RateEvent(Base):
    """One rate-limited request (a submission), kept for the length of the limit's window.

    Counted in the database, not in a process, so several server processes sharing one
    PostgreSQL database share each key's limit.
    """

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_at", "api_key_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    api_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in to the portal. Same scope attributes as :class:`ApiKey`.

    ``password_hash`` (Argon2id) is empty until the invite is accepted; the email is stored
    lower-cased so look-ups are case-insensitive on every backend.
    """

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_email", "email", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    network_id: Mapped[str | None] = mapped_column(ForeignKey("networks.id"))
    project: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    """Consecutive failed sign-ins within the lockout window."""
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, this row its SHA-256."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    """The absolute end of the session, however active it is."""
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    flash: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    """Messages to show on the next page: ``[{"kind": ..., "text": ...}]``."""


class OneTimeToken(Base):
    """An invite or sign-in link: stored as the SHA-256 of its token, used once."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (Index("ix_one_time_tokens_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``invite`` or ``sign-in``."""
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class SignInAttempt(Base):
    """One sign-in attempt, for per-address rate limiting (the email only as a hash)."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_client_at", "client", "at"),
        Index("ix_sign_in_attempts_email_at", "email_hash", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    email_hash: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class SavedMapping(Base):
    """A column/value mapping an organisation saved to reuse next quarter."""

    __tablename__ = "saved_mappings"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name", name="uq_saved_mappings_org_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    mapping_yaml: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PortalUpload(Base):
    """Files uploaded in the portal, staged until they are mapped, checked and submitted."""

    __tablename__ = "portal_uploads"
    __table_args__ = (Index("ix_portal_uploads_org_created", "organisation_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="staged")
    """``staged``, ``mapped``, ``checked``, ``submitted`` or ``discarded``."""
    directory: Mapped[str] = mapped_column(String(500))
    """Folder of the staged files, relative to ``settings.data_dir``."""
    file_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    mapping_yaml: Mapped[str | None] = mapped_column(Text, default=None)
    report: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class AuditEvent(Base):
    """Who did what, when: submissions, status changes, downloads, keys."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_action_at", "action", "at"),
        Index("ix_audit_organisation_at", "organisation_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    """API key id, user id (portal), or ``admin-cli`` for the admin commands."""
    action: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
