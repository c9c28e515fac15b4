"""The patient's dosing profile on the clinician chart: what the dosing policy reads.

The form is read by the API's ``DosingProfileIn`` (the same field rules as
``PUT /patients/{id}/dosing-profile``) and recorded by ``record_dosing_profile`` (audited,
version-guarded); showing the form is an audited read. The CSRF token is checked like on
every other form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from intrathecal.api.deps import Context
from intrathecal.api.fields import RecordId
from intrathecal.api.schemas.dosing import DosingProfileIn
from intrathecal.clinic import chart
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.dosing_profile import read_dosing_profile, record_dosing_profile
from intrathecal.clinic.errors import Conflict, ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.clinic.records import DosingProfileRecord
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data, validate
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Clinician = Annotated[Principal, Depends(requires(Action.PATIENT_UPDATE))]
FIELDS = ("opioid_status", "psychosis_history", "spasticity_origin", "cancer_pain", "version")
#: Yes/no/not recorded answers as the form posts them.
ANSWERS = {"yes": True, "no": False, "": None}


def profile_form(stored: DosingProfileRecord | None) -> dict[str, str]:
    """The form's fields for a stored profile (blank answers mean "not recorded")."""

    def answer(value: bool | None) -> str:
        return "" if value is None else "yes" if value else "no"

    if stored is None:
        return {"opioid_status": "unknown", "version": "0"}
    return {
        "opioid_status": stored.opioid_status,
        "psychosis_history": answer(stored.psychosis_history),
        "spasticity_origin": stored.spasticity_origin or "",
        "cancer_pain": answer(stored.cancer_pain),
        "version": str(stored.version),
    }


def profile_body(data: Mapping[str, str]) -> dict[str, Any]:
    """The form as ``DosingProfileIn`` reads it; an unknown answer is kept for the model to
    name."""
    body: dict[str, Any] = {"opioid_status": data.get("opioid_status", "").strip()}
    for name in ("psychosis_history", "cancer_pain"):
        text = data.get(name, "").strip()
        body[name] = ANSWERS.get(text, text)
    origin = data.get("spasticity_origin", "").strip()
    body["spasticity_origin"] = origin or None
    version = data.get("version", "").strip()
    body["version"] = int(version) if version.isdigit() and len(version) < 10 else version
    return body


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    patient_id: int,
    form: Mapping[str, str],
    errors: FormErrors | None,
) -> Response:
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    return render(
        request,
        "clinician/dosing_profile.html",
        {"patient": found.patient, "form": dict(form), "errors": errors},
        status_code=422 if errors else 200,
    )


@router.get("/clinic/patients/{patient_id}/dosing-profile")
def dosing_profile_form(
    request: Request, patient_id: RecordId, ctx: Context, principal: Clinician
) -> Response:
    """The dosing profile form, prefilled with what is recorded (an audited read)."""
    stored = read_dosing_profile(ctx.uow_factory(), patient_id, principal.actor)
    return _page(request, ctx, principal, patient_id, profile_form(stored), None)


@router.post("/clinic/patients/{patient_id}/dosing-profile")
async def record_profile(
    request: Request, patient_id: RecordId, ctx: Context, principal: Clinician
) -> Response:
    """Record the profile; a stale version or a bad answer keeps what was typed."""
    data = await form_data(request)
    parsed = validate(DosingProfileIn, profile_body(data))
    if isinstance(parsed, FormErrors):
        return _page(request, ctx, principal, patient_id, data, parsed)
    errors = FormErrors()
    try:
        record_dosing_profile(
            ctx.uow_factory(), parsed.command(patient_id, parsed.version or 0), principal.actor
        )
    except Conflict as exc:
        errors.add(None, str(exc))
    except ValidationFailed as exc:
        errors.add_clinic_error(exc, FIELDS)
    else:
        return RedirectResponse(f"/clinic/patients/{patient_id}#h-dosing", status_code=303)
    return _page(request, ctx, principal, patient_id, data, errors)
