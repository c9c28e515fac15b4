"""Scheduler and admin pages over HTTP on SQLite and PostgreSQL: jobs done through the use
cases, role refusals, CSRF refusals, and failed submits that keep what was typed."""

from __future__ import annotations

from datetime import date

from intrathecal.clinic import patients
from intrathecal.clinic.commands import RegisterPatient
from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import Actor
from tests.web.conftest import PASSWORD, Web, WebClient


def _patient(web: Web) -> int:
    doctor_id = web.user("dr.register", Role.PHYSICIAN)
    doctor = Actor(doctor_id, "dr.register", "physician")
    stored = patients.register_patient(
        web.context.uow_factory(),
        RegisterPatient(
            mrn="WEB-0001",
            given_name="Alex",
            family_name="Rivera",
            birth_date=date(1971, 3, 14),
            sex="unknown",
            location_code="main",
        ),
        doctor,
    )
    assert stored.id is not None
    return stored.id


def _public_request(web: Web, name: str = "Alex Rivera") -> int:
    visitor = web.client()
    visitor.get("/request-appointment")
    response = visitor.submit(
        "/request-appointment",
        {"name": name, "contact": "555-010-2030", "reason": "pain", "location_code": "main"},
    )
    assert response.status_code == 303
    with web.context.uow_factory() as uow:
        found = [r for r in uow.appointment_requests.open(50) if r.name == name]
    assert found[0].id is not None
    return found[0].id


def _audit_actions(web: Web) -> list[str]:
    with web.context.uow_factory() as uow:
        return [entry.action for entry in uow.audit.recent(500)]


def test_scheduler_books_a_public_request_and_it_leaves_the_inbox(web: Web) -> None:
    patient_id = _patient(web)
    request_id = _public_request(web)
    scheduler = web.logged_in(Role.SCHEDULER)
    inbox = scheduler.get("/scheduler/requests")
    assert "Alex Rivera" in inbox.text
    assert "pain" not in inbox.text.split("<main")[1]  # no clinical text for schedulers
    scheduler.get(f"/scheduler/requests/{request_id}")
    found = scheduler.submit(
        f"/scheduler/requests/{request_id}", {"action": "search", "query": "Rivera"}
    )
    assert f'value="{patient_id}"' in found.text
    booked = scheduler.submit(
        f"/scheduler/requests/{request_id}",
        {
            "action": "book",
            "patient_id": str(patient_id),
            "kind": "evaluation",
            "day": "2030-01-07",
            "at": "10:30",
            "location_code": "main",
            "query": "Rivera",
        },
    )
    assert booked.status_code == 303
    assert booked.headers["location"] == "/scheduler/calendar?start=2030-01-07&location=main"
    calendar = scheduler.get(booked.headers["location"])
    assert "Rivera, Alex" in calendar.text
    assert "Alex Rivera" not in scheduler.get("/scheduler/requests").text
    actions = _audit_actions(web)
    assert "visit.scheduled" in actions
    assert "visits.listed" in actions
    assert "appointment.listed" in actions


def test_failed_booking_keeps_the_search_and_names_the_missing_fields(web: Web) -> None:
    _patient(web)
    request_id = _public_request(web)
    scheduler = web.logged_in(Role.SCHEDULER)
    scheduler.get(f"/scheduler/requests/{request_id}")
    response = scheduler.submit(
        f"/scheduler/requests/{request_id}",
        {"action": "book", "query": "Rivera", "kind": "evaluation", "at": "10:30"},
    )
    assert response.status_code == 422
    assert 'value="Rivera"' in response.text
    assert 'value="10:30"' in response.text
    assert 'id="e-day"' in response.text
    assert 'id="e-patient_id"' in response.text
    with web.context.uow_factory() as uow:
        assert uow.appointment_requests.get(request_id).status == "new"


def test_booking_without_the_csrf_token_is_refused(web: Web) -> None:
    patient_id = _patient(web)
    request_id = _public_request(web)
    scheduler = web.logged_in(Role.SCHEDULER)
    response = scheduler.submit(
        f"/scheduler/requests/{request_id}",
        {"action": "book", "patient_id": str(patient_id), "kind": "evaluation",
         "day": "2030-01-07", "at": "10:30", "location_code": "main"},
        with_token=False,
    )  # fmt: skip
    assert response.status_code == 403
    with web.context.uow_factory() as uow:
        assert uow.appointment_requests.get(request_id).status == "new"


def test_staff_pages_refuse_other_roles_and_send_visitors_to_login(web: Web) -> None:
    anonymous = web.client()
    redirect = anonymous.get("/scheduler/requests")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/login?next=/scheduler/requests"
    admin = web.logged_in(Role.ADMIN)
    refused = admin.get("/scheduler/requests")
    assert refused.status_code == 403
    assert "You cannot open this page" in refused.text
    scheduler = web.logged_in(Role.SCHEDULER)
    for path in ("/admin/users", "/admin/audit", "/admin/reference", "/portal"):
        assert scheduler.get(path).status_code == 403, path


def test_admin_creates_a_login_and_errors_keep_input_but_not_the_password(web: Web) -> None:
    admin = web.logged_in(Role.ADMIN)
    admin.get("/admin/users")
    created = admin.submit(
        "/admin/users",
        {"username": "nurse.new", "display_name": "New Nurse", "role": "nurse",
         "password": PASSWORD},
    )  # fmt: skip
    assert created.status_code == 303
    again = admin.submit(
        "/admin/users",
        {"username": "nurse.new", "display_name": "Copy", "role": "nurse",
         "password": "secret-not-echoed"},
    )  # fmt: skip
    assert again.status_code == 422
    assert 'id="e-username"' in again.text
    assert 'value="Copy"' in again.text
    assert "secret-not-echoed" not in again.text
    missing_role = admin.submit("/admin/users", {"username": "x.y", "password": PASSWORD})
    assert 'id="e-role"' in missing_role.text
    assert "user.created" in _audit_actions(web)


def test_admin_disables_a_login_and_that_user_can_no_longer_log_in(web: Web) -> None:
    user_id = web.user("sched.off", Role.SCHEDULER)
    admin = web.logged_in(Role.ADMIN)
    admin.get("/admin/users")
    assert admin.submit(f"/admin/users/{user_id}/active", {"active": "false"}).status_code == 303
    visitor = web.client()
    visitor.get("/login")
    refused = visitor.submit("/login", {"username": "sched.off", "password": PASSWORD})
    assert refused.status_code == 422
    admin.get("/admin/users")
    assert admin.submit(f"/admin/users/{user_id}/active", {"active": "true"}).status_code == 303
    WebClient.login(web.client(), "sched.off")


def test_admin_changes_a_staff_role_but_not_their_own(web: Web) -> None:
    user_id = web.user("staff.move", Role.SCHEDULER)
    admin = web.logged_in(Role.ADMIN)
    admin.get("/admin/users")
    assert admin.submit(f"/admin/users/{user_id}/role", {"role": "nurse"}).status_code == 303
    with web.context.uow_factory() as uow:
        assert uow.users.get(user_id).role == "nurse"
        own_id = uow.users.by_username("admin-web-0").id
    refused = admin.submit(f"/admin/users/{own_id}/role", {"role": "nurse"})
    assert refused.status_code == 422
    assert "cannot change your own role" in refused.text
    assert "user.role_changed" in _audit_actions(web)


def test_admin_verifies_the_audit_chain_and_the_check_is_audited(web: Web) -> None:
    admin = web.logged_in(Role.ADMIN)
    admin.get("/admin/audit")
    result = admin.submit("/admin/audit/verify", {})
    assert result.status_code == 200
    assert "The audit chain is intact" in result.text
    assert "audit.verified" in _audit_actions(web)


def test_reference_page_labels_unverified_defaults(web: Web) -> None:
    admin = web.logged_in(Role.ADMIN)
    page = admin.get("/admin/reference").text
    assert "Morphine" in page
    assert "(unverified default)" in page
