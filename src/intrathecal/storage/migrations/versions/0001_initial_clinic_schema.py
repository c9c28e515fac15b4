"""initial clinic schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(length=80), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_ip", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_patient", ["patient_id"], unique=False)

    op.create_table(
        "locations",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_locations")),
    )
    op.create_table(
        "appointment_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("location_code", sa.String(length=40), nullable=True),
        sa.Column("insurer", sa.String(length=60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_code"],
            ["locations.code"],
            name=op.f("fk_appointment_requests_location_code_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_requests")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mrn", sa.String(length=40), nullable=False),
        sa.Column("given_name", sa.String(length=120), nullable=False),
        sa.Column("family_name", sa.String(length=120), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("location_code", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_code"], ["locations.code"], name=op.f("fk_patients_location_code_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("mrn", name=op.f("uq_patients_mrn")),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patients_family_given", ["family_name", "given_name"], unique=False
        )

    op.create_table(
        "care_status",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("drug", sa.String(length=40), nullable=True),
        sa.Column("is_baclofen", sa.Boolean(), nullable=False),
        sa.Column("on_opioid", sa.Boolean(), nullable=False),
        sa.Column("daily_dose_mcg", sa.Float(), nullable=True),
        sa.Column("concentration_mcg_per_ml", sa.Float(), nullable=True),
        sa.Column("granuloma_risk", sa.Boolean(), nullable=False),
        sa.Column("granuloma_reason", sa.String(length=300), nullable=False),
        sa.Column("dose_rise_pct", sa.Float(), nullable=True),
        sa.Column("rising_dose", sa.Boolean(), nullable=False),
        sa.Column("implanted_on", sa.Date(), nullable=True),
        sa.Column("eri_due", sa.Date(), nullable=True),
        sa.Column("alarm_date", sa.Date(), nullable=True),
        sa.Column("refill_due", sa.Date(), nullable=True),
        sa.Column("discrepancy_flag", sa.Boolean(), nullable=False),
        sa.Column("discrepancy_ml", sa.Float(), nullable=True),
        sa.Column("endocrine_due", sa.Date(), nullable=True),
        sa.Column("wound_check_due", sa.Date(), nullable=True),
        sa.Column("device_alert", sa.String(length=300), nullable=True),
        sa.Column("device_alert_since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_care_status_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_care_status")),
    )
    with op.batch_alter_table("care_status", schema=None) as batch_op:
        batch_op.create_index(
            "ix_care_status_device",
            ["device_alert_since", "patient_id", "is_baclofen"],
            unique=False,
        )
        batch_op.create_index(
            "ix_care_status_discrepancy",
            ["discrepancy_flag", "is_baclofen", "patient_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_care_status_endocrine", ["endocrine_due", "patient_id", "on_opioid"], unique=False
        )
        batch_op.create_index(
            "ix_care_status_eri", ["eri_due", "patient_id", "is_baclofen"], unique=False
        )
        batch_op.create_index(
            "ix_care_status_granuloma", ["granuloma_risk", "patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_status_refill",
            ["refill_due", "patient_id", "alarm_date", "is_baclofen"],
            unique=False,
        )
        batch_op.create_index("ix_care_status_rising", ["rising_dose", "patient_id"], unique=False)
        batch_op.create_index(
            "ix_care_status_wound", ["wound_check_due", "patient_id"], unique=False
        )

    op.create_table(
        "coverages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("insurer", sa.String(length=60), nullable=False),
        sa.Column("member_id", sa.String(length=80), nullable=False),
        sa.Column("group_number", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_coverages_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverages")),
    )
    with op.batch_alter_table("coverages", schema=None) as batch_op:
        batch_op.create_index("ix_coverages_patient", ["patient_id"], unique=False)

    op.create_table(
        "diagnoses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_diagnoses_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnoses")),
    )
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_diagnoses_code"), ["code"], unique=False)
        batch_op.create_index("ix_diagnoses_patient", ["patient_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role <> 'patient' OR patient_id IS NOT NULL", name=op.f("ck_users_patient_link")
        ),
        sa.CheckConstraint(
            "role IN ('physician', 'nurse', 'scheduler', 'admin', 'patient')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_users_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "adverse_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("onset", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_adverse_events_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_adverse_events_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_events")),
    )
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adverse_events_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_api_tokens_user", ["user_id"], unique=False)

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("indication", sa.String(length=20), nullable=False),
        sa.Column("conservative_therapies", sa.JSON(), nullable=False),
        sa.Column("surgery_is_option", sa.Boolean(), nullable=False),
        sa.Column("psych_evaluation_done", sa.Boolean(), nullable=False),
        sa.Column("psych_cleared", sa.Boolean(), nullable=False),
        sa.Column("contraindications", sa.JSON(), nullable=False),
        sa.Column("life_expectancy_months", sa.Integer(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluator_id"], ["users.id"], name=op.f("fk_evaluations_evaluator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_evaluations_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluations_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "implants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("implanted_on", sa.Date(), nullable=False),
        sa.Column("hospital", sa.String(length=200), nullable=False),
        sa.Column("surgeon", sa.String(length=200), nullable=False),
        sa.Column("hospital_stay_days", sa.Integer(), nullable=False),
        sa.Column("pump_model", sa.String(length=40), nullable=False),
        sa.Column("pump_serial", sa.String(length=60), nullable=False),
        sa.Column("reservoir", sa.String(length=40), nullable=False),
        sa.Column("catheter_length_cm", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("catheter_tip_level", sa.String(length=10), nullable=False),
        sa.Column("catheter_volume", sa.String(length=40), nullable=False),
        sa.Column("incisions", sa.JSON(), nullable=False),
        sa.Column("return_to_work", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("device_key_id", sa.String(length=80), nullable=True),
        sa.Column("device_key_fingerprint", sa.String(length=128), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_implants_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_implants_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_implants")),
        sa.UniqueConstraint("pump_serial", name=op.f("uq_implants_pump_serial")),
    )
    with op.batch_alter_table("implants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_implants_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sessions_user", ["user_id"], unique=False)

    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("location_code", sa.String(length=40), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["users.id"], name=op.f("fk_visits_clinician_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["location_code"], ["locations.code"], name=op.f("fk_visits_location_code_locations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_visits_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_scheduled_at"), ["scheduled_at"], unique=False)

    op.create_table(
        "prescriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("implant_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("program", sa.JSON(), nullable=False),
        sa.Column("drug", sa.String(length=40), nullable=False),
        sa.Column("daily_dose", sa.String(length=40), nullable=False),
        sa.Column("concentration", sa.String(length=40), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("prescribed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.Integer(), nullable=True),
        sa.Column("pump_confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("pump_confirmed_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["implant_id"], ["implants.id"], name=op.f("fk_prescriptions_implant_id_implants")
        ),
        sa.ForeignKeyConstraint(
            ["override_by"], ["users.id"], name=op.f("fk_prescriptions_override_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_prescriptions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["prescribed_by"], ["users.id"], name=op.f("fk_prescriptions_prescribed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["pump_confirmed_by"],
            ["users.id"],
            name=op.f("fk_prescriptions_pump_confirmed_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescriptions")),
        sa.UniqueConstraint("patient_id", "version", name="uq_prescriptions_patient_version"),
    )
    op.create_table(
        "refills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("implant_id", sa.Integer(), nullable=False),
        sa.Column("performed_at", sa.DateTime(), nullable=False),
        sa.Column("drug", sa.String(length=40), nullable=False),
        sa.Column("lot", sa.String(length=60), nullable=False),
        sa.Column("concentration", sa.String(length=40), nullable=False),
        sa.Column("expected_residual", sa.String(length=40), nullable=False),
        sa.Column("measured_residual", sa.String(length=40), nullable=False),
        sa.Column("discrepancy", sa.String(length=40), nullable=False),
        sa.Column("discrepancy_flag", sa.Boolean(), nullable=False),
        sa.Column("volume_added", sa.String(length=40), nullable=False),
        sa.Column("alarm_date", sa.Date(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("performed_by", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["implant_id"], ["implants.id"], name=op.f("fk_refills_implant_id_implants")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_refills_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["performed_by"], ["users.id"], name=op.f("fk_refills_performed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refills")),
    )
    with op.batch_alter_table("refills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refills_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("drug", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("outcome_reasons", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("referral_to", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_trials_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_trials_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_trials_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trials")),
    )
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trials_patient_id"), ["patient_id"], unique=False)
    # The audit chain's head row exists from the start (see storage.tables.audit_head).
    audit_head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer),
        sa.column("last_seq", sa.Integer),
        sa.column("last_hash", sa.String),
    )
    op.bulk_insert(audit_head, [{"id": 1, "last_seq": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trials_patient_id"))

    op.drop_table("trials")
    with op.batch_alter_table("refills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refills_patient_id"))

    op.drop_table("refills")
    op.drop_table("prescriptions")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_scheduled_at"))
        batch_op.drop_index(batch_op.f("ix_visits_patient_id"))

    op.drop_table("visits")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_user")

    op.drop_table("sessions")
    with op.batch_alter_table("implants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_implants_patient_id"))

    op.drop_table("implants")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluations_patient_id"))

    op.drop_table("evaluations")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_user")

    op.drop_table("api_tokens")
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_events_patient_id"))

    op.drop_table("adverse_events")
    op.drop_table("users")
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnoses_patient")
        batch_op.drop_index(batch_op.f("ix_diagnoses_code"))

    op.drop_table("diagnoses")
    with op.batch_alter_table("coverages", schema=None) as batch_op:
        batch_op.drop_index("ix_coverages_patient")

    op.drop_table("coverages")
    with op.batch_alter_table("care_status", schema=None) as batch_op:
        batch_op.drop_index("ix_care_status_wound")
        batch_op.drop_index("ix_care_status_rising")
        batch_op.drop_index("ix_care_status_refill")
        batch_op.drop_index("ix_care_status_granuloma")
        batch_op.drop_index("ix_care_status_eri")
        batch_op.drop_index("ix_care_status_endocrine")
        batch_op.drop_index("ix_care_status_discrepancy")
        batch_op.drop_index("ix_care_status_device")

    op.drop_table("care_status")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index("ix_patients_family_given")

    op.drop_table("patients")
    op.drop_table("appointment_requests")
    op.drop_table("locations")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_patient")

    op.drop_table("audit_log")
    op.drop_table("audit_head")
