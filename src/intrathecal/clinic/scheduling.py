"""Appointments: public requests, scheduled visits by type and location, completion."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from intrathecal.clinic import care, config
from intrathecal.clinic import validation as v
from intrathecal.clinic.auth_ratelimit import Throttle
from intrathecal.clinic.commands import CompleteVisit, RequestAppointment, ScheduleVisit
from intrathecal.clinic.errors import Conflict, ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, AppointmentRequest, Visit
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import VISIT_KINDS


def request_appointment(
    uow: UnitOfWork, cmd: RequestAppointment, actor: Actor, throttle: Throttle | None = None
) -> AppointmentRequest:
    """Store a request from the public form (insurer must be on the accepted list).

    Entry points open to the public pass ``throttle``: requests per client address are
    limited (``LoginThrottled`` past the limit), counted in the database.
    """
    require(actor, "appointment.request")
    insurer = None
    if cmd.insurer:
        insurer = config.insurer_key(cmd.insurer)
        if insurer is None:
            accepted = ", ".join(i.name for i in config.insurers().values())
            raise ValidationFailed(
                f"insurer: {cmd.insurer!r} is not accepted; accepted: {accepted}"
            )
    with uow:
        if throttle is not None:
            throttle.appointment_request(uow, actor.ip or "unknown")
        stored = uow.appointment_requests.add(
            AppointmentRequest(
                id=None,
                name=v.text(cmd.name, "name"),
                contact=v.text(cmd.contact, "contact"),
                location_code=v.location(uow, cmd.location_code),
                insurer=insurer,
                reason=v.text(cmd.reason, "reason", 2000),
                created_at=datetime.now(UTC),
            )
        )
        uow.audit.append(actor, "appointment.requested", None, {"request_id": stored.id})
        uow.commit()
    return stored


def list_appointment_requests(
    uow: UnitOfWork, actor: Actor, limit: int = 100
) -> list[AppointmentRequest]:
    """Open requests, oldest first (audited: they hold personal contact details)."""
    require(actor, "appointment.list")
    with uow.for_reads():
        found = uow.appointment_requests.open(limit)
        uow.audit.append_read(actor, "appointment.listed", None, {"ids": [r.id for r in found]})
        uow.commit()
    return found


def open_appointment_request(uow: UnitOfWork, actor: Actor, request_id: int) -> AppointmentRequest:
    """One request still waiting to be booked (audited); ``Conflict`` names what became of
    one that was already answered (a second click on "Book"), ``NotFound`` otherwise."""
    require(actor, "appointment.list")
    with uow.for_reads():
        found = uow.appointment_requests.get(request_id)
        uow.audit.append_read(actor, "appointment.read", None, {"id": request_id})
        uow.commit()
    if found.status != "new":
        raise Conflict(f"appointment request {request_id} is already {found.status}")
    return found


def schedule_visit(uow: UnitOfWork, cmd: ScheduleVisit, actor: Actor) -> Visit:
    """Book a visit for today or later; when it answers a public request, that request is
    closed."""
    require(actor, "visit.schedule", cmd.patient_id)
    v.not_past_day(v.aware(cmd.scheduled_at, "scheduled_at").date(), "scheduled_at")
    return _add_visit(uow, cmd, actor)


def record_visit(uow: UnitOfWork, cmd: ScheduleVisit, actor: Actor) -> Visit:
    """Enter a visit at any time in the calendar, past ones included (visits from a
    referral document or the clinic's history); bookings go through ``schedule_visit``."""
    require(actor, "visit.schedule", cmd.patient_id)
    return _add_visit(uow, cmd, actor)


def _add_visit(uow: UnitOfWork, cmd: ScheduleVisit, actor: Actor) -> Visit:
    v.one_of(cmd.kind, VISIT_KINDS, "kind")
    at = v.in_calendar(v.aware(cmd.scheduled_at, "scheduled_at"), "scheduled_at")
    notes = v.text(cmd.notes, "notes", max_len=4000, required=False)
    with uow:
        uow.patients.lock(cmd.patient_id)
        if cmd.clinician_id is not None:
            clinician = uow.users.get(cmd.clinician_id)
            if clinician.role not in ("physician", "nurse") or not clinician.active:
                raise ValidationFailed("clinician_id: must be an active physician or nurse")
        stored = uow.visits.add(
            Visit(
                id=None,
                patient_id=cmd.patient_id,
                kind=cmd.kind,
                location_code=v.location(uow, cmd.location_code),
                scheduled_at=at,
                clinician_id=cmd.clinician_id,
                notes=notes,
            )
        )
        if cmd.request_id is not None:
            request = uow.appointment_requests.get(cmd.request_id)
            if request.status != "new":
                raise Conflict(f"appointment request {cmd.request_id} is already {request.status}")
            uow.appointment_requests.update(replace(request, status="scheduled"))
        uow.audit.append(
            actor,
            "visit.scheduled",
            cmd.patient_id,
            {"visit_id": stored.id, "kind": stored.kind, "at": at.isoformat()},
        )
        uow.commit()
    return stored


def complete_visit(uow: UnitOfWork, cmd: CompleteVisit, actor: Actor) -> Visit:
    """Mark a visit done; wound checks and endocrine reviews update the worklist."""
    notes = v.text(cmd.notes, "notes", max_len=4000, required=False)
    with uow:
        visit = uow.visits.get(cmd.visit_id)
        require(actor, "visit.complete", visit.patient_id)
        uow.patients.lock(visit.patient_id)
        visit = uow.visits.get(cmd.visit_id)  # as it is now that no one else can change it
        if visit.status != "scheduled":
            raise Conflict(f"visit {cmd.visit_id} is already {visit.status}")
        done = replace(visit, status="completed", notes=(visit.notes + "\n" + notes).strip())
        uow.visits.update(done)
        status = uow.care_status.get(visit.patient_id)
        if status is not None:
            day = min(visit.scheduled_at, datetime.now(UTC)).date()
            uow.care_status.put(care.after_visit(status, visit.kind, day, config.settings()))
        uow.audit.append(
            actor, "visit.completed", visit.patient_id, {"visit_id": visit.id, "kind": visit.kind}
        )
        uow.commit()
    return done
