"""Request and response models for the dosing profile and the baclofen start calculator."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from intrathecal.api.fields import DurationField, MassField
from intrathecal.api.schemas.auth import Strict
from intrathecal.api.schemas.programming import FindingOut, findings_out
from intrathecal.clinic.commands import RecordDosingProfile
from intrathecal.clinic.records import DosingProfileRecord, Trial
from intrathecal.core.first_program import FirstProgram
from intrathecal.core.program_spec import prescription_to_dict
from intrathecal.core.screening_start import ScreeningStartDose

OpioidStatusIn = Literal["naive", "tolerant", "unknown"]
OriginIn = Literal["spinal", "cerebral"]


class DosingProfileIn(Strict):
    """What the dosing policy must know about the patient (null = not recorded)."""

    opioid_status: OpioidStatusIn = Field(description="naive, tolerant or unknown.")
    psychosis_history: bool | None = Field(description="Ziconotide contraindication.")
    spasticity_origin: OriginIn | None = Field(
        default=None, description="Baclofen: spinal or cerebral origin (24 h titration)."
    )
    cancer_pain: bool | None = Field(
        default=None, description="Allows a co-signed override above an unverified ceiling."
    )
    version: int | None = Field(
        default=None, ge=0, description="The profile version edited (0 for a first record)."
    )

    def command(self, patient_id: int, version: int) -> RecordDosingProfile:
        """The use-case command for ``patient_id``."""
        return RecordDosingProfile(
            patient_id=patient_id,
            opioid_status=self.opioid_status,
            psychosis_history=self.psychosis_history,
            spasticity_origin=self.spasticity_origin,
            cancer_pain=self.cancer_pain,
            expected_version=version,
        )


class DosingProfileOut(BaseModel):
    """A recorded dosing profile; ``version`` 0 means nothing was recorded yet."""

    patient_id: int
    opioid_status: str
    psychosis_history: bool | None
    spasticity_origin: str | None
    cancer_pain: bool | None
    recorded_by: int | None
    recorded_at: datetime | None
    version: int

    @classmethod
    def of(cls, patient_id: int, stored: DosingProfileRecord | None) -> DosingProfileOut:
        """The response for a stored profile, or the "not recorded" profile."""
        if stored is None:
            return cls(
                patient_id=patient_id,
                opioid_status="unknown",
                psychosis_history=None,
                spasticity_origin=None,
                cancer_pain=None,
                recorded_by=None,
                recorded_at=None,
                version=0,
            )
        return cls(**{f: getattr(stored, f) for f in cls.model_fields})


class ScreeningStartIn(Strict):
    """An effective screening bolus and how long its effect lasted."""

    drug: Literal["baclofen"] = "baclofen"
    effective_dose: MassField = Field(description="The screening bolus that worked, e.g. '50 mcg'.")
    effect_duration: DurationField = Field(description="How long its effect lasted, e.g. '6 h'.")


class ScreeningStartOut(BaseModel):
    """The proposed first daily dose with the sourced rule behind it."""

    drug: str
    daily_dose: str
    factor: str
    source: str
    status: str
    explanation: str

    @classmethod
    def of(cls, result: ScreeningStartDose) -> ScreeningStartOut:
        """The response for a calculation."""
        return cls(
            drug=result.drug,
            daily_dose=result.daily_dose.format(),
            factor=str(result.factor),
            source=result.rule.source.short,
            status=result.rule.status.value,
            explanation=result.explanation,
        )


class ProvenanceOut(BaseModel):
    """Where one part of a proposal comes from; ``unverified`` parts are project defaults."""

    part: str
    text: str
    attribution: str
    unverified: bool


class FirstProgramOut(BaseModel):
    """The first program proposed from a successful trial, checked, for the clinician to
    confirm; nothing has been programmed."""

    patient_id: int
    trial_id: int
    drug: str
    trial_dose: str
    daily_dose: str
    concentration: str
    program: dict[str, Any]
    verdict: Literal["ok", "needs_override", "refused"]
    findings: list[FindingOut]
    provenance: list[ProvenanceOut]
    note: str

    @classmethod
    def of(cls, trial: Trial, proposal: FirstProgram) -> FirstProgramOut:
        """The response for one proposal."""
        assert trial.id is not None
        report = proposal.report
        verdict: Literal["ok", "needs_override", "refused"] = (
            "refused" if report.refused else "needs_override" if report.needs_override else "ok"
        )
        return cls(
            patient_id=trial.patient_id,
            trial_id=trial.id,
            drug=proposal.drug,
            trial_dose=proposal.trial_dose.format(),
            daily_dose=proposal.daily_dose.format(),
            concentration=proposal.strength.format(),
            program=prescription_to_dict(proposal.prescription),
            verdict=verdict,
            findings=findings_out(report.findings),
            provenance=[
                ProvenanceOut(
                    part=p.part, text=p.text, attribution=p.attribution, unverified=p.unverified
                )
                for p in proposal.provenance
            ],
            note=proposal.note,
        )
