"""Server settings: one typed object read from ``PEERBENCH_*`` environment variables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from peerbench.validators.limits import DEFAULT_LIMITS, Limits


class Settings(BaseSettings):
    """Everything the server and the admin commands need, in one place.

    Embedded defaults need nothing installed: SQLite (WAL) in ``data_dir`` for metadata
    and a folder of Parquet under ``data_dir/pool`` for the pooled store. Production sets
    ``database_url`` to PostgreSQL (``postgresql+psycopg://…``) and ``store_url`` to an
    object store (``s3://bucket/prefix``).
    """

    model_config = SettingsConfigDict(env_prefix="PEERBENCH_", extra="ignore")

    data_dir: Path = Field(default=Path("pb-data"), description="Folder for embedded data.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in data_dir."
    )
    store_url: str | None = Field(
        default=None, description="Pooled store location; default data_dir/pool."
    )
    max_request_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Largest accepted request body."
    )
    max_rows_per_file: int | None = Field(
        default=None,
        ge=1,
        description="Largest number of rows in one submitted file (default: limit_max_rows; "
        "setting either sets the one cap).",
    )
    limit_max_decompressed_bytes: int = Field(
        default=DEFAULT_LIMITS.max_decompressed_bytes,
        ge=0,
        description="Bytes one uploaded file may expand to once unzipped or decompressed.",
    )
    limit_max_rows: int = Field(
        default=DEFAULT_LIMITS.max_rows, ge=0, description="Data rows in one uploaded file."
    )
    limit_max_columns: int = Field(
        default=DEFAULT_LIMITS.max_columns, ge=0, description="Columns in one uploaded file."
    )
    limit_max_cell_chars: int = Field(
        default=DEFAULT_LIMITS.max_cell_chars, ge=0, description="Characters in one cell."
    )
    limit_max_shared_strings: int = Field(
        default=DEFAULT_LIMITS.max_shared_strings,
        ge=0,
        description="Distinct strings in one workbook's shared-strings table.",
    )
    limit_max_json_depth: int = Field(
        default=DEFAULT_LIMITS.max_json_depth, ge=0, description="Nesting depth of JSON."
    )
    limit_max_json_bytes: int = Field(
        default=DEFAULT_LIMITS.max_json_bytes,
        ge=0,
        description="Size of one .json document (or one JSON Lines line).",
    )
    limit_max_number_digits: int = Field(
        default=DEFAULT_LIMITS.max_number_digits, ge=0, description="Digits in one JSON number."
    )
    limit_max_seconds: float = Field(
        default=DEFAULT_LIMITS.max_seconds, gt=0, description="Seconds to check one file."
    )
    check_memory_bytes: int = Field(
        # A file at the default row cap (10M outcome rows) needs about 7 GB of address
        # space to check (measured: 6.9 GB peak, 4.0 GB resident), so 6 GiB refused it.
        default=8 * 1024**3,
        ge=0,
        description="Address-space cap of the process that checks an upload (0: no cap).",
    )
    isolate_checks: bool = Field(
        default=True,
        description="Check uploaded files in a separate, memory-capped process.",
    )
    submissions_per_minute: int = Field(
        default=30, ge=1, description="Submissions one API key may make per minute."
    )
    background_threshold_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=0,
        description="Uploads larger than this are validated by the background worker (202).",
    )
    quality_at_ingest: bool = Field(
        default=True,
        description="Profile an organisation's data quality (Great Expectations, in the "
        "background) after each accepted submission, so quality reports sum recorded figures "
        "instead of re-profiling the pool (about 7 CPU s per small organisation).",
    )
    min_cell_count: int = Field(default=10, ge=1, description="Minimum paired n per estimate.")
    earliest_period: str = Field(
        default="2000-Q1",
        pattern=r"^[0-9]{4}-Q[1-4]$",
        description="The earliest quarter a submission may be for (the latest is the current one).",
    )
    previous_version_until: dt.date | None = Field(
        default=dt.date(2027, 6, 30),
        description="Last day files of the previous minor version of the standard (1.0) are "
        "accepted and migrated to the current one at ingest; empty closes the window (SPEC §8).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The portal's address as people reach it (used in invite and sign-in links).",
    )
    cookie_secure: bool = Field(
        default=True,
        description="Mark the portal's cookies Secure (browsers treat http://127.0.0.1 as secure).",
    )
    session_idle_minutes: int = Field(
        default=8 * 60, ge=1, description="A portal session ends after this long unused."
    )
    session_max_days: int = Field(
        default=7, ge=1, description="A portal session ends this long after sign-in, regardless."
    )
    smtp_host: str | None = Field(
        default=None, description="Mail server for invite and sign-in links (unset: print only)."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Mail server port.")
    smtp_user: str | None = Field(default=None, description="Mail server user name.")
    smtp_password: str | None = Field(default=None, description="Mail server password.")
    smtp_from: str = Field(
        default="peerbench@localhost", description="The From address of the portal's emails."
    )
    smtp_starttls: bool = Field(default=True, description="Upgrade the mail connection with TLS.")
    dev_mode: bool = Field(
        default=False, description="Allow insecure conveniences (never in production)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        url = self.resolved_database_url()
        if not self.dev_mode and url.startswith("postgresql") and "@" not in url:
            raise ValueError("a PostgreSQL database_url must name a user (user@host)")
        return self

    @model_validator(mode="after")
    def _one_row_cap(self) -> Self:
        # Two settings name the same cap (the older max_rows_per_file and the limits'
        # max_rows); when they disagreed, the smaller silently won.
        both = {"max_rows_per_file", "limit_max_rows"} <= self.model_fields_set
        if both and self.max_rows_per_file != self.limit_max_rows:
            raise ValueError(
                "max_rows_per_file and limit_max_rows are the same cap: set one of them"
            )
        return self

    def row_cap(self) -> int:
        """Rows one uploaded file may hold: ``max_rows_per_file`` if set, else the limit."""
        return self.limit_max_rows if self.max_rows_per_file is None else self.max_rows_per_file

    def limits(self) -> Limits:
        """The resource limits every uploaded file is read within."""
        values = {name: getattr(self, f"limit_{name}") for name in Limits.names()}
        return DEFAULT_LIMITS.replace(**{**values, "max_rows": self.row_cap()})

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'peerbench.sqlite3').resolve()}"

    def resolved_store_url(self) -> str:
        """The pooled store location, defaulting to ``data_dir/pool``."""
        if self.store_url:
            return self.store_url
        return str((self.data_dir / "pool").resolve())
