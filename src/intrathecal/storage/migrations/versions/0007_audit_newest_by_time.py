"""audit log read newest by time: indexes on the entry time, of all and per patient

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (the per-patient index gains the time)."""
    op.drop_index("ix_audit_log_patient", table_name="audit_log")
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_patient_at", "audit_log", ["patient_id", "at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_audit_log_patient_at", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.create_index("ix_audit_log_patient", "audit_log", ["patient_id"])
