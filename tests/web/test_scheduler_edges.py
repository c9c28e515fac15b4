"""Scheduler pages under odd input: calendar weeks at the ends of the calendar and bookings
in the past or beyond the supported dates are a clear 422, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.clinic.permissions import Role
from tests.web.conftest import Web
from tests.web.test_staff_views import _patient, _public_request


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"])
def test_calendar_week_outside_the_supported_dates_is_a_422_page(web: Web, start: str) -> None:
    scheduler = web.logged_in(Role.SCHEDULER)
    response = scheduler.get(f"/scheduler/calendar?start={start}")
    assert response.status_code == 422
    assert "This address is not valid" in response.text


def test_calendar_weeks_at_the_supported_ends_render(web: Web) -> None:
    scheduler = web.logged_in(Role.SCHEDULER)
    assert scheduler.get("/scheduler/calendar?start=1900-01-01").status_code == 200
    assert scheduler.get("/scheduler/calendar?start=2200-12-31").status_code == 200


def _book(web: Web, day: str) -> tuple[int, object]:
    patient_id = _patient(web)
    request_id = _public_request(web)
    scheduler = web.logged_in(Role.SCHEDULER)
    scheduler.get(f"/scheduler/requests/{request_id}")
    response = scheduler.submit(
        f"/scheduler/requests/{request_id}",
        {
            "action": "book",
            "patient_id": str(patient_id),
            "kind": "evaluation",
            "day": day,
            "at": "10:30",
            "location_code": "main",
            "query": "Rivera",
        },
    )
    return patient_id, response


@pytest.mark.parametrize("day", ["2020-01-01", "9999-12-31"])
def test_booking_in_the_past_or_beyond_the_calendar_is_refused_on_the_form(
    web: Web, day: str
) -> None:
    patient_id, response = _book(web, day)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert 'id="e-day"' in response.text  # type: ignore[attr-defined]
    if day < datetime.now(UTC).date().isoformat():  # the use case's rule, at the date field
        assert f"{day} has passed: book today or later" in response.text  # type: ignore[attr-defined]
    with web.context.uow_factory() as uow:
        assert list(uow.visits.for_patient(patient_id)) == []


def test_booking_today_is_accepted(web: Web) -> None:
    today = (datetime.now(UTC) + timedelta(hours=1)).date().isoformat()
    _, response = _book(web, today)
    assert response.status_code == 303  # type: ignore[attr-defined]


def test_booking_a_request_twice_says_it_was_already_booked(web: Web) -> None:
    patient_id = _patient(web)
    request_id = _public_request(web)
    scheduler = web.logged_in(Role.SCHEDULER)
    scheduler.get(f"/scheduler/requests/{request_id}")
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    form = {"action": "book", "patient_id": str(patient_id), "kind": "evaluation",
            "day": day, "at": "10:30", "location_code": "main", "query": "Rivera"}  # fmt: skip
    assert scheduler.submit(f"/scheduler/requests/{request_id}", form).status_code == 303
    again = scheduler.submit(f"/scheduler/requests/{request_id}", form)
    assert again.status_code == 409
    assert f"appointment request {request_id} is already scheduled" in again.text
    with web.context.uow_factory() as uow:
        assert len(uow.visits.for_patient(patient_id)) == 1
    assert scheduler.get("/scheduler/requests/999999").status_code == 404
