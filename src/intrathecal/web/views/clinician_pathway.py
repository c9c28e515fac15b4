"""Care-pathway forms: candidacy evaluation, screening trial, permanent implant.

Each form is read by the API's input model (the same field rules as the REST API) and
recorded by the pathway use case; the decision (eligibility, trial outcome) is the use
case's, shown on the chart afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from intrathecal.api.deps import Context
from intrathecal.api.fields import RecordId
from intrathecal.api.schemas.pathway import EvaluationIn, ImplantIn, TrialIn
from intrathecal.clinic import chart, pathway
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import CONTRAINDICATION_CODES, INDICATIONS
from intrathecal.core.trial_config import load_trial_config
from intrathecal.web.clinician_forms import (
    IMPLANT_FIELDS,
    THERAPY_ROWS,
    evaluation_body,
    given,
    now_local,
    trial_body,
)
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data, validate
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Evaluator = Annotated[Principal, Depends(requires(Action.EVALUATION_RECORD))]
Trialist = Annotated[Principal, Depends(requires(Action.TRIAL_RECORD))]
Implanter = Annotated[Principal, Depends(requires(Action.IMPLANT_RECORD))]


def _labelled(values: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ")) for v in values]


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    patient_id: int,
    template: str,
    form: Mapping[str, Any],
    errors: FormErrors | None,
) -> Response:
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    return render(
        request,
        f"clinician/{template}",
        {
            "patient": found.patient,
            "form": dict(form),
            "errors": errors,
            "indications": _labelled(INDICATIONS),
            "contraindications": _labelled(CONTRAINDICATION_CODES),
            "therapy_rows": range(THERAPY_ROWS),
            "side_effects": load_trial_config().side_effects,
            "pump_models": sorted(pathway.pump_models().items()),
        },
        status_code=422 if errors else 200,
    )


async def _submit(
    request: Request,
    ctx: Context,
    principal: Principal,
    patient_id: int,
    template: str,
    model: type[BaseModel],
    body: Callable[[dict[str, str], list[str]], dict[str, Any]],
    record: Callable[[UnitOfWork, Any, Principal], object],
    anchor: str,
) -> Response:
    """Parse with ``model``, record, and go back to the chart; errors keep the input."""
    data = await form_data(request)
    raw = await request.form()
    ticked = [v for v in raw.getlist("contraindications") if isinstance(v, str)]
    parsed = validate(model, body(data, ticked))
    errors = parsed if isinstance(parsed, FormErrors) else FormErrors()
    if not isinstance(parsed, FormErrors):
        try:
            record(ctx.uow_factory(), parsed, principal)
        except ValidationFailed as exc:
            errors.add_clinic_error(exc, tuple(model.model_fields))
        else:
            return RedirectResponse(f"/clinic/patients/{patient_id}#{anchor}", status_code=303)
    form = {**data, **{f"ci_{c}": "on" for c in ticked}}
    return _page(request, ctx, principal, patient_id, template, form, errors)


@router.get("/clinic/patients/{patient_id}/evaluation")
def evaluation_form(
    request: Request, patient_id: RecordId, ctx: Context, principal: Evaluator
) -> Response:
    """The candidacy evaluation form."""
    today = datetime.now(UTC).date().isoformat()
    form = {"evaluated_on": today}
    return _page(request, ctx, principal, patient_id, "evaluation.html", form, None)


@router.post("/clinic/patients/{patient_id}/evaluation")
async def record_evaluation(
    request: Request, patient_id: RecordId, ctx: Context, principal: Evaluator
) -> Response:
    """Record the evaluation; eligibility and its reasons are decided by the use case."""

    def record(uow: UnitOfWork, body: EvaluationIn, who: Principal) -> object:
        return pathway.record_evaluation(uow, body.command(patient_id), who.actor)

    return await _submit(
        request, ctx, principal, patient_id, "evaluation.html", EvaluationIn,
        evaluation_body, record, "h-eval",
    )  # fmt: skip


@router.get("/clinic/patients/{patient_id}/trial")
def trial_form(
    request: Request, patient_id: RecordId, ctx: Context, principal: Trialist
) -> Response:
    """The screening-trial form."""
    form = {"started_at": now_local(), "method": "single_shot"}
    return _page(request, ctx, principal, patient_id, "trial.html", form, None)


@router.post("/clinic/patients/{patient_id}/trial")
async def record_trial(
    request: Request, patient_id: RecordId, ctx: Context, principal: Trialist
) -> Response:
    """Record the trial; the outcome follows the trial rule, dose limits are checked."""

    def record(uow: UnitOfWork, body: TrialIn, who: Principal) -> object:
        return pathway.record_trial(uow, body.command(patient_id), who.actor)

    return await _submit(
        request, ctx, principal, patient_id, "trial.html", TrialIn,
        lambda data, _: trial_body(data), record, "h-trial",
    )  # fmt: skip


@router.get("/clinic/patients/{patient_id}/implant")
def implant_form(
    request: Request, patient_id: RecordId, ctx: Context, principal: Implanter
) -> Response:
    """The implant form."""
    today = datetime.now(UTC).date().isoformat()
    form = {"implanted_on": today, "hospital_stay_days": "1", "return_to_work": "1-2 weeks"}
    return _page(request, ctx, principal, patient_id, "implant.html", form, None)


@router.post("/clinic/patients/{patient_id}/implant")
async def record_implant(
    request: Request, patient_id: RecordId, ctx: Context, principal: Implanter
) -> Response:
    """Record the pump and catheter; ERI and wound-check dates follow from it."""

    def record(uow: UnitOfWork, body: ImplantIn, who: Principal) -> object:
        return pathway.record_implant(uow, body.command(patient_id), who.actor)

    return await _submit(
        request, ctx, principal, patient_id, "implant.html", ImplantIn,
        lambda data, _: given(data, IMPLANT_FIELDS), record, "h-implant",
    )  # fmt: skip
