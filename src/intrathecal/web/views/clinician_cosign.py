"""Co-signature of override requests: the second physician decides in their own session.

A program with SOFT findings is stored pending (``programming.program_prescription`` with
an override request). Another physician opens it here, sees the findings, the reason and
the settings side by side, and confirms (the version goes in force) or rejects it; the
use case refuses the requesting physician and anyone the request was not addressed to.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from intrathecal.api.deps import Context
from intrathecal.api.fields import RecordId
from intrathecal.clinic import chart, programming
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.commands import DecideOverride
from intrathecal.clinic.errors import NotFound, ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.web.clinician_models import compare_settings
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Cosigner = Annotated[Principal, Depends(requires(Action.OVERRIDE_COSIGN))]


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    patient_id: int,
    version: int,
    form: dict[str, str],
    errors: FormErrors | None,
) -> Response:
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    pending = next((p for p in found.prescriptions if p.version == version), None)
    if pending is None:
        raise NotFound(f"prescription version {version} not found")
    before = [
        p for p in found.prescriptions if p.status in programming.IN_FORCE and p.version < version
    ]
    return render(
        request,
        "clinician/cosign.html",
        {
            "chart": found,
            "patient": found.patient,
            "pending": pending,
            "may_decide": pending.prescribed_by != principal.user_id
            and pending.override_requested_of in (None, principal.user_id),
            "rows": compare_settings(before[-1].program if before else None, pending.program),
            "form": form,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@router.get("/clinic/cosign")
def cosign_list(request: Request, ctx: Context, principal: Cosigner) -> Response:
    """Override requests waiting for this physician's co-signature."""
    waiting = programming.cosign_worklist(ctx.uow_factory(), principal.actor)
    return render(request, "clinician/cosign_list.html", {"waiting": waiting})


@router.get("/clinic/patients/{patient_id}/prescriptions/{version}/cosign")
def cosign_page(
    request: Request, patient_id: RecordId, version: RecordId, ctx: Context, principal: Cosigner
) -> Response:
    """One override request: findings, reason, old and new settings, confirm or reject."""
    return _page(request, ctx, principal, patient_id, version, {}, None)


@router.post("/clinic/patients/{patient_id}/prescriptions/{version}/cosign")
async def cosign_decide(
    request: Request, patient_id: RecordId, version: RecordId, ctx: Context, principal: Cosigner
) -> Response:
    """Record the decision (the use case checks who may decide and that it is still open)."""
    data = await form_data(request)
    errors = FormErrors()
    try:
        programming.decide_override(
            ctx.uow_factory(),
            DecideOverride(
                patient_id=patient_id,
                version=version,
                decision=data.get("decision", ""),
                note=data.get("note", ""),
            ),
            principal.actor,
        )
    except ValidationFailed as exc:
        errors.add_clinic_error(exc, ("decision", "note"))
    else:
        return RedirectResponse(f"/clinic/patients/{patient_id}#h-rx", status_code=303)
    return _page(request, ctx, principal, patient_id, version, data, errors)
