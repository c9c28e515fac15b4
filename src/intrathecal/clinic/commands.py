"""Use-case commands: the validated-at-the-edge input of each clinic use case."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from intrathecal.clinic.records import ConservativeTherapy, Coverage, Diagnosis
from intrathecal.core.program import Prescription
from intrathecal.core.quantities import Concentration, Volume
from intrathecal.core.trial_record import TrialRecord


@dataclass(frozen=True)
class RegisterPatient:
    """Create a patient record."""

    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    phone: str = ""
    email: str = ""
    location_code: str | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    coverage: tuple[Coverage, ...] = ()


@dataclass(frozen=True)
class UpdatePatient:
    """Change demographics, diagnoses or coverage; fields left ``None`` stay as they are."""

    patient_id: int
    expected_version: int
    given_name: str | None = None
    family_name: str | None = None
    phone: str | None = None
    email: str | None = None
    location_code: str | None = None
    diagnoses: tuple[Diagnosis, ...] | None = None
    coverage: tuple[Coverage, ...] | None = None


@dataclass(frozen=True)
class RecordEvaluation:
    """A candidacy evaluation's findings; the eligibility decision is computed."""

    patient_id: int
    evaluated_on: date
    indication: str
    conservative_therapies: tuple[ConservativeTherapy, ...]
    surgery_is_option: bool
    psych_evaluation_done: bool
    psych_cleared: bool
    contraindications: tuple[str, ...] = ()
    life_expectancy_months: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class RecordTrial:
    """A screening trial as the core record (baseline, injections, scores, side effects)."""

    patient_id: int
    record: TrialRecord
    method: str = "single_shot"
    evaluation_id: int | None = None
    rule: str | None = None
    referral_to: str | None = None


@dataclass(frozen=True)
class RecordImplant:
    """A permanent implant; ``device_key`` is the raw telemetry key (never stored)."""

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
    incisions: tuple[str, ...] = ("abdomen", "back")
    return_to_work: str = "1-2 weeks"
    device_key: bytes | None = None
    device_key_id: str | None = None
    trial_waived_reason: str | None = None
    initial_fill: Volume | None = None
    initial_fill_at: datetime | None = None


@dataclass(frozen=True)
class OverrideRequest:
    """A request to accept SOFT findings: their rule codes, a reason, and optionally the
    physician asked to co-sign (else any other eligible physician may)."""

    codes: frozenset[str]
    reason: str
    cosigner_id: int | None = None


@dataclass(frozen=True)
class DecideOverride:
    """The co-signer's decision on a pending override request (prescription version)."""

    patient_id: int
    version: int
    decision: str  # CosignDecision
    note: str = ""


@dataclass(frozen=True)
class ProgramPrescription:
    """A new prescription version (the core program) based on ``expected_version``."""

    patient_id: int
    program: Prescription
    expected_version: int
    override: OverrideRequest | None = None
    rule_set: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class ConfirmOnPump:
    """The clinician read the program back from the pump and it matches this version."""

    patient_id: int
    version: int


@dataclass(frozen=True)
class RecordRefill:
    """A refill visit as measured; expected residual and dates are computed.

    The first refill of a pump starts from the implant's fill, later ones from the previous
    refill. ``steps`` lists the guided-refill steps done (``vocabulary.RefillStep``).
    """

    patient_id: int
    performed_at: datetime
    drug: str
    lot: str
    concentration: Concentration
    measured_residual: Volume
    volume_added: Volume
    measured_after: Volume | None = None
    alarm_volume: Volume | None = None
    notes: str = ""
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordAdverseEvent:
    """An adverse event in one of the seed's risk categories."""

    patient_id: int
    category: str
    severity: str
    onset: date
    description: str
    actions: str = ""
    outcome: str = "ongoing"


@dataclass(frozen=True)
class UpdateAdverseEvent:
    """A follow-up on a recorded adverse event; fields left ``None`` stay as they are.

    ``expected_version`` is the version the client read; ``resolved_on`` needs a resolved
    outcome (``resolved`` or ``resolved_with_sequelae``).
    """

    patient_id: int
    event_id: int
    expected_version: int
    severity: str | None = None
    actions: str | None = None
    outcome: str | None = None
    resolved_on: date | None = None


@dataclass(frozen=True)
class RequestAppointment:
    """The public appointment form."""

    name: str
    contact: str
    reason: str
    location_code: str | None = None
    insurer: str | None = None


@dataclass(frozen=True)
class ScheduleVisit:
    """Book a visit of one kind at a location."""

    patient_id: int
    kind: str
    scheduled_at: datetime
    location_code: str | None = None
    clinician_id: int | None = None
    request_id: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class CompleteVisit:
    """Mark a visit done (a wound check or endocrine review clears its worklist item)."""

    visit_id: int
    notes: str = ""


@dataclass(frozen=True)
class RecordPumpStatus:
    """What an interrogation (programmer or telemetry) reported, stored as a report.

    ``eri_reported`` (or ``battery`` ``eri``) means the pump reports ERI, since ``eri_on``
    when given, else since ``at``; ``active_program`` is the program read back.
    """

    patient_id: int
    at: datetime
    eri_reported: bool = False
    alarms: tuple[str, ...] = ()
    note: str = ""
    reservoir_estimate: Volume | None = None
    battery: str = "ok"
    eri_on: date | None = None
    active_program: Prescription | None = None
    event_log: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClearDeviceAlert:
    """The device problem behind the worklist alert was dealt with."""

    patient_id: int
    note: str


@dataclass(frozen=True)
class RecordDosingProfile:
    """Record the facts the dosing safety policy needs about a patient.

    ``expected_version`` is the profile version edited (0 when none was recorded yet).
    """

    patient_id: int
    opioid_status: str
    psychosis_history: bool | None
    spasticity_origin: str | None
    cancer_pain: bool | None
    expected_version: int


def shared_fields(command: object, record: type, given: tuple[str, ...] = ()) -> dict[str, Any]:
    """The values of ``command``'s fields that ``record`` declares under the same name (the
    measured inputs a record keeps as given), except the ``given`` ones the use case sets."""
    names = {f.name for f in dataclasses.fields(record)} - set(given)
    return {
        f.name: getattr(command, f.name)
        for f in dataclasses.fields(command)  # type: ignore[arg-type]
        if f.name in names
    }
