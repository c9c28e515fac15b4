"""Dosing routes: a patient's dosing profile, and the baclofen screening → start calculator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from intrathecal.api.deps import (
    PatientReader,
    Uow,
    expected_version,
    required_version,
    requires,
)
from intrathecal.api.fields import RecordId
from intrathecal.api.problems import problem_responses
from intrathecal.api.schemas.dosing import (
    DosingProfileIn,
    DosingProfileOut,
    ScreeningStartIn,
    ScreeningStartOut,
)
from intrathecal.clinic import dosing_profile
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.core.errors import CoreError
from intrathecal.core.screening_start import starting_dose_from_screening

router = APIRouter(tags=["dosing"])

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
    """The first daily dose from an effective baclofen screening bolus (label rule, sourced)."""
    try:
        result = starting_dose_from_screening(body.drug, body.effective_dose, body.effect_duration)
    except CoreError as exc:
        raise ValidationFailed(str(exc)) from None
    return ScreeningStartOut.of(result)
