"""Clinic records: the frozen values use cases read and write through the unit of work.

Identifiers are ``None`` until a repository stores the record and returns it with its id.
Quantities keep their unit types; datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from intrathecal.clinic.vocabulary import PrescriptionStatus
from intrathecal.core.program import Prescription
from intrathecal.core.quantities import Concentration, DoseRate, Duration, Volume
from intrathecal.core.trial_record import TrialRecord

ROLES = ("physician", "nurse", "scheduler", "admin", "patient")


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user, their role and where the request came from (for the audit).

    ``patient_id`` is set for patient logins: they may see only that record.
    """

    user_id: int | None
    username: str
    role: str
    ip: str | None = None
    patient_id: int | None = None

    @classmethod
    def anonymous(cls, ip: str | None) -> Actor:
        """Someone not logged in (or naming no known login), from ``ip``."""
        return cls(user_id=None, username="anonymous", role="public", ip=ip)

    @classmethod
    def system(cls) -> Actor:
        """The service itself (migrations, seeding, scheduled jobs)."""
        return cls(user_id=None, username="system", role="system")

    @classmethod
    def public(cls, ip: str | None = None) -> Actor:
        """An anonymous visitor of the public pages (appointment requests)."""
        return cls(user_id=None, username="public", role="public", ip=ip)


# --- accounts (used by the auth layer) ------------------------------------------------------


@dataclass(frozen=True)
class UserRecord:
    """A staff or patient login; ``patient_id`` ties a patient user to their record."""

    id: int | None
    username: str
    password_hash: str
    role: str
    created_at: datetime
    display_name: str = ""
    patient_id: int | None = None
    active: bool = True


def check_user(user: UserRecord) -> None:
    """The rules every stored login obeys (the database enforces them too)."""
    from intrathecal.clinic.errors import ValidationFailed

    if user.role not in ROLES:
        raise ValidationFailed(f"role: expected one of {', '.join(ROLES)}, got {user.role!r}")
    if user.role == "patient" and user.patient_id is None:
        raise ValidationFailed("a patient login must be linked to a patient record")


@dataclass(frozen=True)
class SessionRecord:
    """A browser session: only the token's hash is stored."""

    id: int | None
    token_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    ip: str | None = None
    revoked: bool = False


@dataclass(frozen=True)
class ApiTokenRecord:
    """A named API token: only the token's hash is stored."""

    id: int | None
    token_hash: str
    user_id: int
    name: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked: bool = False
    last_used_at: datetime | None = None


# --- patients and places -------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnosis:
    """One ICD-10-CM coded diagnosis on a patient's record."""

    code: str
    description: str
    primary: bool = False


@dataclass(frozen=True)
class Coverage:
    """An insurance coverage: insurer key from ``data/insurers.yaml`` and the member id."""

    insurer: str
    member_id: str
    group_number: str = ""


@dataclass(frozen=True)
class Patient:
    """Demographics, diagnoses and coverage; ``version`` guards concurrent edits."""

    id: int | None
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    created_at: datetime
    phone: str = ""
    email: str = ""
    location_code: str | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    coverage: tuple[Coverage, ...] = ()
    version: int = 1

    @property
    def display_name(self) -> str:
        """``Family, Given``."""
        return f"{self.family_name}, {self.given_name}"


@dataclass(frozen=True)
class Location:
    """A clinic location where patients are seen."""

    code: str
    name: str
    address: str = ""
    phone: str = ""


# --- pathway ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConservativeTherapy:
    """A conservative treatment tried before considering a pump, and for how long."""

    name: str
    months: int
    outcome: str = "failed"


@dataclass(frozen=True)
class Evaluation:
    """A candidacy evaluation and its eligibility decision with the reasons."""

    id: int | None
    patient_id: int
    evaluated_on: date
    evaluator_id: int | None
    indication: str
    conservative_therapies: tuple[ConservativeTherapy, ...]
    surgery_is_option: bool
    psych_evaluation_done: bool
    psych_cleared: bool
    contraindications: tuple[str, ...]
    life_expectancy_months: int | None
    eligible: bool
    reasons: tuple[str, ...]
    notes: str = ""


@dataclass(frozen=True)
class Trial:
    """A screening trial: the core trial record and its outcome (the other fields summarise
    the record)."""

    id: int | None
    patient_id: int
    evaluation_id: int | None
    method: str
    drug: str
    started_at: datetime
    record: TrialRecord
    outcome: str
    outcome_reasons: tuple[str, ...]
    recorded_by: int | None
    referral_to: str | None = None


@dataclass(frozen=True)
class Implant:
    """An implanted pump and catheter; the telemetry key is kept as an id and fingerprint.

    ``initial_fill`` is the volume put in the reservoir at implant (at ``initial_fill_at``):
    the first refill's residual check and the first due date start from it.
    """

    id: int | None
    patient_id: int
    implanted_on: date
    hospital: str
    surgeon: str
    hospital_stay_days: int
    pump_model: str
    pump_serial: str
    reservoir: Volume
    catheter_length_cm: Decimal
    catheter_tip_level: str
    catheter_volume: Volume
    incisions: tuple[str, ...]
    return_to_work: str
    recorded_by: int | None
    device_key_id: str | None = None
    device_key_fingerprint: str | None = None
    active: bool = True
    initial_fill: Volume | None = None
    initial_fill_at: datetime | None = None


@dataclass(frozen=True)
class FindingNote:
    """A safety finding as stored with a prescription."""

    rule: str
    severity: str
    message: str
    source: str = ""


@dataclass(frozen=True)
class PrescriptionVersion:
    """One version of a patient's pump prescription (the core program plus summaries)."""

    id: int | None
    patient_id: int
    implant_id: int | None
    version: int
    program: Prescription
    drug: str
    daily_dose: DoseRate
    concentration: Concentration
    findings: tuple[FindingNote, ...]
    prescribed_by: int | None
    created_at: datetime
    override_reason: str | None = None
    #: The co-signer asked for (None: any other eligible physician).
    override_requested_of: int | None = None
    #: Who confirmed or rejected the override, in their own session, and when.
    override_by: int | None = None
    override_decided_at: datetime | None = None
    pump_confirmed_at: datetime | None = None
    pump_confirmed_by: int | None = None
    status: PrescriptionStatus = "active"


@dataclass(frozen=True)
class Refill:
    """A refill visit: residual check, new drug, and the next alarm and due dates.

    ``discrepancy_critical``/``discrepancy_note`` weigh the discrepancy by the drug it stands
    for; ``bridge_volume``/``bridge_duration`` size the bridge bolus after a drug or
    concentration change; ``steps`` are the guided-refill steps done and ``missing_steps``
    the required ones that were not; ``program_version`` is the prescription filled for.
    """

    id: int | None
    patient_id: int
    implant_id: int
    performed_at: datetime
    drug: str
    lot: str
    concentration: Concentration
    expected_residual: Volume
    measured_residual: Volume
    discrepancy: Volume
    discrepancy_flag: bool
    volume_added: Volume
    alarm_date: date
    next_due: date
    performed_by: int | None
    notes: str = ""
    discrepancy_critical: bool = False
    discrepancy_note: str = ""
    bridge_volume: Volume | None = None
    bridge_duration: Duration | None = None
    steps: tuple[str, ...] = ()
    missing_steps: tuple[str, ...] = ()
    program_version: int | None = None


@dataclass(frozen=True)
class Interrogation:
    """What one interrogation of the pump reported (programmer or telemetry), per visit.

    ``battery`` is ``ok``, ``eri`` or ``eos``; ``eri_on`` the day the pump reported ERI (it
    replaces the estimate on the worklist).
    """

    id: int | None
    patient_id: int
    implant_id: int
    at: datetime
    reservoir_estimate: Volume | None
    alarms: tuple[str, ...]
    battery: str
    eri_on: date | None
    active_program: Prescription | None
    event_log: tuple[str, ...]
    note: str
    recorded_by: int | None


@dataclass(frozen=True)
class AdverseEvent:
    """An adverse event in one of the seed's risk categories.

    ``version`` starts at 1 and rises with every follow-up update (optimistic locking).
    """

    id: int | None
    patient_id: int
    category: str
    severity: str
    onset: date
    description: str
    actions: str
    outcome: str
    recorded_by: int | None
    recorded_at: datetime
    resolved_on: date | None = None
    version: int = 1


@dataclass(frozen=True)
class AppointmentRequest:
    """A request from the public appointment form."""

    id: int | None
    name: str
    contact: str
    location_code: str | None
    insurer: str | None
    reason: str
    created_at: datetime
    status: str = "new"


@dataclass(frozen=True)
class Visit:
    """A scheduled visit of one kind at a location."""

    id: int | None
    patient_id: int
    kind: str
    location_code: str | None
    scheduled_at: datetime
    clinician_id: int | None
    status: str = "scheduled"
    notes: str = ""


@dataclass(frozen=True)
class CareStatus:
    """Per-patient worklist read model, kept current by the use cases in the same transaction.

    Float columns are in fixed base units (mcg/day, mcg/mL) only so the worklist can be
    queried in SQL; the records above hold the unit-typed values.
    """

    patient_id: int
    drug: str | None = None
    is_baclofen: bool = False
    on_opioid: bool = False
    daily_dose_mcg: float | None = None
    concentration_mcg_per_ml: float | None = None
    granuloma_risk: bool = False
    granuloma_reason: str = ""
    dose_rise_pct: float | None = None
    rising_dose: bool = False
    implanted_on: date | None = None
    eri_due: date | None = None
    alarm_date: date | None = None
    refill_due: date | None = None
    discrepancy_flag: bool = False
    discrepancy_ml: float | None = None
    endocrine_due: date | None = None
    wound_check_due: date | None = None
    device_alert: str | None = None
    device_alert_since: date | None = None
    discrepancy_critical: bool = False
    discrepancy_note: str = ""
    eri_reported: bool = False
    eos_due: date | None = None
    workup_due: date | None = None
    workup_reason: str = ""


@dataclass(frozen=True)
class WorklistItem:
    """One thing to do: which patient, what, by when, how urgent and why."""

    patient_id: int
    patient_name: str
    kind: str
    due: date | None
    severity: str
    reason: str
    baclofen_critical: bool = False


@dataclass(frozen=True)
class AuditEntry:
    """One row of the hash-chained audit log."""

    seq: int
    at: str
    actor_user_id: int | None
    actor_username: str
    actor_role: str
    actor_ip: str | None
    action: str
    patient_id: int | None
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True)
class IdempotencyRecord:
    """A POST's Idempotency-Key for one user: the request it was first used for (a hash of
    method, path and body) and, once it finished, the response to replay."""

    id: int | None
    user_id: int
    key: str
    method: str
    path: str
    request_hash: str
    created_at: datetime
    status_code: int | None = None
    content_type: str | None = None
    response_body: str | None = None


@dataclass(frozen=True)
class WorklistQuery:
    """The dates and limits a worklist query filters on (computed by the clinic layer)."""

    today: date
    refill_horizon: date
    eri_horizon: date
    endocrine_horizon: date
    wound_horizon: date
    limit: int = 200
    patient_id: int | None = None


@dataclass(frozen=True)
class WorklistRow:
    """One candidate item as the storage query returns it, ranked but not yet worded."""

    patient_id: int
    family_name: str
    given_name: str
    kind: str
    due: date | None
    rank: int
    critical: bool
    status: CareStatus


@dataclass(frozen=True)
class DosingProfileRecord:
    """The patient's dosing profile as stored; ``None`` flags mean "not recorded".

    ``opioid_status`` is naive, tolerant or unknown; ``spasticity_origin`` spinal or
    cerebral. ``version`` guards concurrent edits.
    """

    patient_id: int
    opioid_status: str
    psychosis_history: bool | None
    spasticity_origin: str | None
    cancer_pain: bool | None
    recorded_by: int | None
    recorded_at: datetime
    version: int = 1
