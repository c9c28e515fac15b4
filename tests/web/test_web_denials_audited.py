"""Refused requests for clinical web pages are audited as the API's are (SQLite and
PostgreSQL): no login, a role without access, a record that is not there, a refused CSRF
token (the form may be forged or stale); refusals on public pages are not clinical."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.clinic_fixtures import Clinic, make_clinic
from tests.web.conftest import Web


@pytest.fixture
def clinic(web: Web) -> Clinic:
    return make_clinic(web)


def _denied(clinic: Clinic) -> list[Any]:
    with clinic.web.context.uow_factory() as uow:
        return [e for e in uow.audit.recent(50) if e.action == "access.denied"]


def test_refused_clinical_pages_are_audited_with_who_what_and_which_patient(
    clinic: Clinic,
) -> None:
    pid = clinic.patient_id
    anonymous = clinic.web.client()
    assert anonymous.get(f"/clinic/patients/{pid}").status_code == 303  # to the login page
    scheduler = clinic.client("sched.di")
    assert scheduler.get("/clinic/new-patient").status_code == 403
    nurse = clinic.client("nurse.cy")
    assert nurse.get(f"/clinic/patients/{pid}/program").status_code == 403  # physicians only
    assert nurse.get(f"/clinic/patients/{pid + 1000}").status_code == 404
    denied = _denied(clinic)
    assert [(e.actor_username, e.details["status"], e.patient_id) for e in denied] == [
        ("nurse.cy", 404, pid + 1000),
        ("nurse.cy", 403, pid),
        ("sched.di", 403, None),
        ("anonymous", 401, pid),
    ]
    assert denied[2].details["request"] == "GET /clinic/new-patient"


def test_a_refused_admin_page_is_audited(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    assert nurse.get("/admin/users").status_code == 403
    assert nurse.get("/admin/reference").status_code == 403
    denied = _denied(clinic)
    assert [(e.actor_username, e.details["status"], e.details["request"]) for e in denied] == [
        ("nurse.cy", 403, "GET /admin/reference"),
        ("nurse.cy", 403, "GET /admin/users"),
    ]


def test_public_pages_are_not_clinical_refusals_but_a_stale_form_token_is(clinic: Clinic) -> None:
    visitor = clinic.web.client()
    assert visitor.get("/no-such-page").status_code == 404
    assert _denied(clinic) == []
    nurse = clinic.client("nurse.cy")
    stale = nurse.submit("/clinic/new-patient", {"mrn": "X"}, with_token=False)
    assert stale.status_code == 403
    (refused,) = _denied(clinic)  # refused before the session is read: by its address
    assert (refused.actor_username, refused.details["status"]) == ("anonymous", 403)
    assert refused.details["request"] == "POST /clinic/new-patient"
    assert "did not come from this site" in refused.details["reason"]
    with clinic.web.context.uow_factory() as uow:
        assert uow.patients.by_mrn("X") is None  # nothing of the refused form is written


def test_a_refused_form_is_audited_with_its_messages(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    nurse.get("/clinic/new-patient")
    form = {"mrn": "", "given_name": "Ines", "family_name": "Moreau", "birth_date": "x"}
    assert nurse.submit("/clinic/new-patient", form).status_code == 422
    with clinic.web.context.uow_factory() as uow:
        (refused,) = [e for e in uow.audit.recent(50) if e.action == "request.refused"]
    assert (refused.actor_username, refused.details["status"]) == ("nurse.cy", 422)
    assert refused.details["request"] == "POST /clinic/new-patient"
    assert "mrn: This field is required." in refused.details["reason"]
    assert "birth_date: " in refused.details["reason"]
    assert _denied(clinic) == []
