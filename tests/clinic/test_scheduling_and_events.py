"""Appointment requests, visits and adverse events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from intrathecal.clinic.commands import (
    CompleteVisit,
    RecordAdverseEvent,
    RequestAppointment,
    ScheduleVisit,
)
from intrathecal.clinic.errors import Conflict, PermissionDenied, ValidationFailed
from intrathecal.clinic.events import CATEGORIES, record_adverse_event
from intrathecal.clinic.records import Actor
from intrathecal.clinic.scheduling import (
    complete_visit,
    list_appointment_requests,
    record_visit,
    request_appointment,
    schedule_visit,
)
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.builders import implanted, register
from tests.clinic.conftest import Staff


def test_public_request_then_scheduled_visit_closes_it(uow: UnitOfWork, staff: Staff) -> None:
    request = request_appointment(
        uow,
        RequestAppointment(
            "Ann Lee", "555-0100", "back pain after surgery", "north", "UMR United Healthcare"
        ),
        Actor.public("203.0.113.9"),
    )
    assert request.insurer == "umr"
    assert [r.id for r in list_appointment_requests(uow, staff.scheduler)] == [request.id]
    patient = register(uow, staff)
    visit = schedule_visit(
        uow,
        ScheduleVisit(
            patient.id or 0,
            "evaluation",
            datetime.now(UTC) + timedelta(days=3),
            "north",
            staff.physician.user_id,
            request_id=request.id,
        ),
        staff.scheduler,
    )
    assert visit.kind == "evaluation"
    assert visit.location_code == "north"
    assert list_appointment_requests(uow, staff.scheduler) == []


def test_request_with_unaccepted_insurer_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(ValidationFailed, match="accepted"):
        request_appointment(
            uow, RequestAppointment("A", "a@b.c", "pain", None, "Nowhere Mutual"), Actor.public()
        )


def test_public_visitor_cannot_list_requests(uow: UnitOfWork) -> None:
    with pytest.raises(PermissionDenied):
        list_appointment_requests(uow, Actor.public())


def test_completed_wound_check_clears_worklist_item(uow: UnitOfWork, staff: Staff) -> None:
    pid = implanted(uow, staff).id or 0
    visit = schedule_visit(
        uow, ScheduleVisit(pid, "wound_check", datetime.now(UTC), "main"), staff.scheduler
    )
    complete_visit(uow, CompleteVisit(visit.id or 0, "healing well"), staff.nurse)
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.wound_check_due is None
    with pytest.raises(Conflict):
        complete_visit(uow, CompleteVisit(visit.id or 0), staff.nurse)


def test_a_booking_for_a_day_that_has_passed_is_refused_and_stores_nothing(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = register(uow, staff).id or 0
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(microseconds=1)
    with pytest.raises(ValidationFailed, match=r"scheduled_at: .* has passed"):
        schedule_visit(uow, ScheduleVisit(pid, "refill", yesterday, "main"), staff.scheduler)
    with pytest.raises(PermissionDenied):  # who may book is checked before what is booked
        schedule_visit(
            uow, ScheduleVisit(pid, "refill", yesterday, "main"), Actor(9, "p", "patient", pid)
        )
    with uow:
        assert uow.visits.for_patient(pid) == []
    booked = schedule_visit(uow, ScheduleVisit(pid, "refill", today, "main"), staff.scheduler)
    assert booked.scheduled_at == today


def test_a_past_visit_is_recorded_not_booked(uow: UnitOfWork, staff: Staff) -> None:
    pid = register(uow, staff).id or 0
    at = datetime(2024, 3, 5, 14, tzinfo=UTC)
    recorded = record_visit(uow, ScheduleVisit(pid, "evaluation", at, "main"), staff.nurse)
    with uow:
        assert uow.visits.for_patient(pid) == [recorded]
    assert recorded.scheduled_at == at
    with pytest.raises(PermissionDenied):
        record_visit(uow, ScheduleVisit(pid, "evaluation", at), Actor(9, "p", "patient", pid))


def test_unknown_visit_kind_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    pid = register(uow, staff).id or 0
    with pytest.raises(ValidationFailed, match="kind"):
        schedule_visit(uow, ScheduleVisit(pid, "massage", datetime.now(UTC)), staff.scheduler)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_seed_risk_can_be_recorded(category: str) -> None:
    from intrathecal.clinic.records import Patient
    from tests.support.memory import InMemoryUnitOfWork

    uow = InMemoryUnitOfWork()
    with uow:
        pid = uow.patients.add(
            Patient(None, "M", "A", "B", date(1950, 1, 1), "male", datetime.now(UTC))
        ).id
        uow.commit()
    event = record_adverse_event(
        uow,
        RecordAdverseEvent(pid or 0, category, "moderate", date(2026, 1, 5), "noted at refill"),
        Actor(1, "dr", "physician"),
    )
    assert event.category == category


def test_adverse_event_outside_the_risk_list_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    pid = register(uow, staff).id or 0
    with pytest.raises(ValidationFailed, match="category"):
        record_adverse_event(
            uow,
            RecordAdverseEvent(pid, "sunburn", "mild", date(2026, 1, 5), "x"),
            staff.physician,
        )
    event = record_adverse_event(
        uow,
        RecordAdverseEvent(pid, "granuloma", "severe", date(2026, 1, 5), "MRI mass at tip"),
        staff.physician,
    )
    with uow:
        assert uow.adverse_events.for_patient(pid) == [event]


@pytest.mark.parametrize(
    ("notes", "says"), [("healed\x00", "control characters"), ("x" * 4001, "at most 4000")]
)
def test_visit_notes_with_control_characters_or_too_long_are_refused(
    uow: UnitOfWork, staff: Staff, notes: str, says: str
) -> None:
    pid = implanted(uow, staff).id or 0
    visit = schedule_visit(
        uow, ScheduleVisit(pid, "wound_check", datetime.now(UTC), "main"), staff.scheduler
    )
    with pytest.raises(ValidationFailed, match=says):
        complete_visit(uow, CompleteVisit(visit.id or 0, notes), staff.nurse)
    with uow:
        assert uow.visits.get(visit.id or 0).status == "scheduled"


def test_a_visit_booked_with_a_nul_in_its_notes_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    pid = register(uow, staff).id or 0
    with pytest.raises(ValidationFailed, match="control characters"):
        schedule_visit(
            uow,
            ScheduleVisit(pid, "refill", datetime.now(UTC), "main", notes="a\x00"),
            staff.scheduler,
        )
    with uow:
        assert uow.visits.for_patient(pid) == []


def test_a_visit_beyond_the_clinic_calendar_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    """A referral's ServiceRequest dated 9999-12-31 became a visit no calendar week could show."""
    pid = register(uow, staff).id or 0
    with pytest.raises(ValidationFailed, match=r"outside 1900-01-01\.\.2200-12-31"):
        schedule_visit(
            uow, ScheduleVisit(pid, "evaluation", datetime(9999, 12, 31, tzinfo=UTC)), staff.nurse
        )
    with uow:
        assert uow.visits.for_patient(pid) == []
