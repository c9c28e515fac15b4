"""Patient portal: the patient's own record, next refill date, alarms and warning signs.

A patient login sees only its own record (``Principal.patient_id``); the chart read is the
clinic's audited ``patient_chart`` use case, which refuses any other record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from intrathecal.api.deps import Context
from intrathecal.clinic import config
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.chart import PatientChart, patient_chart
from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.pathway import pump_models
from intrathecal.clinic.patient_guide import patient_guide
from intrathecal.clinic.permissions import Action
from intrathecal.core.program import Prescription
from intrathecal.core.program_spec import quantity_text
from intrathecal.web.deps import requires
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Reader = Annotated[Principal, Depends(requires(Action.PATIENT_READ))]


def _own_chart(ctx: Context, principal: Principal) -> PatientChart:
    """The logged-in patient's chart (a staff login has no portal: 404)."""
    if principal.patient_id is None:
        raise NotFound("the patient portal is for patient logins")
    return patient_chart(ctx.uow_factory(), principal.actor, principal.patient_id)


def _bolus_rows(program: Prescription | None) -> list[tuple[str, str]]:
    """The patient-bolus settings in words (empty when the pump has none)."""
    bolus = program.patient_bolus if program else None
    if bolus is None:
        return []
    return [
        ("Each extra dose", quantity_text(bolus.volume)),
        ("Given over", quantity_text(bolus.duration)),
        ("Wait at least", quantity_text(bolus.lockout) + " between doses"),
        ("At most", f"{bolus.max_per_day} a day"),
    ]


@router.get("/portal")
def my_record(request: Request, ctx: Context, principal: Reader) -> Response:
    """Own record: pump, medicine, next refill date, patient-bolus settings."""
    chart = _own_chart(ctx, principal)
    prescription = chart.current_prescription
    return render(
        request,
        "portal/record.html",
        {
            "chart": chart,
            "implant": chart.active_implant,
            "prescription": prescription,
            "patient_bolus": _bolus_rows(prescription.program if prescription else None),
            "last_refill": chart.refills[-1] if chart.refills else None,
            "status": chart.care_status,
            "pumps": pump_models(),
            "insurers": config.insurers(),
        },
    )


@router.get("/portal/safety")
def safety(request: Request, principal: Reader) -> Response:
    """What each pump alarm tone means, and the warning signs to act on."""
    return render(request, "portal/safety.html", {"guide": patient_guide()})


@router.get("/portal/appointments")
def appointments(request: Request, ctx: Context, principal: Reader) -> Response:
    """Own visits, upcoming and past."""
    chart = _own_chart(ctx, principal)
    now = datetime.now(UTC)
    upcoming = [v for v in chart.visits if v.scheduled_at >= now and v.status == "scheduled"]
    past = [v for v in chart.visits if v not in upcoming]
    return render(
        request,
        "portal/appointments.html",
        {
            "upcoming": upcoming,
            "past": list(reversed(past)),
            "location_names": {loc.code: loc.name for loc in config.locations()},
        },
    )
