"""Patient records: register, search, read, update (optimistic locking via ETag/If-Match)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from intrathecal.api.deps import (
    PatientReader,
    Uow,
    expected_version,
    required_version,
    requires,
)
from intrathecal.api.fields import REQUIRED_TEXT_PATTERN, RecordId
from intrathecal.api.pagination import Page, PageParams, make_page, page_params
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.patients import PatientCreate, PatientOut, PatientPatch, PatientSummary
from intrathecal.clinic import patients
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.permissions import Action

router = api_router(prefix="/patients", tags=["patients"])

Registrar = Annotated[Principal, Depends(requires(Action.PATIENT_REGISTER))]
Editor = Annotated[Principal, Depends(requires(Action.PATIENT_UPDATE))]
Searcher = Annotated[Principal, Depends(requires(Action.PATIENT_SEARCH))]
Paging = Annotated[PageParams, Depends(page_params)]


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.get("", response_model=Page[PatientSummary], responses=problem_responses(401, 403, 422))
def search(
    request: Request,
    work: Uow,
    principal: Searcher,
    page: Paging,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            pattern=REQUIRED_TEXT_PATTERN,
            description="Text in the name or MRN.",
        ),
    ],
) -> Page[PatientSummary]:
    """Patients whose name or MRN contains ``q``: a summary only (the search is audited)."""
    found = patients.search_patients(work, q, principal.actor, limit=page.limit, offset=page.offset)
    return make_page(request, [PatientSummary.of(p) for p in found.items], found.total, page)


@router.post(
    "",
    response_model=PatientOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
def register(
    body: PatientCreate, response: Response, work: Uow, principal: Registrar
) -> PatientOut:
    """Create a patient record; a taken MRN is 409."""
    patient = patients.register_patient(
        work,
        body.command(),
        principal.actor,
    )
    _etag(response, patient.version)
    response.headers["Location"] = f"/api/v1/patients/{patient.id}"
    return PatientOut.of(patient)


@router.get(
    "/{patient_id}", response_model=PatientOut, responses=problem_responses(401, 403, 404, 422)
)
def read(
    patient_id: RecordId, response: Response, work: Uow, principal: PatientReader
) -> PatientOut:
    """One patient record (a patient login sees only their own)."""
    patient = patients.get_patient(work, patient_id, principal.actor)
    _etag(response, patient.version)
    return PatientOut.of(patient)


@router.patch(
    "/{patient_id}",
    response_model=PatientOut,
    responses=problem_responses(401, 403, 404, 409, 422, 428),
)
def update(
    patient_id: RecordId,
    body: PatientPatch,
    response: Response,
    work: Uow,
    principal: Editor,
    if_match: Annotated[int | None, Depends(expected_version)],
) -> PatientOut:
    """Change a record; the version read must still be current, else 409."""
    version = required_version(if_match, body.version)
    patient = patients.update_patient(
        work,
        body.command(patient_id, version),
        principal.actor,
    )
    _etag(response, patient.version)
    return PatientOut.of(patient)
