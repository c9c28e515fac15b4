"""Appointments: the public request form (no login) and the scheduler's views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query, Request, status

from intrathecal.api.deps import ClientIp, Context, Uow, requires
from intrathecal.api.fields import RecordId
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.care import (
    AppointmentRequestIn,
    AppointmentRequestOut,
    AppointmentRequestReceipt,
    VisitComplete,
    VisitIn,
    VisitOut,
)
from intrathecal.clinic import reads, scheduling
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.commands import CompleteVisit, RequestAppointment
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import Action
from intrathecal.clinic.records import Actor

router = api_router(tags=["appointments"])

Paging = Annotated[PageParams, Depends(page_params)]
Scheduler = Annotated[Principal, Depends(requires(Action.VISIT_SCHEDULE))]
ScheduleReader = Annotated[Principal, Depends(requires(Action.APPOINTMENT_LIST))]
#: Open requests shown to the scheduler at most (then paged).
OPEN_REQUEST_CAP = 500
#: Longest window one schedule query may span.
MAX_WINDOW = timedelta(days=92)


@router.post(
    "/appointment-requests",
    response_model=AppointmentRequestReceipt,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 422, 429),
)
def request_appointment(
    body: AppointmentRequestIn, work: Uow, ip: ClientIp, ctx: Context
) -> AppointmentRequestReceipt:
    """Ask for an appointment (public, no login; limited per address); the clinic calls back."""
    stored = scheduling.request_appointment(
        work,
        RequestAppointment(
            name=body.name,
            contact=body.contact,
            reason=body.reason,
            location_code=body.location_code,
            insurer=body.insurer,
        ),
        Actor.public(ip),
        ctx.throttle,
    )
    assert stored.id is not None
    return AppointmentRequestReceipt(
        id=stored.id, status=stored.status, created_at=stored.created_at
    )


@router.get(
    "/appointment-requests",
    response_model=Page[AppointmentRequestOut],
    responses=problem_responses(401, 403, 422),
)
def list_requests(
    request: Request, work: Uow, principal: ScheduleReader, page: Paging
) -> Page[AppointmentRequestOut]:
    """Open requests from the public form, oldest first."""
    found = scheduling.list_appointment_requests(work, principal.actor, limit=OPEN_REQUEST_CAP)
    return slice_page(request, [AppointmentRequestOut.of(r) for r in found], page)


@router.post(
    "/visits",
    response_model=VisitOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def schedule_visit(body: VisitIn, work: Uow, principal: Scheduler) -> VisitOut:
    """Book a visit (closing the public request it answers, if named)."""
    visit = scheduling.schedule_visit(
        work,
        body.command(),
        principal.actor,
    )
    return VisitOut.of(visit)


@router.get("/visits", response_model=Page[VisitOut], responses=problem_responses(401, 403, 422))
def list_visits(
    request: Request,
    work: Uow,
    principal: ScheduleReader,
    page: Paging,
    start: Annotated[
        datetime | None, Query(alias="from", description="Start (default: now).")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="End (default: +14 days).")
    ] = None,
) -> Page[VisitOut]:
    """The schedule in a window of at most 92 days."""
    begin = _aware(start, "from") if start else datetime.now(UTC)
    finish = _aware(end, "to") if end else begin + timedelta(days=14)
    if finish <= begin or finish - begin > MAX_WINDOW:
        raise ValidationFailed("to: must be after 'from' and at most 92 days later")
    found = reads.visits_between(work, principal.actor, begin, finish)
    return slice_page(request, [VisitOut.of(v) for v in found], page)


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise ValidationFailed(f"{field}: needs a timezone (e.g. 2026-11-26T09:00Z)")
    if not datetime(1900, 1, 2, tzinfo=UTC) < moment < datetime(9999, 1, 1, tzinfo=UTC):
        raise ValidationFailed(f"{field}: out of range")
    return moment.astimezone(UTC)


@router.post(
    "/visits/{visit_id}/complete",
    response_model=VisitOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def complete_visit(
    visit_id: RecordId,
    body: VisitComplete,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.VISIT_COMPLETE))],
) -> VisitOut:
    """Mark a visit done (clinicians); wound checks and reviews update the worklist."""
    visit = scheduling.complete_visit(
        work, CompleteVisit(visit_id=visit_id, notes=body.notes), principal.actor
    )
    return VisitOut.of(visit)
