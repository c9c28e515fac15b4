"""Care-pathway routes under a patient: evaluations, screening trials, implants."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, status

from intrathecal.api.deps import PatientReader, Uow, requires
from intrathecal.api.fields import RecordId
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
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
from intrathecal.clinic.permissions import Action
from intrathecal.core.serialize import to_jsonable as jsonable

router = api_router(prefix="/patients/{patient_id}", tags=["pathway"])

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
        body.command(patient_id),
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
        body.command(patient_id),
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
        body.command(patient_id),
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
