"""Memberships gain an agreement end date (nullable: open-ended agreements).

A network sees a member's data only inside its agreement window, from
``agreement_start`` to ``agreement_end`` inclusive (SPEC §14.3).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("agreement_end", sa.Date(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("agreement_end")
