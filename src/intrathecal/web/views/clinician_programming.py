"""Programming a prescription: the form, findings inline as the physician types, confirmation.

The findings come from ``programming.check_prescription``, the same check (same history,
same rules) that ``program_prescription`` applies when the form is submitted: HARD findings
disable the submit button and are refused on submit; SOFT findings need a reason and the
codes accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from intrathecal.api.deps import Context
from intrathecal.api.fields import RecordId
from intrathecal.clinic import chart, first_program, programming, reads
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.chart import PatientChart
from intrathecal.clinic.commands import ConfirmOnPump, OverrideRequest, ProgramPrescription
from intrathecal.clinic.errors import SafetyRefused, ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.core.first_program import FirstProgram
from intrathecal.core.program import Prescription
from intrathecal.core.safety import SafetyReport
from intrathecal.web.clinician_forms import PROGRAM_FIELDS, program_form, read_program
from intrathecal.web.clinician_models import compare_settings
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Programmer = Annotated[Principal, Depends(requires(Action.PRESCRIPTION_PROGRAM))]
Confirmer = Annotated[Principal, Depends(requires(Action.PRESCRIPTION_CONFIRM))]


def _version(data: Mapping[str, str]) -> int:
    text = data.get("expected_version", "").strip()
    if not text.isdigit() or len(text) > 9:
        raise ValidationFailed("expected_version: reload the page and try again")
    return int(text)


#: Form fields a programming error may name.
FORM_FIELDS = (*sorted(set(PROGRAM_FIELDS.values())), "override_reason", "program")


def _command(
    patient_id: int, data: Mapping[str, str], override: OverrideRequest | None = None
) -> ProgramPrescription:
    return ProgramPrescription(
        patient_id=patient_id,
        program=read_program(data),
        expected_version=_version(data),
        override=override,
    )


def _entered(data: Mapping[str, str]) -> Prescription | None:
    """The program as typed, when it reads (for the side-by-side table)."""
    try:
        return read_program(data)
    except ValidationFailed:
        return None


def _form_page(
    request: Request,
    found: PatientChart,
    form: Mapping[str, str],
    errors: FormErrors | None,
    report: SafetyReport | None = None,
    proposal: FirstProgram | None = None,
) -> Response:
    current = found.current_prescription
    return render(
        request,
        "clinician/program.html",
        {
            "chart": found,
            "patient": found.patient,
            "current": current,
            "form": dict(form),
            "errors": errors,
            "report": report,
            "proposal": proposal,
            "rows": compare_settings(None if current is None else current.program, _entered(form)),
        },
        status_code=422 if errors else 200,
    )


@router.get("/clinic/patients/{patient_id}/program")
def program_page(
    request: Request, patient_id: RecordId, ctx: Context, principal: Programmer
) -> Response:
    """The programming form, prefilled with the program in force, or for a first program
    with the one proposed from the successful trial (its provenance shown)."""
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    current = found.current_prescription
    proposal = None if current is not None else _proposal(ctx, principal, patient_id)
    program = current.program if current is not None else None
    form = program_form(proposal.prescription if proposal is not None else program)
    form["expected_version"] = str(0 if current is None else current.version)
    return _form_page(request, found, form, None, proposal=proposal)


def _proposal(ctx: Context, principal: Principal, patient_id: int) -> FirstProgram | None:
    """The first program proposed from the latest successful trial, when there is one."""
    try:
        return first_program.first_program_proposal(ctx.uow_factory(), principal.actor, patient_id)[
            1
        ]
    except ValidationFailed:
        return None


@router.post("/clinic/patients/{patient_id}/program/check")
async def program_check(
    request: Request, patient_id: RecordId, ctx: Context, principal: Programmer
) -> Response:
    """The findings partial (HTMX): the shared check on what is typed, nothing stored."""
    data = await form_data(request)
    accepted = await _accepted(request)
    errors = FormErrors()
    report = None
    try:
        report = programming.check_prescription(
            ctx.uow_factory(), _command(patient_id, data), principal.actor
        )
    except ValidationFailed as exc:
        errors.add_clinic_error(exc, FORM_FIELDS)
    history = reads.prescription_history(ctx.uow_factory(), principal.actor, patient_id)
    current = next((p for p in reversed(history) if p.status == "active"), None)
    return render(
        request,
        "clinician/_program_check.html",
        {
            "report": report,
            "check_errors": errors,
            "accepted": accepted,
            "partial": True,
            "current": current,
            "rows": compare_settings(None if current is None else current.program, _entered(data)),
        },
    )


async def _accepted(request: Request) -> set[str]:
    form = await request.form()
    return {v for v in form.getlist("accept") if isinstance(v, str)}


@router.post("/clinic/patients/{patient_id}/program")
async def program_submit(
    request: Request, patient_id: RecordId, ctx: Context, principal: Programmer
) -> Response:
    """Store the new version; a refusal re-renders the form with the findings."""
    data = await form_data(request)
    accepted = await _accepted(request)
    reason = data.get("override_reason", "").strip()
    override = OverrideRequest(frozenset(accepted), reason) if reason or accepted else None
    errors = FormErrors()
    report = None
    try:
        programming.program_prescription(
            ctx.uow_factory(), _command(patient_id, data, override), principal.actor
        )
    except SafetyRefused as exc:
        errors.add(None, str(exc))
        report = programming.check_prescription(
            ctx.uow_factory(), _command(patient_id, data), principal.actor
        )
    except ValidationFailed as exc:
        message = str(exc).replace("override.reason:", "override_reason:", 1)
        errors.add_clinic_error(ValidationFailed(message), FORM_FIELDS)
    else:
        return RedirectResponse(f"/clinic/patients/{patient_id}#h-rx", status_code=303)
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    form = {**data, **{f"accept_{code}": "on" for code in accepted}}
    return _form_page(request, found, form, errors, report)


@router.post("/clinic/patients/{patient_id}/prescriptions/{version}/confirm")
def confirm_on_pump(
    patient_id: RecordId, version: RecordId, ctx: Context, principal: Confirmer
) -> Response:
    """Record that the pump was read back and runs this version."""
    programming.confirm_on_pump(
        ctx.uow_factory(), ConfirmOnPump(patient_id=patient_id, version=version), principal.actor
    )
    return RedirectResponse(f"/clinic/patients/{patient_id}#h-rx", status_code=303)
