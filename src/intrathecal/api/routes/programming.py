"""Pump programming under a patient: prescription versions, safety findings, confirmation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from intrathecal.api.deps import (
    PatientReader,
    Uow,
    expected_version,
    required_version,
    requires,
)
from intrathecal.api.fields import RecordId
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.programming import (
    CosignIn,
    PrescriptionIn,
    PrescriptionOut,
    ProgrammingResultOut,
    findings_out,
)
from intrathecal.clinic import programming, reads
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.commands import ConfirmOnPump, DecideOverride
from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.permissions import Action

router = api_router(prefix="/patients/{patient_id}/prescriptions", tags=["programming"])

Paging = Annotated[PageParams, Depends(page_params)]


@router.post(
    "",
    response_model=ProgrammingResultOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422, 428),
)
def program(
    patient_id: RecordId,
    body: PrescriptionIn,
    response: Response,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.PRESCRIPTION_PROGRAM))],
    if_match: Annotated[int | None, Depends(expected_version)],
) -> ProgrammingResultOut:
    """Store a new prescription version after the safety check.

    HARD findings refuse it (422, ``findings`` listed). SOFT findings need ``override``
    naming their codes and a reason: the version is then stored ``pending`` (202) and is
    neither in force nor sent to the pump until another physician confirms it in their own
    session (``POST .../{version}/cosign``). The version you edited must still be current
    (``If-Match`` or ``version``; 0 for the first), else 409.
    """
    version = required_version(if_match, body.version)
    result = programming.program_prescription(
        work, body.command(patient_id, version), principal.actor
    )
    stored = result.prescription
    if stored.status == "pending":
        response.status_code = status.HTTP_202_ACCEPTED
    response.headers["ETag"] = f'"{stored.version}"'
    return ProgrammingResultOut(
        prescription=PrescriptionOut.of(stored),
        findings=findings_out(result.report.findings),
        rule_set=result.report.rule_set,
        catalogue_version=result.report.catalogue_version,
    )


@router.get(
    "", response_model=Page[PrescriptionOut], responses=problem_responses(401, 403, 404, 422)
)
def history(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[PrescriptionOut]:
    """Every prescription version, oldest first; the last one is current."""
    found = reads.prescription_history(work, principal.actor, patient_id)
    return slice_page(request, [PrescriptionOut.of(p) for p in found], page)


@router.get(
    "/current", response_model=PrescriptionOut, responses=problem_responses(401, 403, 404, 422)
)
def current(
    patient_id: RecordId, response: Response, work: Uow, principal: PatientReader
) -> PrescriptionOut:
    """The prescription in force, with its version as the ``ETag`` to edit against."""
    found = [
        p
        for p in reads.prescription_history(work, principal.actor, patient_id)
        if p.status == "active"
    ]
    if not found:
        raise NotFound(f"patient {patient_id} has no prescription in force yet")
    response.headers["ETag"] = f'"{found[-1].version}"'
    return PrescriptionOut.of(found[-1])


@router.post(
    "/{version}/confirm",
    response_model=PrescriptionOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def confirm(
    patient_id: RecordId,
    version: RecordId,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.PRESCRIPTION_CONFIRM))],
) -> PrescriptionOut:
    """Record that the pump was read back and runs this (current) version."""
    confirmed = programming.confirm_on_pump(
        work, ConfirmOnPump(patient_id=patient_id, version=version), principal.actor
    )
    return PrescriptionOut.of(confirmed)


@router.post(
    "/{version}/cosign",
    response_model=PrescriptionOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def cosign(
    patient_id: RecordId,
    version: RecordId,
    body: CosignIn,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.OVERRIDE_COSIGN))],
) -> PrescriptionOut:
    """Confirm (put in force) or reject a pending override request, as the second physician.

    Only another physician than the one who asked (and the one named, if one was named);
    a request overtaken by a newer version answers 409.
    """
    decided = programming.decide_override(
        work,
        DecideOverride(patient_id, version, body.decision, body.note),
        principal.actor,
    )
    return PrescriptionOut.of(decided)


cosign_router = api_router(prefix="/cosignatures", tags=["programming"])


@cosign_router.get("", response_model=list[PrescriptionOut], responses=problem_responses(401, 403))
def cosign_worklist(
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.OVERRIDE_COSIGN))],
) -> list[PrescriptionOut]:
    """Override requests waiting for your co-signature (addressed to you or to anyone)."""
    return [PrescriptionOut.of(p) for p in programming.cosign_worklist(work, principal.actor)]
