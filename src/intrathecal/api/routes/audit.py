"""The audit trail (admin): verify the hash chain, read recent and per-patient entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from intrathecal.api.deps import Context, Uow, requires
from intrathecal.api.fields import RecordId
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.care import AuditEntryOut, AuditVerifyOut
from intrathecal.clinic import patients, reads
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import Action

router = api_router(prefix="/audit", tags=["audit"])

Auditor = Annotated[Principal, Depends(requires(Action.AUDIT_READ))]
Paging = Annotated[PageParams, Depends(page_params)]
#: Entries loaded for one listing at most (then paged).
AUDIT_CAP = 1000


@router.get("/verify", response_model=AuditVerifyOut, responses=problem_responses(401, 403))
def verify(work: Uow, ctx: Context, principal: Auditor) -> AuditVerifyOut:
    """Seal what is pending, then walk the whole keyed chain; ``ok: false`` names the first
    row that does not verify."""
    if ctx.audit_key is None:
        raise ValidationFailed("no audit key is configured: the chain cannot be verified")
    result = reads.verify_audit(work, principal.actor, ctx.audit_key)
    return AuditVerifyOut(
        ok=result.ok,
        checked=result.checked,
        first_bad_seq=result.first_bad_seq,
        problem=result.problem,
        pending=result.pending,
    )


@router.get(
    "/entries", response_model=Page[AuditEntryOut], responses=problem_responses(401, 403, 422)
)
def recent(request: Request, work: Uow, principal: Auditor, page: Paging) -> Page[AuditEntryOut]:
    """The newest entries first."""
    entries = reads.recent_audit(work, principal.actor, AUDIT_CAP)
    return slice_page(request, [AuditEntryOut.of(e) for e in entries], page)


@router.get(
    "/patients/{patient_id}",
    response_model=Page[AuditEntryOut],
    responses=problem_responses(401, 403, 404, 422),
)
def for_patient(
    patient_id: RecordId, request: Request, work: Uow, principal: Auditor, page: Paging
) -> Page[AuditEntryOut]:
    """Who did what to one patient's record, newest first."""
    entries = patients.patient_audit_trail(work, patient_id, principal.actor, AUDIT_CAP)
    return slice_page(request, [AuditEntryOut.of(e) for e in entries], page)
