"""dosing profiles: opioid status, psychosis history, spasticity origin, cancer pain

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (no profile recorded: every flag reads "not recorded")."""
    op.create_table(
        "dosing_profiles",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("opioid_status", sa.String(length=10), nullable=False),
        sa.Column("psychosis_history", sa.Boolean(), nullable=True),
        sa.Column("spasticity_origin", sa.String(length=10), nullable=True),
        sa.Column("cancer_pain", sa.Boolean(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("patient_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("dosing_profiles")
