"""throttle hits in the database (login back-off, per-address limits, public form)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from intrathecal.storage.types import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "throttle_hits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_hits")),
    )
    op.create_index("ix_throttle_hits_scope_key_at", "throttle_hits", ["scope", "key", "at"])
    op.create_index("ix_throttle_hits_at", "throttle_hits", ["at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_throttle_hits_at", table_name="throttle_hits")
    op.drop_index("ix_throttle_hits_scope_key_at", table_name="throttle_hits")
    op.drop_table("throttle_hits")
