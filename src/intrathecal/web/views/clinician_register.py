"""Register a patient: demographics, the primary diagnosis and a coverage, in one form.

The form is parsed with the API's input model (``PatientCreate``) and stored by the same use
case (``patients.register_patient``): the MRN must be free, the birth date not in the
future, the ICD-10-CM code real and the insurer one the clinic accepts. A refused submit
re-renders the form with what was typed and each error next to its field; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from intrathecal.api.deps import Context
from intrathecal.api.schemas.patients import PatientCreate
from intrathecal.clinic import config, patients
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import Conflict, ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.clinic.vocabulary import SEXES
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data, location_choices, validate
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Registrar = Annotated[Principal, Depends(requires(Action.PATIENT_REGISTER))]

PATH = "/clinic/new-patient"
DEMOGRAPHICS = (
    "mrn",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "phone",
    "email",
    "location_code",
)
#: Model locations (and use-case error prefixes) -> the form field that shows the error.
FIELD_OF = {
    "diagnoses": "diagnosis_code",
    "diagnoses.code": "diagnosis_code",
    "diagnoses.description": "diagnosis_description",
    "coverage": "insurer",
    "coverage.insurer": "insurer",
    "coverage.member_id": "member_id",
    "coverage.group_number": "group_number",
}


def _payload(data: dict[str, str]) -> dict[str, Any]:
    """The form as ``PatientCreate`` input: one primary diagnosis and one coverage, if given."""
    body: dict[str, Any] = {name: data.get(name, "").strip() for name in DEMOGRAPHICS}
    body["location_code"] = body["location_code"] or None
    code = data.get("diagnosis_code", "").strip()
    description = data.get("diagnosis_description", "").strip()
    body["diagnoses"] = (
        [{"code": code, "description": description, "primary": True}] if code or description else []
    )
    insurer = data.get("insurer", "").strip()
    member_id = data.get("member_id", "").strip()
    group_number = data.get("group_number", "").strip()
    body["coverage"] = (
        [{"insurer": insurer, "member_id": member_id, "group_number": group_number}]
        if insurer or member_id or group_number
        else []
    )
    return body


def _page(request: Request, form: dict[str, str], errors: FormErrors | None) -> Response:
    return render(
        request,
        "clinician/register.html",
        {
            "form": form,
            "errors": errors,
            "sexes": [(s, s.capitalize()) for s in SEXES],
            "locations": location_choices(),
            "insurers": [(i.key, i.name) for i in config.insurers().values()],
        },
        status_code=422 if errors else 200,
    )


@router.get(PATH)
def register_form(request: Request, principal: Registrar) -> Response:
    """The empty registration form."""
    return _page(request, {}, None)


@router.post(PATH)
async def register(request: Request, ctx: Context, principal: Registrar) -> Response:
    """Store the patient and open the new chart; a taken MRN or a bad code re-renders."""
    data = await form_data(request)
    parsed = validate(PatientCreate, _payload(data), FIELD_OF)
    errors = parsed if isinstance(parsed, FormErrors) else FormErrors()
    if isinstance(parsed, PatientCreate):
        try:
            stored = patients.register_patient(ctx.uow_factory(), parsed.command(), principal.actor)
        except ValidationFailed as exc:
            errors.add_clinic_error(exc, DEMOGRAPHICS, FIELD_OF)
        except Conflict as exc:
            errors.add("mrn", str(exc))
        else:
            return RedirectResponse(f"/clinic/patients/{stored.id}", status_code=303)
    return _page(request, data, errors)
