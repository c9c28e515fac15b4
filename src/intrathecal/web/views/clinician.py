"""Clinician read pages: the worklist (login lands here), patient search, chart, visit summary.

Each page calls one audited read use case with the principal's actor and renders it; the
wording and arrangement come from ``web.clinician_models``. Patients are addressed by
their opaque record id only; search text travels in the POST body, never in a URL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from intrathecal.api.deps import Context
from intrathecal.api.fields import RecordId
from intrathecal.clinic import chart, patients, programming, worklist
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import Action, allowed
from intrathecal.web.clinician_models import (
    after_visit_summary,
    chart_view,
    worklist_rows,
)
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Clinician = Annotated[Principal, Depends(requires(Action.WORKLIST_READ))]
Searcher = Annotated[Principal, Depends(requires(Action.PATIENT_SEARCH))]


@router.get("/clinic/worklist")
def worklist_page(request: Request, ctx: Context, principal: Clinician) -> Response:
    """What needs doing, most urgent first (baclofen and withdrawal risk on top)."""
    today = datetime.now(UTC).date()
    items = worklist.worklist(ctx.uow_factory(), principal.actor, today)
    cosign = []
    if allowed(principal.role, Action.OVERRIDE_COSIGN):
        cosign = programming.cosign_worklist(ctx.uow_factory(), principal.actor)
    return render(
        request,
        "clinician/worklist.html",
        {"rows": worklist_rows(items, today), "today": today, "cosign": cosign},
    )


@router.get("/clinic/patients")
def search_page(request: Request, principal: Searcher) -> Response:
    """The patient search form (the query is posted, so names stay out of URLs)."""
    return render(request, "clinician/search.html", {"results": None, **_may_register(principal)})


@router.post("/clinic/patients")
async def search(request: Request, ctx: Context, principal: Searcher) -> Response:
    """Patients whose name or MRN contains the query."""
    data = await form_data(request)
    errors = FormErrors()
    results = None
    try:
        results = patients.search_patients(
            ctx.uow_factory(), data.get("query", ""), principal.actor
        )
    except ValidationFailed as exc:
        errors.add_clinic_error(exc, ("query",))
    return render(
        request,
        "clinician/search.html",
        {"results": results, "form": data, "errors": errors, **_may_register(principal)},
        status_code=422 if errors else 200,
    )


def _may_register(principal: Principal) -> dict[str, bool]:
    return {"may_register": allowed(principal.role, Action.PATIENT_REGISTER)}


@router.get("/clinic/patients/{patient_id}")
def chart_page(
    request: Request, patient_id: RecordId, ctx: Context, principal: Clinician
) -> Response:
    """The patient chart: every record, the plots and the audit trail."""
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id)
    return render(request, "clinician/chart.html", {"chart": found, "view": chart_view(found)})


@router.get("/clinic/patients/{patient_id}/summary")
def summary_page(
    request: Request, patient_id: RecordId, ctx: Context, principal: Clinician
) -> Response:
    """The printable after-visit summary for the patient and the next doctor."""
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    summary = after_visit_summary(
        found.current_prescription,
        found.active_implant,
        found.refills[-1] if found.refills else None,
    )
    return render(
        request,
        "clinician/summary.html",
        {"chart": found, "summary": summary, "printed": datetime.now(UTC)},
    )
