"""Request and response models for pump programming: prescription, findings, override."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from intrathecal.api.fields import (
    ConcentrationField,
    DurationField,
    Note,
    Reason,
    RecordId,
    TextRule,
    VolumeField,
    VolumeRateField,
    format_quantity,
)
from intrathecal.api.schemas.auth import Strict
from intrathecal.clinic.commands import OverrideRequest, ProgramPrescription
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.records import PrescriptionVersion
from intrathecal.clinic.vocabulary import CosignDecision, PrescriptionStatus
from intrathecal.core.errors import CoreError
from intrathecal.core.program import Prescription
from intrathecal.core.program_spec import prescription_from_dict, prescription_to_dict
from intrathecal.core.safety import Finding
from intrathecal.core.serialize import to_jsonable as jsonable

DrugKey = Annotated[str, TextRule(40, 1)]


class ComponentIn(Strict):
    """One drug in the reservoir at its concentration."""

    drug: DrugKey = Field(examples=["morphine"])
    concentration: ConcentrationField


class FlexStepIn(Strict):
    """A rate starting at an offset into the 24 h cycle."""

    start: DurationField
    rate: VolumeRateField


class BasalIn(Strict):
    """Either one continuous rate or a 24 h flex cycle."""

    continuous: VolumeRateField | None = None
    flex: list[FlexStepIn] | None = Field(default=None, min_length=1, max_length=24)

    @model_validator(mode="after")
    def _exactly_one(self) -> BasalIn:
        if (self.continuous is None) == (self.flex is None):
            raise ValueError("give exactly one of 'continuous' or 'flex'")
        return self


class PeriodicIn(Strict):
    """A bolus repeated on a schedule."""

    volume: VolumeField
    duration: DurationField
    every: DurationField
    first_at: DurationField = Field(default="0 h", validate_default=True)


class PatientBolusIn(Strict):
    """Patient-activated bolus settings (lockout and count set by the clinician)."""

    volume: VolumeField
    duration: DurationField
    lockout: DurationField
    max_per_day: int = Field(ge=1, le=48)


class ProgramIn(Strict):
    """A standing pump program: solution, basal pattern, optional boluses."""

    solution: list[ComponentIn] = Field(min_length=1, max_length=4)
    basal: BasalIn
    periodic: list[PeriodicIn] = Field(default_factory=list, max_length=12)
    patient_bolus: PatientBolusIn | None = None

    def spec(self) -> dict[str, Any]:
        """The core plain-data program (quantities as text with units)."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        if not data.get("periodic"):
            data.pop("periodic", None)
        return data

    def prescription(self) -> Prescription:
        """The core program, parsed once here (a core rule broken names its path)."""
        try:
            return prescription_from_dict(self.spec())
        except CoreError as exc:
            raise ValidationFailed(f"program: {exc}") from None


class OverrideIn(Strict):
    """A request to accept SOFT findings: their codes and a reason. The version then waits
    for another physician to confirm it in their own session: ``cosigner_id`` names one, or
    leave it out to let any other physician co-sign."""

    codes: list[Annotated[str, TextRule(60, 1)]] = Field(min_length=1, max_length=20)
    reason: Reason
    cosigner_id: RecordId | None = None

    def request(self) -> OverrideRequest:
        """As the clinic's override request."""
        return OverrideRequest(frozenset(self.codes), self.reason, self.cosigner_id)


class CosignIn(Strict):
    """The co-signer's decision on a pending override request."""

    decision: CosignDecision
    note: Note = ""


class PrescriptionIn(Strict):
    """A new prescription version based on the version the clinician edited.

    ``version`` is the current version you read (0 when the patient has none yet); it may
    also be sent as ``If-Match``. A newer version on record answers 409.
    """

    program: ProgramIn
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    override: OverrideIn | None = None
    rule_set: Literal["us", "eu"] | None = None

    def command(self, patient_id: int, version: int) -> ProgramPrescription:
        """The programming command based on the ``version`` the clinician edited."""
        return ProgramPrescription(
            patient_id=patient_id,
            program=self.program.prescription(),
            expected_version=version,
            override=None if self.override is None else self.override.request(),
            rule_set=self.rule_set,
        )


class FindingOut(BaseModel):
    """One safety rule's verdict with the numbers behind it."""

    rule: str
    severity: str = Field(description="hard (refused) | soft (override needed) | info")
    message: str
    source: str
    values: dict[str, str] = Field(default_factory=dict)
    drug: str | None = None

    @classmethod
    def of(cls, finding: Any) -> FindingOut:
        """From a core finding or a stored finding note."""
        values = getattr(finding, "values", {}) or {}
        return cls(
            rule=finding.rule,
            severity=str(getattr(finding.severity, "value", finding.severity)),
            message=finding.message,
            source=finding.source,
            values={str(k): str(jsonable(v)) for k, v in values.items()},
            drug=getattr(finding, "drug", None),
        )


class PrescriptionOut(BaseModel):
    """A stored prescription version; ``version`` is also the ``ETag``."""

    id: int
    patient_id: int
    implant_id: int | None
    version: int
    program: dict[str, Any]
    drug: str
    daily_dose: str
    concentration: str
    findings: list[FindingOut]
    prescribed_by: int | None
    created_at: datetime
    override_reason: str | None
    override_requested_of: int | None = Field(
        description="the physician asked to co-sign (null: any other physician)"
    )
    override_by: int | None = Field(description="who confirmed or rejected the override")
    override_decided_at: datetime | None
    pump_confirmed_at: datetime | None
    pump_confirmed_by: int | None
    status: PrescriptionStatus

    @classmethod
    def of(cls, p: PrescriptionVersion) -> PrescriptionOut:
        """From a record."""
        assert p.id is not None
        return cls(
            id=p.id,
            patient_id=p.patient_id,
            implant_id=p.implant_id,
            version=p.version,
            program=prescription_to_dict(p.program),
            drug=p.drug,
            daily_dose=format_quantity(p.daily_dose.in_unit(_dose_unit(p))),
            concentration=format_quantity(p.concentration),
            findings=[FindingOut.of(f) for f in p.findings],
            prescribed_by=p.prescribed_by,
            created_at=p.created_at,
            override_reason=p.override_reason,
            override_requested_of=p.override_requested_of,
            override_by=p.override_by,
            override_decided_at=p.override_decided_at,
            pump_confirmed_at=p.pump_confirmed_at,
            pump_confirmed_by=p.pump_confirmed_by,
            status=p.status,
        )


def _dose_unit(p: PrescriptionVersion) -> str:
    """Show the daily dose in the concentration's mass unit (10 mg/mL -> mg/day)."""
    return p.concentration.unit.split("/")[0] + "/day"


class ProgrammingResultOut(BaseModel):
    """A prescription just stored and the full safety report it passed."""

    prescription: PrescriptionOut
    findings: list[FindingOut]
    rule_set: str
    catalogue_version: int


def findings_out(findings: tuple[Finding, ...]) -> list[FindingOut]:
    """Render core findings."""
    return [FindingOut.of(f) for f in findings]
