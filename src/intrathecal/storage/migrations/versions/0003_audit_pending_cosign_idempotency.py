"""unchained audit appends, co-signature requests, idempotency keys

Audit entries already chained are moved to ``audit_pending`` in their order, so the next
seal chains them again with the installation's HMAC key (the old chain was unkeyed).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENTRY = "at, actor_user_id, actor_username, actor_role, actor_ip, action, patient_id, details"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(length=80), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_ip", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    op.create_index("ix_audit_pending_patient", "audit_pending", ["patient_id"], unique=False)
    op.execute(f"INSERT INTO audit_pending ({_ENTRY}) SELECT {_ENTRY} FROM audit_log ORDER BY seq")
    op.execute("DELETE FROM audit_log")
    op.execute("UPDATE audit_head SET last_seq = 0, last_hash = '" + "0" * 64 + "'")
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
    )
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_requested_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("override_decided_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_prescriptions_override_requested_of_users"),
            "users",
            ["override_requested_of"],
            ["id"],
        )


def downgrade() -> None:
    """Revert this revision (pending audit entries are dropped with their table)."""
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_prescriptions_override_requested_of_users"), type_="foreignkey"
        )
        batch_op.drop_column("override_decided_at")
        batch_op.drop_column("override_requested_of")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_audit_pending_patient", table_name="audit_pending")
    op.drop_table("audit_pending")
