"""Request and response models for ongoing care: refills, adverse events, visits, worklist."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from intrathecal.api.fields import (
    ConcentrationField,
    Day,
    Moment,
    Name,
    Note,
    Reason,
    RecordId,
    TextRule,
    VolumeField,
)
from intrathecal.api.schemas.adapt import command_from, out_values
from intrathecal.api.schemas.auth import Strict
from intrathecal.api.schemas.programming import ProgramIn
from intrathecal.clinic.commands import (
    RecordAdverseEvent,
    RecordPumpStatus,
    RecordRefill,
    ScheduleVisit,
    UpdateAdverseEvent,
)
from intrathecal.clinic.records import (
    AdverseEvent,
    AppointmentRequest,
    AuditEntry,
    CareStatus,
    Interrogation,
    Refill,
    Visit,
    WorklistItem,
)
from intrathecal.clinic.refills import RefillResult
from intrathecal.clinic.vocabulary import (
    Battery,
    Category,
    Outcome,
    PumpAlarm,
    RefillStep,
    Severity,
    VisitKind,
)
from intrathecal.core.program_spec import prescription_to_dict
from intrathecal.core.serialize import to_jsonable as jsonable

LocationCode = Annotated[str, TextRule(40, 1)]


# --- refills --------------------------------------------------------------------------------
class RefillIn(Strict):
    """A refill visit as measured; expected residual, discrepancy and dates are computed."""

    performed_at: Moment
    drug: Annotated[str, TextRule(40, 1)] = Field(examples=["morphine"])
    lot: Annotated[str, TextRule(60, 1)]
    concentration: ConcentrationField
    measured_residual: VolumeField
    volume_added: VolumeField
    measured_after: VolumeField | None = None
    alarm_volume: VolumeField | None = None
    notes: Note = ""
    steps: list[RefillStep] = Field(
        default_factory=list,
        max_length=7,
        description="Guided-refill steps done; a refill missing any is stored but flagged.",
    )

    def command(self, patient_id: int) -> RecordRefill:
        """The refill command for this patient."""
        return command_from(RecordRefill, self, patient_id=patient_id)


class RefillOut(BaseModel):
    """A stored refill with its residual check and the next dates."""

    id: int
    patient_id: int
    implant_id: int
    performed_at: datetime
    drug: str
    lot: str
    concentration: str
    expected_residual: str
    measured_residual: str
    discrepancy: str
    discrepancy_flag: bool
    volume_added: str
    alarm_date: date
    next_due: date
    performed_by: int | None
    notes: str
    discrepancy_critical: bool
    discrepancy_note: str
    bridge_volume: str | None
    bridge_duration: str | None
    steps: list[str]
    missing_steps: list[str]
    program_version: int | None

    @classmethod
    def of(cls, r: Refill) -> RefillOut:
        """From a record: same-named fields, quantities as text with their unit."""
        return cls.model_validate(out_values(r))


class SettingRowOut(BaseModel):
    """One pump setting before (as the pump ran it) and after (as prescribed)."""

    label: str
    old: str
    new: str
    changed: bool


class RefillResultOut(BaseModel):
    """A refill just recorded, the plan (dates, checks, findings) behind it, and the old
    versus new settings to review with the patient."""

    refill: RefillOut
    plan: dict[str, Any]
    review: list[SettingRowOut]

    @classmethod
    def of(cls, result: RefillResult) -> RefillResultOut:
        """From the use case's result."""
        return cls(
            refill=RefillOut.of(result.refill),
            plan=jsonable(result.plan),
            review=[
                SettingRowOut(label=r.label, old=r.old, new=r.new, changed=r.changed)
                for r in result.review
            ],
        )


# --- adverse events -------------------------------------------------------------------------
class AdverseEventIn(Strict):
    """An adverse event in one of the clinic's risk categories."""

    category: Category
    severity: Severity
    onset: Day
    description: Reason
    actions: Note = ""
    outcome: Outcome = "ongoing"

    def command(self, patient_id: int) -> RecordAdverseEvent:
        """The command recording this event for the patient."""
        return command_from(RecordAdverseEvent, self, patient_id=patient_id)


class AdverseEventPatch(Strict):
    """A follow-up on an adverse event; omitted fields stay as they are.

    Send the version you read as ``If-Match: "N"`` (or in ``version``); an event changed by
    someone else since then answers 409. ``resolved_on`` needs the outcome ``resolved`` or
    ``resolved_with_sequelae``; any other outcome clears it.
    """

    version: int | None = Field(default=None, ge=1, le=2**31 - 1)
    severity: Severity | None = None
    actions: Note | None = None
    outcome: Outcome | None = None
    resolved_on: Day | None = None

    def command(self, patient_id: int, event_id: int, version: int) -> UpdateAdverseEvent:
        """The follow-up command for this event, based on ``version``."""
        return command_from(
            UpdateAdverseEvent,
            self,
            patient_id=patient_id,
            event_id=event_id,
            expected_version=version,
        )


class AdverseEventOut(BaseModel):
    """A stored adverse event."""

    id: int
    patient_id: int
    category: str
    severity: str
    onset: date
    description: str
    actions: str
    outcome: str
    recorded_by: int | None
    recorded_at: datetime
    resolved_on: date | None
    version: int

    @classmethod
    def of(cls, e: AdverseEvent) -> AdverseEventOut:
        """From a record."""
        assert e.id is not None
        return cls(
            id=e.id,
            patient_id=e.patient_id,
            category=e.category,
            severity=e.severity,
            onset=e.onset,
            description=e.description,
            actions=e.actions,
            outcome=e.outcome,
            recorded_by=e.recorded_by,
            recorded_at=e.recorded_at,
            resolved_on=e.resolved_on,
            version=e.version,
        )


# --- appointments and visits ----------------------------------------------------------------
class AppointmentRequestIn(Strict):
    """The public appointment form (no login needed)."""

    name: Name
    contact: Name = Field(description="Phone number or e-mail address.")
    reason: Annotated[str, TextRule(2000, 1)]
    location_code: LocationCode | None = None
    insurer: Annotated[str, TextRule(60, 1)] | None = Field(default=None, examples=["Aetna"])


class AppointmentRequestReceipt(BaseModel):
    """What the public form gets back: a reference, never other requests' data."""

    id: int
    status: str
    created_at: datetime


class AppointmentRequestOut(BaseModel):
    """A request as the scheduler sees it."""

    id: int
    name: str
    contact: str
    location_code: str | None
    insurer: str | None
    reason: str
    created_at: datetime
    status: str

    @classmethod
    def of(cls, r: AppointmentRequest) -> AppointmentRequestOut:
        """From a record."""
        assert r.id is not None
        return cls(
            id=r.id,
            name=r.name,
            contact=r.contact,
            location_code=r.location_code,
            insurer=r.insurer,
            reason=r.reason,
            created_at=r.created_at,
            status=r.status,
        )


class VisitIn(Strict):
    """Book a visit; ``request_id`` closes the public request it answers."""

    patient_id: RecordId
    kind: VisitKind
    scheduled_at: Moment
    location_code: LocationCode | None = None
    clinician_id: RecordId | None = None
    request_id: RecordId | None = None
    notes: Note = ""

    def command(self) -> ScheduleVisit:
        """The booking command."""
        return command_from(ScheduleVisit, self)


class VisitComplete(Strict):
    """Mark a visit done."""

    notes: Note = ""


class VisitOut(BaseModel):
    """A scheduled or completed visit."""

    id: int
    patient_id: int
    kind: str
    location_code: str | None
    scheduled_at: datetime
    clinician_id: int | None
    status: str
    notes: str

    @classmethod
    def of(cls, v: Visit) -> VisitOut:
        """From a record."""
        assert v.id is not None
        return cls(
            id=v.id,
            patient_id=v.patient_id,
            kind=v.kind,
            location_code=v.location_code,
            scheduled_at=v.scheduled_at,
            clinician_id=v.clinician_id,
            status=v.status,
            notes=v.notes,
        )


# --- worklist and audit ---------------------------------------------------------------------
class WorklistItemOut(BaseModel):
    """One thing to do, most urgent first."""

    patient_id: int
    patient_name: str
    kind: str
    due: date | None
    severity: str
    reason: str
    baclofen_critical: bool

    @classmethod
    def of(cls, item: WorklistItem) -> WorklistItemOut:
        """From a worklist item."""
        return cls(
            patient_id=item.patient_id,
            patient_name=item.patient_name,
            kind=item.kind,
            due=item.due,
            severity=item.severity,
            reason=item.reason,
            baclofen_critical=item.baclofen_critical,
        )


class AuditVerifyOut(BaseModel):
    """Result of checking the audit log's hash chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    pending: int = Field(0, description="entries appended after the seal (not yet checked)")


class AuditEntryOut(BaseModel):
    """One audit log row."""

    seq: int
    at: str
    actor_user_id: int | None
    actor_username: str
    actor_role: str
    actor_ip: str | None
    action: str
    patient_id: int | None
    details: dict[str, Any]
    hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        """From an audit entry."""
        return cls(
            seq=e.seq,
            at=e.at,
            actor_user_id=e.actor_user_id,
            actor_username=e.actor_username,
            actor_role=e.actor_role,
            actor_ip=e.actor_ip,
            action=e.action,
            patient_id=e.patient_id,
            details=dict(e.details),
            hash=e.hash,
        )


# --- pump status ----------------------------------------------------------------------------


class PumpStatusIn(Strict):
    """What an interrogation of the pump reported (stored as the visit's report)."""

    at: Moment
    eri_reported: bool = False
    alarms: list[PumpAlarm] = Field(default_factory=list, max_length=7)
    note: Note = ""
    reservoir_estimate: VolumeField | None = Field(
        default=None, description="The pump's own estimate of the reservoir volume."
    )
    battery: Battery = "ok"
    eri_on: Day | None = Field(default=None, description="The day the pump reported ERI.")
    active_program: ProgramIn | None = Field(
        default=None, description="The program read back from the pump."
    )
    event_log: list[Annotated[str, TextRule(300, 1)]] = Field(
        default_factory=list, max_length=50, description="Recent pump events, newest last."
    )

    def command(self, patient_id: int) -> RecordPumpStatus:
        """The interrogation command for this patient."""
        return command_from(
            RecordPumpStatus,
            self,
            patient_id=patient_id,
            active_program=None
            if self.active_program is None
            else self.active_program.prescription(),
        )


class InterrogationOut(BaseModel):
    """A stored interrogation report."""

    id: int
    patient_id: int
    implant_id: int
    at: datetime
    reservoir_estimate: str | None
    alarms: list[str]
    battery: str
    eri_on: date | None
    active_program: dict[str, Any] | None
    event_log: list[str]
    note: str
    recorded_by: int | None

    @classmethod
    def of(cls, report: Interrogation) -> InterrogationOut:
        """From a record."""
        values = out_values(report)
        program = report.active_program
        values["active_program"] = None if program is None else prescription_to_dict(program)
        return cls.model_validate(values)


class AlertClear(Strict):
    """How the device problem behind the alert was dealt with."""

    note: Annotated[str, TextRule(2000, 1)]


class CareStatusOut(BaseModel):
    """The worklist view of one patient: due dates, flags and any device alert."""

    patient_id: int
    drug: str | None
    is_baclofen: bool
    refill_due: date | None
    alarm_date: date | None
    eri_due: date | None
    discrepancy_flag: bool
    granuloma_risk: bool
    rising_dose: bool
    endocrine_due: date | None
    wound_check_due: date | None
    device_alert: str | None
    device_alert_since: date | None
    eri_reported: bool
    eos_due: date | None
    discrepancy_critical: bool
    workup_due: date | None

    @classmethod
    def of(cls, s: CareStatus) -> CareStatusOut:
        """From the read model (same-named fields)."""
        return cls.model_validate(out_values(s))
