"""Request and response models for the care pathway: evaluation, trial, implant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from intrathecal.api.fields import (
    Day,
    DurationField,
    MassField,
    Moment,
    Name,
    Note,
    RecordId,
    ShortText,
    TextRule,
    VolumeField,
    format_quantity,
)
from intrathecal.api.schemas.adapt import command_from
from intrathecal.api.schemas.auth import Strict
from intrathecal.clinic.commands import RecordEvaluation, RecordImplant, RecordTrial
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.records import ConservativeTherapy, Evaluation, Implant, Trial
from intrathecal.clinic.vocabulary import Contraindication, Incision, Indication
from intrathecal.core.errors import CoreError
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import trial_record_from_dict, trial_record_to_dict

Nrs = Annotated[
    Decimal, Field(ge=0, le=10, multiple_of=Decimal("0.5"), max_digits=3, decimal_places=1)
]
Code = Annotated[str, TextRule(60, 1)]


def _both_incisions() -> list[Incision]:
    return ["abdomen", "back"]


# --- evaluation -------------------------------------------------------------------------------
class TherapyIn(Strict):
    """A conservative therapy tried before considering a pump."""

    name: Annotated[str, TextRule(120, 1)] = Field(examples=["physical therapy"])
    months: int = Field(ge=0, le=1200)
    outcome: Literal["failed", "partial", "helped"] = "failed"


class EvaluationIn(Strict):
    """A candidacy evaluation; eligibility and reasons are computed by the clinic."""

    evaluated_on: Day
    indication: Indication
    conservative_therapies: list[TherapyIn] = Field(default_factory=list, max_length=30)
    surgery_is_option: bool
    psych_evaluation_done: bool
    psych_cleared: bool
    contraindications: list[Contraindication] = Field(default_factory=list, max_length=10)
    life_expectancy_months: int | None = Field(default=None, ge=0, le=1200)
    notes: Note = ""

    def command(self, patient_id: int) -> RecordEvaluation:
        """The evaluation command for this patient."""
        return command_from(
            RecordEvaluation, self, patient_id=patient_id, conservative_therapies=self.therapies()
        )

    def therapies(self) -> tuple[ConservativeTherapy, ...]:
        """As clinic records."""
        return tuple(
            ConservativeTherapy(t.name, t.months, t.outcome) for t in self.conservative_therapies
        )


class TherapyOut(BaseModel):
    """A conservative therapy on record."""

    name: str
    months: int
    outcome: str


class EvaluationOut(BaseModel):
    """A stored evaluation with the decision and the reasons for it."""

    id: int
    patient_id: int
    evaluated_on: Day
    evaluator_id: int | None
    indication: str
    conservative_therapies: list[TherapyOut]
    surgery_is_option: bool
    psych_evaluation_done: bool
    psych_cleared: bool
    contraindications: list[str]
    life_expectancy_months: int | None
    eligible: bool
    reasons: list[str]
    notes: str

    @classmethod
    def of(cls, e: Evaluation) -> EvaluationOut:
        """From a record."""
        assert e.id is not None
        return cls(
            id=e.id,
            patient_id=e.patient_id,
            evaluated_on=e.evaluated_on,
            evaluator_id=e.evaluator_id,
            indication=e.indication,
            conservative_therapies=[
                TherapyOut(name=t.name, months=t.months, outcome=t.outcome)
                for t in e.conservative_therapies
            ],
            surgery_is_option=e.surgery_is_option,
            psych_evaluation_done=e.psych_evaluation_done,
            psych_cleared=e.psych_cleared,
            contraindications=list(e.contraindications),
            life_expectancy_months=e.life_expectancy_months,
            eligible=e.eligible,
            reasons=list(e.reasons),
            notes=e.notes,
        )


# --- trial ----------------------------------------------------------------------------------
class InjectionIn(Strict):
    """One trial bolus: dose with its unit, time after the first injection."""

    dose: MassField
    at: DurationField = Field(default="0 h", validate_default=True)
    drug: Code | None = None


class ScoreIn(Strict):
    """A 0-10 NRS pain score at a time after the first injection."""

    at: DurationField
    nrs: Nrs


class SideEffectIn(Strict):
    """A side effect checked during the trial (severity 'none' records its absence)."""

    effect: Code = Field(examples=["pruritus"])
    severity: Literal["none", "mild", "moderate", "severe"]
    at: DurationField | None = None
    note: ShortText = ""


#: A spasticity grade: whole points 0-4 (Ashworth or modified Ashworth), or ``"1+"``
#: (modified Ashworth only; the core refuses it on the Ashworth scale).
SpasticityGradeIn = Annotated[int, Field(ge=0, le=4, strict=True)] | Literal["1+"]


class SpasticityAfterIn(Strict):
    """A spasticity grade at a time after the first injection."""

    at: DurationField
    grade: SpasticityGradeIn


class SpasticityIn(Strict):
    """Spasticity of a baclofen screening: the scale, a grade just before each injection (in
    order), and grades after them. A baclofen screening is judged on these, never on NRS."""

    scale: Literal["ashworth", "modified_ashworth"]
    before: list[SpasticityGradeIn] = Field(min_length=1, max_length=20)
    after: list[SpasticityAfterIn] = Field(default_factory=list, max_length=100)


class TrialIn(Strict):
    """A screening trial; the outcome (success, failure) is computed by the clinic."""

    drug: Code = Field(examples=["morphine"])
    method: Literal["single_shot", "catheter"] = "single_shot"
    started_at: Moment
    baseline_nrs: Nrs
    injections: list[InjectionIn] = Field(min_length=1, max_length=20)
    scores: list[ScoreIn] = Field(default_factory=list, max_length=100)
    side_effects: list[SideEffectIn] = Field(default_factory=list, max_length=50)
    function_improved: bool | None = None
    spasticity: SpasticityIn | None = None
    evaluation_id: RecordId | None = None
    rule: Code | None = None
    referral_to: ShortText | None = None

    def command(self, patient_id: int) -> RecordTrial:
        """The trial command: the core trial record, parsed once here."""
        try:
            record = trial_record_from_dict(self.record(), load_trial_config().side_effects)
        except CoreError as exc:
            raise ValidationFailed(f"trial record: {exc}") from None
        return command_from(RecordTrial, self, patient_id=patient_id, record=record)

    def record(self) -> dict[str, Any]:
        """The core plain-data trial record."""
        body: dict[str, Any] = {
            "drug": self.drug,
            "started_at": self.started_at.isoformat(),
            "baseline": {"nrs": _nrs(self.baseline_nrs)},
            "injections": [
                {
                    "drug": i.drug or self.drug,
                    "dose": format_quantity(i.dose),
                    "at": format_quantity(i.at),
                }
                for i in self.injections
            ],
            "scores": [{"at": format_quantity(s.at), "nrs": _nrs(s.nrs)} for s in self.scores],
            "side_effects": [
                {
                    "effect": e.effect,
                    "severity": e.severity,
                    **({} if e.at is None else {"at": format_quantity(e.at)}),
                    **({"note": e.note} if e.note else {}),
                }
                for e in self.side_effects
            ],
        }
        if self.function_improved is not None:
            body["function_improved"] = self.function_improved
        if self.spasticity is not None:
            body["spasticity"] = {
                "scale": self.spasticity.scale,
                "before": list(self.spasticity.before),
                "after": [
                    {"at": format_quantity(a.at), "grade": a.grade} for a in self.spasticity.after
                ],
            }
        return body


def _nrs(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class TrialOut(BaseModel):
    """A stored trial: its record, outcome, reasons and referral."""

    id: int
    patient_id: int
    evaluation_id: int | None
    method: str
    drug: str
    started_at: datetime
    record: dict[str, Any]
    outcome: str
    outcome_reasons: list[str]
    recorded_by: int | None
    referral_to: str | None

    @classmethod
    def of(cls, t: Trial) -> TrialOut:
        """From a record."""
        assert t.id is not None
        return cls(
            id=t.id,
            patient_id=t.patient_id,
            evaluation_id=t.evaluation_id,
            method=t.method,
            drug=t.drug,
            started_at=t.started_at,
            record=trial_record_to_dict(t.record),
            outcome=t.outcome,
            outcome_reasons=list(t.outcome_reasons),
            recorded_by=t.recorded_by,
            referral_to=t.referral_to,
        )


class TrialResultOut(BaseModel):
    """A trial just recorded, with the full evaluation behind its outcome."""

    trial: TrialOut
    evaluation: dict[str, Any] = Field(description="Relief figures, side effects and reasons.")


# --- implant --------------------------------------------------------------------------------
class ImplantIn(Strict):
    """A permanent pump implant; pump model keys come from the pump data file."""

    implanted_on: Day
    hospital: Name
    surgeon: Name
    hospital_stay_days: int = Field(ge=0, le=60)
    pump_model: Code = Field(examples=["synchromed-ii-40"])
    pump_serial: Annotated[str, TextRule(60, 1)]
    reservoir: VolumeField
    catheter_length_cm: Decimal = Field(gt=0, le=200, max_digits=5, decimal_places=1)
    catheter_tip_level: Annotated[str, TextRule(10, 1)] = Field(examples=["T10"])
    catheter_volume: VolumeField
    incisions: list[Incision] = Field(default_factory=_both_incisions, max_length=2)
    return_to_work: Annotated[str, TextRule(40, 1)] = "1-2 weeks"
    trial_waived_reason: Annotated[str, TextRule(2000)] | None = None
    initial_fill: VolumeField = Field(
        description="Volume put in the reservoir at implant: the first refill is dated from it."
    )
    initial_fill_at: Moment | None = Field(
        default=None, description="When the pump was filled (default: midday UTC, implant day)."
    )

    def command(self, patient_id: int) -> RecordImplant:
        """The implant command for this patient."""
        return command_from(RecordImplant, self, patient_id=patient_id)


class ImplantOut(BaseModel):
    """A stored implant (the telemetry key itself is never stored or shown)."""

    id: int
    patient_id: int
    implanted_on: date
    hospital: str
    surgeon: str
    hospital_stay_days: int
    pump_model: str
    pump_serial: str
    reservoir: str
    catheter_length_cm: str
    catheter_tip_level: str
    catheter_volume: str
    incisions: list[str]
    return_to_work: str
    recorded_by: int | None
    device_key_id: str | None
    active: bool
    initial_fill: str | None
    initial_fill_at: datetime | None

    @classmethod
    def of(cls, i: Implant) -> ImplantOut:
        """From a record."""
        assert i.id is not None
        return cls(
            id=i.id,
            patient_id=i.patient_id,
            implanted_on=i.implanted_on,
            hospital=i.hospital,
            surgeon=i.surgeon,
            hospital_stay_days=i.hospital_stay_days,
            pump_model=i.pump_model,
            pump_serial=i.pump_serial,
            reservoir=format_quantity(i.reservoir),
            catheter_length_cm=str(i.catheter_length_cm),
            catheter_tip_level=i.catheter_tip_level,
            catheter_volume=format_quantity(i.catheter_volume),
            incisions=list(i.incisions),
            return_to_work=i.return_to_work,
            recorded_by=i.recorded_by,
            device_key_id=i.device_key_id,
            active=i.active,
            initial_fill=None if i.initial_fill is None else format_quantity(i.initial_fill),
            initial_fill_at=i.initial_fill_at,
        )
