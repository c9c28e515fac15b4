"""The patient portal over HTTP on SQLite and PostgreSQL, with the demo patient."""

from __future__ import annotations

import pytest

from intrathecal.clinic.demo import load_demo
from intrathecal.clinic.permissions import Role
from tests.web.conftest import Web, WebClient


@pytest.fixture
def demo(web: Web) -> Web:
    load_demo(web.context.uow_factory, web.context.auth)
    return web


def _patient(demo: Web) -> WebClient:
    visitor = demo.client()
    visitor.get("/login")
    response = visitor.submit(
        "/login", {"username": "patient.demo", "password": "demo-patient-pass"}
    )
    assert response.headers["location"] == "/portal"
    return visitor


def test_patient_sees_own_next_refill_date_and_the_read_is_audited(demo: Web) -> None:
    with demo.context.uow_factory() as uow:
        patient = uow.patients.by_mrn("DEMO-0004")
        assert patient is not None
        assert patient.id is not None
        status = uow.care_status.get(patient.id)
    assert status is not None
    assert status.refill_due is not None
    page = _patient(demo).get("/portal").text
    assert status.refill_due.strftime("%a %d %b %Y") in page
    assert "Nakamura" in page
    assert "no bolus records" in page
    with demo.context.uow_factory() as uow:
        reads = [e for e in uow.audit.recent(20) if e.actor_username == "patient.demo"]
    assert any(e.patient_id == patient.id and "chart" in e.action for e in reads)


def test_alarm_tones_and_warning_signs_come_from_the_data_file(demo: Web) -> None:
    from intrathecal.clinic.patient_guide import patient_guide

    page = _patient(demo).get("/portal/safety").text
    guide = patient_guide()
    for tone in guide.alarm_tones:
        assert tone.sound in page
    for group in guide.warning_signs:
        assert group.title in page
    assert "Not yet checked by the clinic (unverified)" in page


def test_patient_urls_carry_no_patient_data(demo: Web) -> None:
    visitor = _patient(demo)
    for path in ("/portal", "/portal/safety", "/portal/appointments"):
        assert visitor.get(path).status_code == 200


def test_staff_without_a_patient_record_get_no_portal(demo: Web) -> None:
    nurse = demo.logged_in(Role.NURSE)
    assert nurse.get("/portal").status_code == 404
    admin = demo.logged_in(Role.ADMIN)
    assert admin.get("/portal").status_code == 403
