"""Care-pathway forms: candidacy evaluation, screening trial, permanent implant.

Each form is read by the API's input model (the same field rules as the REST API) and
recorded by the pathway use case; the decision (eligibility, trial outcome) is the use
case's, shown on the chart afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from intrathecal.api.deps import Context
from intrathecal.api.fields import RecordId
from intrathecal.api.schemas.pathway import EvaluationIn, ImplantIn, TrialIn
from intrathecal.clinic import chart, pathway
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import SafetyRefused, ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import CONTRAINDICATION_CODES, INDICATIONS
from intrathecal.core.trial_config import load_trial_config
from intrathecal.web.clinician_forms import (
    IMPLANT_FIELDS,
    THERAPY_ROWS,
    TRIAL_ERROR_FIELDS,
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


@dataclass(frozen=True)
class PathwayForm:
    """One pathway form: who may use it, how its fields are read and which use case records it."""

    action: Action
    model: type[BaseModel]
    body: Callable[[dict[str, str], list[str]], dict[str, Any]]
    record: Callable[[UnitOfWork, Any, Actor], object]
    defaults: Callable[[], dict[str, str]]
    anchor: str
    error_fields: Mapping[str, str] = field(default_factory=dict)


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


#: The pathway forms by URL name (``/clinic/patients/{id}/<name>``).
FORMS: Mapping[str, PathwayForm] = {
    "evaluation": PathwayForm(
        Action.EVALUATION_RECORD,
        EvaluationIn,
        evaluation_body,
        pathway.record_evaluation,
        lambda: {"evaluated_on": _today()},
        "h-eval",
    ),
    "trial": PathwayForm(
        Action.TRIAL_RECORD,
        TrialIn,
        lambda data, _: trial_body(data),
        pathway.record_trial,
        lambda: {"started_at": now_local(), "method": "single_shot"},
        "h-trial",
        TRIAL_ERROR_FIELDS,
    ),
    "implant": PathwayForm(
        Action.IMPLANT_RECORD,
        ImplantIn,
        lambda data, _: given(data, IMPLANT_FIELDS),
        pathway.record_implant,
        lambda: {
            "implanted_on": _today(),
            "hospital_stay_days": "1",
            "return_to_work": "1-2 weeks",
        },
        "h-implant",
    ),
}


def _labelled(values: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ")) for v in values]


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    patient_id: int,
    name: str,
    form: Mapping[str, Any],
    errors: FormErrors | None,
) -> Response:
    found = chart.patient_chart(ctx.uow_factory(), principal.actor, patient_id, audit_rows=0)
    return render(
        request,
        f"clinician/{name}.html",
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


def _routes(name: str, spec: PathwayForm) -> None:
    """Register the GET (blank form) and POST (record) routes of one pathway form."""
    allowed = Depends(requires(spec.action))

    def show(
        request: Request, patient_id: RecordId, ctx: Context, principal: Principal = allowed
    ) -> Response:
        return _page(request, ctx, principal, patient_id, name, spec.defaults(), None)

    async def record(
        request: Request, patient_id: RecordId, ctx: Context, principal: Principal = allowed
    ) -> Response:
        data = await form_data(request)
        raw = await request.form()
        ticked = [v for v in raw.getlist("contraindications") if isinstance(v, str)]
        parsed = validate(spec.model, spec.body(data, ticked), spec.error_fields)
        errors = parsed if isinstance(parsed, FormErrors) else FormErrors()
        if not isinstance(parsed, FormErrors):
            try:
                command = parsed.command(patient_id)  # type: ignore[attr-defined]
                spec.record(ctx.uow_factory(), command, principal.actor)
            except (ValidationFailed, SafetyRefused) as exc:
                errors.add_clinic_error(exc, tuple(spec.model.model_fields))
            else:
                target = f"/clinic/patients/{patient_id}#{spec.anchor}"
                return RedirectResponse(target, status_code=303)
        form = {**data, **{f"ci_{c}": "on" for c in ticked}}
        return _page(request, ctx, principal, patient_id, name, form, errors)

    path = f"/clinic/patients/{{patient_id}}/{name}"
    show.__doc__ = f"The {name} form."
    record.__doc__ = f"Record the {name} with its use case; errors keep what was typed."
    router.add_api_route(path, show, methods=["GET"], name=f"{name}_form")
    router.add_api_route(path, record, methods=["POST"], name=f"record_{name}")


for _name, _spec in FORMS.items():
    _routes(_name, _spec)
