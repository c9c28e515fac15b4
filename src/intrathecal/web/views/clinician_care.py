"""Clinician care forms: the guided refill screen and its review, adverse events, visit notes.

Each POST parses the form with the API's input model, calls one use case with the
principal's actor and redirects to a page named by opaque ids (post/redirect/get). A
refused submit re-renders the form with what was typed and the error next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from intrathecal.api.deps import Context
from intrathecal.api.fields import RecordId
from intrathecal.api.schemas.care import AdverseEventIn, RefillIn
from intrathecal.clinic import chart, events, refills, scheduling
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.chart import PatientChart
from intrathecal.clinic.commands import CompleteVisit
from intrathecal.clinic.errors import NotFound, ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.clinic.vocabulary import CATEGORY_CODES, OUTCOMES, SEVERITIES, RefillStep
from intrathecal.core.refill import RefillPlan
from intrathecal.web.clinician_forms import given, now_local, utc_moment
from intrathecal.web.clinician_models import compare_settings, refill_comparison
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data, validate
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Refiller = Annotated[Principal, Depends(requires(Action.REFILL_RECORD))]
EventWriter = Annotated[Principal, Depends(requires(Action.ADVERSE_EVENT_RECORD))]
VisitWriter = Annotated[Principal, Depends(requires(Action.VISIT_COMPLETE))]

#: The refill steps in order; each has a confirmation box on the refill screen.
REFILL_STEPS: tuple[tuple[str, str], ...] = (
    ("step_interrogate", "Interrogate the pump: read the program, reservoir volume and alarms"),
    ("step_locate", "Locate the refill port with the template (not the catheter access port)"),
    ("step_aspirate", "Aspirate the reservoir completely and measure the residual"),
    ("step_inject", "Inject the new drug slowly through the filter, checking for pocket fill"),
    ("step_update", "Update the pump with the new reservoir volume and alarm"),
)
#: The form's step boxes as the clinic's guided-refill steps (``vocabulary.RefillStep``).
STEP_CODES: Mapping[str, RefillStep] = {
    "step_interrogate": "interrogate",
    "step_locate": "locate_port_template",
    "step_aspirate": "aspirate_residual",
    "step_inject": "inject_through_filter",
    "step_update": "update_pump",
}
REFILL_FIELDS = (
    "performed_at",
    "drug",
    "lot",
    "concentration",
    "measured_residual",
    "volume_added",
    "measured_after",
    "alarm_volume",
    "notes",
)


def _refill_page(
    request: Request, found: PatientChart, form: dict[str, str], errors: FormErrors | None
) -> Response:
    current = found.current_prescription
    return render(
        request,
        "clinician/refill.html",
        {
            "chart": found,
            "patient": found.patient,
            "steps": REFILL_STEPS,
            "settings": compare_settings(None, None if current is None else current.program),
            "last": found.refills[-1] if found.refills else None,
            "form": form,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@router.get("/clinic/patients/{patient_id}/refill")
def refill_form(
    request: Request, patient_id: RecordId, ctx: Context, principal: Refiller
) -> Response:
    """The refill screen, prefilled with the prescribed drug and concentration."""
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    form = {"performed_at": now_local()}
    current = found.current_prescription
    if current is not None:
        form["drug"] = current.drug
        form["concentration"] = str(current.concentration)
    return _refill_page(request, found, form, None)


@router.post("/clinic/patients/{patient_id}/refill")
async def record_refill(
    request: Request, patient_id: RecordId, ctx: Context, principal: Refiller
) -> Response:
    """Record the refill; the residual check and the new dates come from the use case."""
    data = await form_data(request)
    errors = FormErrors()
    for name, _ in REFILL_STEPS:
        if data.get(name) != "done":
            errors.add(name, "Confirm this step before recording the refill.")
    fields: dict[str, Any] = dict(given(data, REFILL_FIELDS))
    fields["steps"] = [STEP_CODES[name] for name, _ in REFILL_STEPS if data.get(name) == "done"]
    if "performed_at" in fields:
        fields["performed_at"] = utc_moment(fields["performed_at"])
    parsed = validate(RefillIn, fields)
    if isinstance(parsed, FormErrors):
        errors.fields.update({k: v for k, v in parsed.fields.items() if k not in errors.fields})
        errors.general.extend(parsed.general)
    if not errors and isinstance(parsed, RefillIn):
        try:
            result = refills.record_refill(
                ctx.uow_factory(), parsed.command(patient_id), principal.actor
            )
        except ValidationFailed as exc:
            errors.add_clinic_error(exc, REFILL_FIELDS)
        else:
            found = chart.patient_chart(
                ctx.uow_factory(), principal.actor, patient_id, audit_rows=0
            )
            return _review(request, found, result.refill.id or 0, result.plan)
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    return _refill_page(request, found, data, errors)


@router.get("/clinic/patients/{patient_id}/refills/{refill_id}")
def refill_review(
    request: Request, patient_id: RecordId, refill_id: RecordId, ctx: Context, principal: Refiller
) -> Response:
    """Review after a refill: old vs new side by side, discrepancy, counselling points."""
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    return _review(request, found, refill_id, None)


def _review(
    request: Request, found: PatientChart, refill_id: int, plan: RefillPlan | None
) -> Response:
    """The review page; right after recording, ``plan`` adds the refill findings and any
    bridge bolus the use case computed."""
    index = next((i for i, r in enumerate(found.refills) if r.id == refill_id), None)
    if index is None:
        raise NotFound(f"refill {refill_id} not found")
    refill = found.refills[index]
    previous = found.refills[index - 1] if index > 0 else None
    return render(
        request,
        "clinician/refill_review.html",
        {
            "chart": found,
            "patient": found.patient,
            "refill": refill,
            "rows": refill_comparison(previous, refill),
            "plan": plan,
            "permalink": f"/clinic/patients/{found.patient.id}/refills/{refill_id}",
        },
    )


EVENT_FIELDS = ("category", "severity", "onset", "description", "actions", "outcome")


def _event_page(
    request: Request, found: PatientChart, form: dict[str, str], errors: FormErrors | None
) -> Response:
    return render(
        request,
        "clinician/adverse_event.html",
        {
            "patient": found.patient,
            "categories": [(c, c.replace("_", " ")) for c in CATEGORY_CODES],
            "severities": [(s, s.replace("_", " ")) for s in SEVERITIES],
            "outcomes": [(o, o.replace("_", " ")) for o in OUTCOMES],
            "form": form,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@router.get("/clinic/patients/{patient_id}/adverse-event")
def adverse_event_form(
    request: Request, patient_id: RecordId, ctx: Context, principal: EventWriter
) -> Response:
    """The adverse-event form (the clinic's risk categories)."""
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    today = datetime.now(UTC).date().isoformat()
    return _event_page(request, found, {"onset": today, "outcome": "ongoing"}, None)


@router.post("/clinic/patients/{patient_id}/adverse-event")
async def record_adverse_event(
    request: Request, patient_id: RecordId, ctx: Context, principal: EventWriter
) -> Response:
    """Record the event and return to the chart."""
    data = await form_data(request)
    parsed = validate(AdverseEventIn, given(data, EVENT_FIELDS))
    errors = parsed if isinstance(parsed, FormErrors) else FormErrors()
    if isinstance(parsed, AdverseEventIn):
        try:
            events.record_adverse_event(
                ctx.uow_factory(), parsed.command(patient_id), principal.actor
            )
        except ValidationFailed as exc:
            errors.add_clinic_error(exc, EVENT_FIELDS)
        else:
            return RedirectResponse(f"/clinic/patients/{patient_id}#h-ae", status_code=303)
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    return _event_page(request, found, data, errors)


@router.get("/clinic/patients/{patient_id}/visits/{visit_id}")
def visit_notes_form(
    request: Request, patient_id: RecordId, visit_id: RecordId, ctx: Context, principal: VisitWriter
) -> Response:
    """Notes for a scheduled visit; saving them marks the visit done."""
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    visit = next((v for v in found.visits if v.id == visit_id), None)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found")
    return render(request, "clinician/visit.html", {"patient": found.patient, "visit": visit})


@router.post("/clinic/patients/{patient_id}/visits/{visit_id}")
async def complete_visit(
    request: Request, patient_id: RecordId, visit_id: RecordId, ctx: Context, principal: VisitWriter
) -> Response:
    """Save the notes and mark the visit done (clears a wound-check or review item)."""
    data = await form_data(request)
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    visit = next((v for v in found.visits if v.id == visit_id), None)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found")
    errors = FormErrors()
    try:
        scheduling.complete_visit(
            ctx.uow_factory(),
            CompleteVisit(visit_id=visit_id, notes=data.get("notes", "").strip()),
            principal.actor,
        )
    except ValidationFailed as exc:
        errors.add_clinic_error(exc, ("notes",))
    else:
        return RedirectResponse(f"/clinic/patients/{patient_id}#h-visits", status_code=303)
    return render(
        request,
        "clinician/visit.html",
        {"patient": found.patient, "visit": visit, "form": data, "errors": errors},
        status_code=422,
    )
