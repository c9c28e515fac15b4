"""clinic maintenance: implant fill, weighed discrepancy, bridge bolus, guided refill steps,
reported ERI and end of service, adverse-event work-up, interrogation reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing rows: no fill on record, nothing flagged or reported)."""
    with op.batch_alter_table("implants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("initial_fill", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("initial_fill_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("refills", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "discrepancy_critical", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("discrepancy_note", sa.String(length=400), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("bridge_volume", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("bridge_duration", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("steps", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("missing_steps", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("program_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("care_status", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "discrepancy_critical", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("discrepancy_note", sa.String(length=400), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("eri_reported", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("eos_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("workup_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("workup_reason", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.create_index("ix_care_status_workup", ["workup_due", "patient_id"], unique=False)
    op.create_table(
        "interrogations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("implant_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reservoir_estimate", sa.String(length=40), nullable=True),
        sa.Column("alarms", sa.JSON(), nullable=False),
        sa.Column("battery", sa.String(length=8), nullable=False),
        sa.Column("eri_on", sa.Date(), nullable=True),
        sa.Column("active_program", sa.JSON(), nullable=True),
        sa.Column("event_log", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["implant_id"], ["implants.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_interrogations_patient_id", "interrogations", ["patient_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_interrogations_patient_id", table_name="interrogations")
    op.drop_table("interrogations")
    with op.batch_alter_table("care_status", schema=None) as batch_op:
        batch_op.drop_index("ix_care_status_workup")
        for name in (
            "workup_reason",
            "workup_due",
            "eos_due",
            "eri_reported",
            "discrepancy_note",
            "discrepancy_critical",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("refills", schema=None) as batch_op:
        for name in (
            "program_version",
            "missing_steps",
            "steps",
            "bridge_duration",
            "bridge_volume",
            "discrepancy_note",
            "discrepancy_critical",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("implants", schema=None) as batch_op:
        batch_op.drop_column("initial_fill_at")
        batch_op.drop_column("initial_fill")
