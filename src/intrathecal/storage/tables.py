"""SQLAlchemy Core tables for the clinic: accounts, audit log, records and the worklist model.

Quantities are stored as their text (``"10 mg/mL"``) so the unit always travels with the
number; the few base-unit float columns exist only for SQL filtering (worklist).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)

from intrathecal.storage.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

#: ``prev_hash`` of the first audit entry (kept equal to ``clinic.audit.GENESIS``).
GENESIS_HASH = "0" * 64

ROLE_CHECK = "role IN ('physician', 'nurse', 'scheduler', 'admin', 'patient')"

locations = Table(
    "locations",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("address", String(400), nullable=False, default=""),
    Column("phone", String(40), nullable=False, default=""),
)

patients = Table(
    "patients",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mrn", String(40), nullable=False, unique=True),
    Column("given_name", String(120), nullable=False),
    Column("family_name", String(120), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(16), nullable=False),
    Column("phone", String(40), nullable=False, default=""),
    Column("email", String(200), nullable=False, default=""),
    Column("location_code", String(40), ForeignKey("locations.code"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_patients_family_given", "family_name", "given_name"),
)

diagnoses = Table(
    "diagnoses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(16), nullable=False, index=True),
    Column("description", String(300), nullable=False),
    Column("primary", Boolean, nullable=False, default=False),
    Index("ix_diagnoses_patient", "patient_id"),
)

coverages = Table(
    "coverages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
    Column("insurer", String(60), nullable=False),
    Column("member_id", String(80), nullable=False),
    Column("group_number", String(80), nullable=False, default=""),
    Index("ix_coverages_patient", "patient_id"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(200), nullable=False, default=""),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint(ROLE_CHECK, name="role"),
    CheckConstraint("role <> 'patient' OR patient_id IS NOT NULL", name="patient_link"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ip", String(64), nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Index("ix_sessions_user", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Index("ix_api_tokens_user", "user_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor_user_id", Integer, nullable=True),
    Column("actor_username", String(80), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_ip", String(64), nullable=True),
    Column("action", String(80), nullable=False),
    Column("patient_id", Integer, nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # the newest entries by time, of all and of one patient (``seq`` is sealing order: the
    # sealer chains pending writes after reads newer than they are)
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_patient_at", "patient_id", "at"),
)

# Entries written by requests, not yet chained: appending never waits for another writer.
# The sealer moves them, in id order, into ``audit_log`` (``clinic.audit.seal``).
audit_pending = Table(
    "audit_pending",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor_user_id", Integer, nullable=True),
    Column("actor_username", String(80), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_ip", String(64), nullable=True),
    Column("action", String(80), nullable=False),
    Column("patient_id", Integer, nullable=True),
    Column("details", Text, nullable=False),
    Index("ix_audit_pending_patient", "patient_id"),
)

# One row (id = 1) holding the chain's tip; the sealer locks it, so sealing is serialised.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)


@event.listens_for(audit_head, "after_create")
def _seed_audit_head(target: Table, connection: Connection, **_kw: object) -> None:
    # The chain's tip exists from the start, so appenders only ever lock and update it.
    connection.execute(target.insert().values(id=1, last_seq=0, last_hash=GENESIS_HASH))


evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("evaluated_on", Date, nullable=False),
    Column("evaluator_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("indication", String(20), nullable=False),
    Column("conservative_therapies", JSON, nullable=False),
    Column("surgery_is_option", Boolean, nullable=False),
    Column("psych_evaluation_done", Boolean, nullable=False),
    Column("psych_cleared", Boolean, nullable=False),
    Column("contraindications", JSON, nullable=False),
    Column("life_expectancy_months", Integer, nullable=True),
    Column("eligible", Boolean, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("notes", Text, nullable=False, default=""),
)

trials = Table(
    "trials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=True),
    Column("method", String(20), nullable=False),
    Column("drug", String(40), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("record", JSON, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("outcome_reasons", JSON, nullable=False),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("referral_to", String(200), nullable=True),
)

implants = Table(
    "implants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("implanted_on", Date, nullable=False),
    Column("hospital", String(200), nullable=False),
    Column("surgeon", String(200), nullable=False),
    Column("hospital_stay_days", Integer, nullable=False),
    Column("pump_model", String(40), nullable=False),
    Column("pump_serial", String(60), nullable=False, unique=True),
    Column("reservoir", String(40), nullable=False),
    Column("catheter_length_cm", Numeric(6, 1), nullable=False),
    Column("catheter_tip_level", String(10), nullable=False),
    Column("catheter_volume", String(40), nullable=False),
    Column("incisions", JSON, nullable=False),
    Column("return_to_work", String(40), nullable=False),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("device_key_id", String(80), nullable=True),
    Column("device_key_fingerprint", String(128), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("initial_fill", String(40), nullable=True),
    Column("initial_fill_at", UtcDateTime, nullable=True),
)

prescriptions = Table(
    "prescriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False),
    Column("implant_id", Integer, ForeignKey("implants.id"), nullable=True),
    Column("version", Integer, nullable=False),
    Column("program", JSON, nullable=False),
    Column("drug", String(40), nullable=False),
    Column("daily_dose", String(40), nullable=False),
    Column("concentration", String(40), nullable=False),
    Column("findings", JSON, nullable=False),
    Column("prescribed_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("override_reason", Text, nullable=True),
    Column("override_requested_of", Integer, ForeignKey("users.id"), nullable=True),
    Column("override_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("override_decided_at", UtcDateTime, nullable=True),
    Column("pump_confirmed_at", UtcDateTime, nullable=True),
    Column("pump_confirmed_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("status", String(16), nullable=False, default="active"),
    # Two concurrent writers computing the same next version collide here: never lost.
    UniqueConstraint("patient_id", "version", name="uq_prescriptions_patient_version"),
)

refills = Table(
    "refills",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("implant_id", Integer, ForeignKey("implants.id"), nullable=False),
    Column("performed_at", UtcDateTime, nullable=False),
    Column("drug", String(40), nullable=False),
    Column("lot", String(60), nullable=False),
    Column("concentration", String(40), nullable=False),
    Column("expected_residual", String(40), nullable=False),
    Column("measured_residual", String(40), nullable=False),
    Column("discrepancy", String(40), nullable=False),
    Column("discrepancy_flag", Boolean, nullable=False),
    Column("volume_added", String(40), nullable=False),
    Column("alarm_date", Date, nullable=False),
    Column("next_due", Date, nullable=False),
    Column("performed_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("notes", Text, nullable=False, default=""),
    Column("discrepancy_critical", Boolean, nullable=False, default=False),
    Column("discrepancy_note", String(400), nullable=False, default=""),
    Column("bridge_volume", String(40), nullable=True),
    Column("bridge_duration", String(40), nullable=True),
    Column("steps", JSON, nullable=False, default=list),
    Column("missing_steps", JSON, nullable=False, default=list),
    Column("program_version", Integer, nullable=True),
)

interrogations = Table(
    "interrogations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("implant_id", Integer, ForeignKey("implants.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("reservoir_estimate", String(40), nullable=True),
    Column("alarms", JSON, nullable=False),
    Column("battery", String(8), nullable=False),
    Column("eri_on", Date, nullable=True),
    Column("active_program", JSON, nullable=True),
    Column("event_log", JSON, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=True),
)

adverse_events = Table(
    "adverse_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("onset", Date, nullable=False),
    Column("description", Text, nullable=False),
    Column("actions", Text, nullable=False),
    Column("outcome", String(30), nullable=False),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("resolved_on", Date, nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
)

appointment_requests = Table(
    "appointment_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("contact", String(200), nullable=False),
    Column("location_code", String(40), ForeignKey("locations.code"), nullable=True),
    Column("insurer", String(60), nullable=True),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False, default="new"),
)

visits = Table(
    "visits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("location_code", String(40), ForeignKey("locations.code"), nullable=True),
    Column("scheduled_at", UtcDateTime, nullable=False, index=True),
    Column("clinician_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("status", String(16), nullable=False, default="scheduled"),
    Column("notes", Text, nullable=False, default=""),
)

dosing_profiles = Table(
    "dosing_profiles",
    metadata,
    Column("patient_id", Integer, ForeignKey("patients.id"), primary_key=True),
    Column("opioid_status", String(10), nullable=False),
    Column("psychosis_history", Boolean, nullable=True),
    Column("spasticity_origin", String(10), nullable=True),
    Column("cancer_pain", Boolean, nullable=True),
    Column("recorded_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

care_status = Table(
    "care_status",
    metadata,
    Column("patient_id", Integer, ForeignKey("patients.id"), primary_key=True),
    Column("drug", String(40), nullable=True),
    Column("is_baclofen", Boolean, nullable=False, default=False),
    Column("on_opioid", Boolean, nullable=False, default=False),
    Column("daily_dose_mcg", Float, nullable=True),
    Column("concentration_mcg_per_ml", Float, nullable=True),
    Column("granuloma_risk", Boolean, nullable=False, default=False),
    Column("granuloma_reason", String(300), nullable=False, default=""),
    Column("dose_rise_pct", Float, nullable=True),
    Column("rising_dose", Boolean, nullable=False, default=False),
    Column("implanted_on", Date, nullable=True),
    Column("eri_due", Date, nullable=True),
    Column("alarm_date", Date, nullable=True),
    Column("refill_due", Date, nullable=True),
    Column("discrepancy_flag", Boolean, nullable=False, default=False),
    Column("discrepancy_ml", Float, nullable=True),
    Column("endocrine_due", Date, nullable=True),
    Column("wound_check_due", Date, nullable=True),
    Column("device_alert", String(300), nullable=True),
    Column("device_alert_since", Date, nullable=True),
    Column("discrepancy_critical", Boolean, nullable=False, default=False),
    Column("discrepancy_note", String(400), nullable=False, default=""),
    Column("eri_reported", Boolean, nullable=False, default=False),
    Column("eos_due", Date, nullable=True),
    Column("workup_due", Date, nullable=True),
    Column("workup_reason", String(300), nullable=False, default=""),
    # One index per worklist rule, led by the rule's due date and the patient id (the order
    # the worklist reads them in) and covering the columns it filters on: every rule is an
    # index range scan that stops after N rows.
    Index("ix_care_status_refill", "refill_due", "patient_id", "alarm_date", "is_baclofen"),
    Index("ix_care_status_eri", "eri_due", "patient_id", "is_baclofen"),
    Index("ix_care_status_endocrine", "endocrine_due", "patient_id", "on_opioid"),
    Index("ix_care_status_wound", "wound_check_due", "patient_id"),
    Index("ix_care_status_discrepancy", "discrepancy_flag", "is_baclofen", "patient_id"),
    Index("ix_care_status_granuloma", "granuloma_risk", "patient_id"),
    Index("ix_care_status_rising", "rising_dose", "patient_id"),
    Index("ix_care_status_device", "device_alert_since", "patient_id", "is_baclofen"),
    Index("ix_care_status_workup", "workup_due", "patient_id"),
)

# A POST's Idempotency-Key, per user: the first request's body hash and its response, so a
# repeat (another process, another worker) replays the response instead of writing again.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(400), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("content_type", String(100), nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
)

# Throttle hits (login attempts per address, failed logins per username and address, public
# appointment requests per address): shared by every server process, pruned as they age.
throttle_hits = Table(
    "throttle_hits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(32), nullable=False),
    Column("key", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_throttle_hits_scope_key_at", "scope", "key", "at"),
    Index("ix_throttle_hits_at", "at"),
)
