"""Dosing routes: a patient's dosing profile, the baclofen screening → start calculator, and
the first program proposed from a successful trial."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from intrathecal.api.deps import (
    PatientReader,
    Uow,
    expected_version,
    required_version,
    requires,
)
from intrathecal.api.fields import ConcentrationField, RecordId
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.dosing import (
    DosingProfileIn,
    DosingProfileOut,
    FirstProgramOut,
    ScreeningStartIn,
    ScreeningStartOut,
)
from intrathecal.clinic import dosing_profile, first_program
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import SafetyRefused, ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.core.errors import CoreError
from intrathecal.core.safety import check_screening_start

router = api_router(tags=["dosing"])

#: Clinical staff (physicians and nurses) record a profile and use the calculator.
Clinician = Annotated[Principal, Depends(requires(Action.PATIENT_UPDATE))]


@router.get(
    "/patients/{patient_id}/dosing-profile",
    response_model=DosingProfileOut,
    responses=problem_responses(401, 403, 404, 422),
)
def read_profile(
    patient_id: RecordId, response: Response, work: Uow, principal: PatientReader
) -> DosingProfileOut:
    """The patient's dosing profile (version 0: nothing recorded; every flag unknown)."""
    stored = dosing_profile.read_dosing_profile(work, patient_id, principal.actor)
    out = DosingProfileOut.of(patient_id, stored)
    response.headers["ETag"] = f'"{out.version}"'
    return out


@router.put(
    "/patients/{patient_id}/dosing-profile",
    response_model=DosingProfileOut,
    responses=problem_responses(401, 403, 404, 409, 422, 428),
)
def record_profile(
    patient_id: RecordId,
    body: DosingProfileIn,
    response: Response,
    work: Uow,
    principal: Clinician,
    if_match: Annotated[int | None, Depends(expected_version)],
) -> DosingProfileOut:
    """Record the profile the dosing policy reads; the version edited must be current."""
    version = required_version(if_match, body.version)
    stored = dosing_profile.record_dosing_profile(
        work, body.command(patient_id, version), principal.actor
    )
    response.headers["ETag"] = f'"{stored.version}"'
    return DosingProfileOut.of(patient_id, stored)


@router.post(
    "/dosing/screening-start",
    response_model=ScreeningStartOut,
    responses=problem_responses(401, 403, 422),
)
def screening_start(body: ScreeningStartIn, principal: Clinician) -> ScreeningStartOut:
    """The first daily dose from an effective baclofen screening bolus (label rule, sourced);
    a bolus the dosing policy refuses (above the trial bolus range) is a 422 with findings."""
    try:
        checked = check_screening_start(body.drug, body.effective_dose, body.effect_duration)
    except CoreError as exc:
        raise ValidationFailed(str(exc)) from None
    if checked.proposal is None:
        listed = "; ".join(f.message for f in checked.report.findings)
        raise SafetyRefused(f"screening bolus refused: {listed}", checked.report.findings)
    return ScreeningStartOut.of(checked.proposal)


#: Physicians, who program (the proposal prefills their programming form).
Programmer = Annotated[Principal, Depends(requires(Action.PRESCRIPTION_PROGRAM))]


@router.get(
    "/patients/{patient_id}/first-program",
    response_model=FirstProgramOut,
    responses=problem_responses(401, 403, 404, 422),
)
def first_program_proposal(
    patient_id: RecordId,
    work: Uow,
    principal: Programmer,
    trial_id: Annotated[RecordId | None, Query(description="Default: the latest success.")] = None,
    strength: Annotated[
        ConcentrationField | None, Query(description="Concentration to fill, e.g. '10 mg/mL'.")
    ] = None,
) -> FirstProgramOut:
    """The first program proposed from a successful trial, checked by the dosing policy,
    with the source and status of each part (audited read; nothing is programmed)."""
    trial, proposal = first_program.first_program_proposal(
        work, principal.actor, patient_id, trial_id, strength
    )
    return FirstProgramOut.of(trial, proposal)
