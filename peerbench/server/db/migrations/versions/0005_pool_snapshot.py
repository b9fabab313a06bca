"""The pool at national scale: a service ownership index and the compacted snapshot.

``pool_services`` lists the services of every pooled ``service`` file, so the
ownership check of a submission reads the database instead of every service file in
the pool. ``pool_segments`` lists the files of the compacted snapshot of each record
type (SPEC "The pooled store"). Both start empty: the server fills the index for
existing pools at start-up and builds the snapshot in the background.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "pool_services",
        sa.Column("pool_version_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_version_id"],
            ["pool_versions.id"],
            name=op.f("fk_pool_services_pool_version_id_pool_versions"),
        ),
        sa.PrimaryKeyConstraint("pool_version_id", "service_id", name=op.f("pk_pool_services")),
    )
    op.create_index("ix_pool_services_service", "pool_services", ["service_id"], unique=False)
    op.create_table(
        "pool_segments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("lower", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_segments")),
    )
    op.create_index(
        "ix_pool_segments_type_state", "pool_segments", ["record_type", "state"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_pool_segments_type_state", table_name="pool_segments")
    op.drop_table("pool_segments")
    op.drop_index("ix_pool_services_service", table_name="pool_services")
    op.drop_table("pool_services")
