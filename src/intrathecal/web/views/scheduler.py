"""Scheduler pages: the appointment requests inbox, booking a visit, the visit calendar.

No clinical content: requests show who asked and how to reach them, patients appear as
search summaries (name, MRN, birth date), visits by kind, time and place.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from intrathecal.api.deps import Context
from intrathecal.api.fields import Day
from intrathecal.clinic import config, patients, reads, scheduling
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.commands import ScheduleVisit
from intrathecal.clinic.errors import ClinicError, Conflict, NotFound, ValidationFailed
from intrathecal.clinic.patients import PatientSummary
from intrathecal.clinic.permissions import Action
from intrathecal.clinic.records import AppointmentRequest
from intrathecal.clinic.vocabulary import VISIT_KINDS
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data, location_choices, validate
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

Scheduler = Annotated[Principal, Depends(requires(Action.VISIT_SCHEDULE))]
ScheduleReader = Annotated[Principal, Depends(requires(Action.APPOINTMENT_LIST))]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: Open requests shown in the inbox at most.
INBOX_CAP = 200


class BookingForm(BaseModel):
    """A visit booked from the form (date and time are UTC)."""

    model_config = ConfigDict(extra="ignore")

    patient_id: int = Field(ge=1, le=2**31 - 1)
    kind: str = Field(min_length=1, max_length=40)
    day: Day
    at: time
    location_code: str = Field(min_length=1, max_length=40)


BOOKING_FIELDS = (*BookingForm.model_fields, "request_id")
#: The use case's date-time, shown at the date field (a day that has passed, say).
BOOKING_PATHS = {"scheduled_at": "day"}


def _open_request(ctx: Context, principal: Principal, request_id: int) -> AppointmentRequest:
    return scheduling.open_appointment_request(ctx.uow_factory(), principal.actor, request_id)


@router.get("/scheduler/requests")
def inbox(request: Request, ctx: Context, principal: ScheduleReader) -> Response:
    """Open requests from the public form, oldest first."""
    found = scheduling.list_appointment_requests(ctx.uow_factory(), principal.actor, INBOX_CAP)
    return render(
        request,
        "scheduler/requests.html",
        {"requests": found, "location_names": _location_names(), "insurers": config.insurers()},
    )


def _location_names() -> dict[str, str]:
    return {loc.code: loc.name for loc in config.locations()}


def _booking_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    wanted: AppointmentRequest,
    form: dict[str, str],
    errors: FormErrors | None = None,
) -> Response:
    matches: tuple[PatientSummary, ...] = ()
    query = form.get("query", "").strip()
    if query:
        try:
            matches = patients.search_patients(
                ctx.uow_factory(), query, principal.actor, limit=20
            ).items
        except ClinicError as exc:
            errors = errors or FormErrors()
            errors.add_clinic_error(exc, ("query",))
    return render(
        request,
        "scheduler/book.html",
        {
            "wanted": wanted,
            "form": form,
            "errors": errors,
            "matches": matches,
            "kinds": [(k, k.replace("_", " ").capitalize()) for k in VISIT_KINDS],
            "locations": location_choices(),
            "location_names": _location_names(),
        },
        status_code=422 if errors else 200,
    )


@router.get("/scheduler/requests/{request_id}")
def booking_form(
    request: Request, ctx: Context, principal: Scheduler, request_id: RequestId
) -> Response:
    """Book a visit for one request: find the patient, pick kind, time and place."""
    wanted = _open_request(ctx, principal, request_id)
    form = {"location_code": wanted.location_code or "", "kind": "evaluation"}
    return _booking_page(request, ctx, principal, wanted, form)


@router.post("/scheduler/requests/{request_id}")
async def book(
    request: Request, ctx: Context, principal: Scheduler, request_id: RequestId
) -> Response:
    """Search patients (``action=search``) or book the visit, closing the request."""
    wanted = _open_request(ctx, principal, request_id)
    data = await form_data(request)
    if data.get("action") == "search":
        return _booking_page(request, ctx, principal, wanted, data)
    parsed = validate(BookingForm, data)
    if isinstance(parsed, FormErrors):
        return _booking_page(request, ctx, principal, wanted, data, parsed)
    try:
        scheduling.schedule_visit(
            ctx.uow_factory(),
            ScheduleVisit(
                patient_id=parsed.patient_id,
                kind=parsed.kind,
                scheduled_at=datetime.combine(parsed.day, parsed.at, tzinfo=UTC),
                location_code=parsed.location_code,
                request_id=request_id,
            ),
            principal.actor,
        )
    except (ValidationFailed, NotFound, Conflict) as exc:
        errors = FormErrors()
        errors.add_clinic_error(exc, BOOKING_FIELDS, BOOKING_PATHS)
        return _booking_page(request, ctx, principal, wanted, data, errors)
    week = parsed.day - timedelta(days=parsed.day.weekday())
    return RedirectResponse(
        f"/scheduler/calendar?start={week.isoformat()}&location={parsed.location_code}",
        status_code=303,
    )


@router.get("/scheduler/calendar")
def calendar(
    request: Request,
    ctx: Context,
    principal: ScheduleReader,
    start: Annotated[Day | None, Query()] = None,
    location: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z0-9_-]*$")] = None,
) -> Response:
    """Visits of one week (Monday to Sunday), by location."""
    today = datetime.now(UTC).date()
    first = start or today - timedelta(days=today.weekday())
    begin = datetime.combine(first, time(0), tzinfo=UTC)
    visits = reads.visits_between(ctx.uow_factory(), principal.actor, begin, begin + timedelta(7))
    names = _location_names()
    shown = [v for v in visits if not location or v.location_code == location]
    people = patients.patient_summaries(
        ctx.uow_factory(), (v.patient_id for v in shown), principal.actor
    )
    days = [first + timedelta(days=i) for i in range(7)]
    by_day = {d: [v for v in shown if v.scheduled_at.astimezone(UTC).date() == d] for d in days}
    return render(
        request,
        "scheduler/calendar.html",
        {
            "days": days,
            "by_day": by_day,
            "people": people,
            "location_names": names,
            "location": location or "",
            "first": first,
            "previous": first - timedelta(days=7),
            "following": first + timedelta(days=7),
        },
    )
