"""Care-pathway routes under a patient: evaluations, screening trials, implants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from intrathecal.api.deps import PatientReader, Uow, requires
from intrathecal.api.fields import RecordId
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.schemas.pathway import (
    EvaluationIn,
    EvaluationOut,
    ImplantIn,
    ImplantOut,
    TrialIn,
    TrialOut,
    TrialResultOut,
)
from intrathecal.clinic import pathway, reads
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.commands import RecordEvaluation, RecordImplant, RecordTrial
from intrathecal.clinic.permissions import Action
from intrathecal.core.serialize import to_jsonable as jsonable

router = APIRouter(prefix="/patients/{patient_id}", tags=["pathway"])

Paging = Annotated[PageParams, Depends(page_params)]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
READ_ERRORS = problem_responses(401, 403, 404, 422)


@router.post(
    "/evaluations",
    response_model=EvaluationOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def record_evaluation(
    patient_id: RecordId,
    body: EvaluationIn,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.EVALUATION_RECORD))],
) -> EvaluationOut:
    """Record a candidacy evaluation; eligibility and its reasons are computed."""
    evaluation = pathway.record_evaluation(
        work,
        RecordEvaluation(
            patient_id=patient_id,
            evaluated_on=body.evaluated_on,
            indication=body.indication,
            conservative_therapies=body.therapies(),
            surgery_is_option=body.surgery_is_option,
            psych_evaluation_done=body.psych_evaluation_done,
            psych_cleared=body.psych_cleared,
            contraindications=tuple(body.contraindications),
            life_expectancy_months=body.life_expectancy_months,
            notes=body.notes,
        ),
        principal.actor,
    )
    return EvaluationOut.of(evaluation)


@router.get("/evaluations", response_model=Page[EvaluationOut], responses=READ_ERRORS)
def list_evaluations(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[EvaluationOut]:
    """A patient's evaluations, oldest first."""
    found = reads.patient_records(work, principal.actor, patient_id, "evaluations")
    return slice_page(request, [EvaluationOut.of(e) for e in found], page)


@router.post(
    "/trials",
    response_model=TrialResultOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def record_trial(
    patient_id: RecordId,
    body: TrialIn,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.TRIAL_RECORD))],
) -> TrialResultOut:
    """Record a screening trial; its outcome, reasons and referral are computed."""
    result = pathway.record_trial(
        work,
        RecordTrial(
            patient_id=patient_id,
            record=body.record(),
            method=body.method,
            evaluation_id=body.evaluation_id,
            rule=body.rule,
            referral_to=body.referral_to,
        ),
        principal.actor,
    )
    return TrialResultOut(trial=TrialOut.of(result.trial), evaluation=jsonable(result.evaluation))


@router.get("/trials", response_model=Page[TrialOut], responses=READ_ERRORS)
def list_trials(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[TrialOut]:
    """A patient's trials, oldest first."""
    found = reads.patient_records(work, principal.actor, patient_id, "trials")
    return slice_page(request, [TrialOut.of(t) for t in found], page)


@router.post(
    "/implants",
    response_model=ImplantOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def record_implant(
    patient_id: RecordId,
    body: ImplantIn,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.IMPLANT_RECORD))],
) -> ImplantOut:
    """Record a permanent implant (needs a successful trial, or a reason to waive it)."""
    implant = pathway.record_implant(
        work,
        RecordImplant(
            patient_id=patient_id,
            implanted_on=body.implanted_on,
            hospital=body.hospital,
            surgeon=body.surgeon,
            hospital_stay_days=body.hospital_stay_days,
            pump_model=body.pump_model,
            pump_serial=body.pump_serial,
            reservoir=body.reservoir,
            catheter_length_cm=body.catheter_length_cm,
            catheter_tip_level=body.catheter_tip_level,
            catheter_volume=body.catheter_volume,
            incisions=tuple(body.incisions),
            return_to_work=body.return_to_work,
            trial_waived_reason=body.trial_waived_reason,
        ),
        principal.actor,
    )
    return ImplantOut.of(implant)


@router.get("/implants", response_model=Page[ImplantOut], responses=READ_ERRORS)
def list_implants(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[ImplantOut]:
    """A patient's implants, oldest first (the active one has ``active: true``)."""
    found = reads.patient_records(work, principal.actor, patient_id, "implants")
    return slice_page(request, [ImplantOut.of(i) for i in found], page)
