"""Registering a patient in the web (SQLite and PostgreSQL): the form stores demographics,
the primary diagnosis and a coverage through the use case and opens the chart; a wrong
input shows its error next to the field, keeps what was typed and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.web.clinic_fixtures import Clinic, make_clinic
from tests.web.conftest import Web

FORM = {
    "mrn": "REG-7",
    "given_name": "Ines",
    "family_name": "Moreau",
    "birth_date": "1968-04-02",
    "sex": "female",
    "phone": "555-0199",
    "email": "",
    "location_code": "",
    "diagnosis_code": "m96.1",
    "diagnosis_description": "",
    "insurer": "medicare",
    "member_id": "MCR-555-01",
    "group_number": "",
}


@pytest.fixture
def clinic(web: Web) -> Clinic:
    return make_clinic(web)


def _patients_named(clinic: Clinic, mrn: str) -> int:
    with clinic.web.context.uow_factory() as uow:
        return 0 if uow.patients.by_mrn(mrn) is None else 1


def test_a_nurse_registers_a_patient_and_lands_on_the_chart(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    assert 'href="/clinic/new-patient"' in nurse.get("/clinic/patients").text
    assert nurse.get("/clinic/new-patient").status_code == 200
    done = nurse.submit("/clinic/new-patient", FORM)
    assert done.status_code == 303, done.text
    chart = nurse.get(done.headers["location"])
    assert chart.status_code == 200
    assert "Moreau" in chart.text
    with clinic.web.context.uow_factory() as uow:
        stored = uow.patients.by_mrn("REG-7")
        actions = [e.action for e in uow.audit.for_patient(stored.id, 10)] if stored else []
    assert stored is not None
    assert [(d.code, d.primary) for d in stored.diagnoses] == [("M96.1", True)]
    assert stored.diagnoses[0].description  # filled in from the code set
    assert [(c.insurer, c.member_id) for c in stored.coverage] == [("medicare", "MCR-555-01")]
    assert "patient.registered" in actions


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mrn": ""}, "mrn", "required"),
        ({"birth_date": "02/04/1968"}, "birth_date", "date"),
        ({"sex": "robot"}, "sex", ""),
        ({"diagnosis_code": "Z99.999"}, "diagnosis_code", ""),
        ({"diagnosis_description": "broken leg"}, "diagnosis_description", "contradicts"),
        ({"insurer": "acme"}, "insurer", "not accepted"),
        ({"member_id": ""}, "member_id", ""),
    ],
)
def test_a_wrong_input_is_shown_at_its_field_and_nothing_is_stored(
    clinic: Clinic, changes: dict[str, str], field: str, message: str
) -> None:
    nurse = clinic.client("nurse.cy")
    nurse.get("/clinic/new-patient")
    refused = nurse.submit("/clinic/new-patient", {**FORM, **changes})
    assert refused.status_code == 422
    assert f'id="e-{field}"' in refused.text
    assert message in refused.text
    assert 'value="Moreau"' in refused.text  # what was typed stays
    assert _patients_named(clinic, "REG-7") == 0


def test_a_birth_date_in_the_future_and_a_taken_mrn_are_refused(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    nurse.get("/clinic/new-patient")
    tomorrow = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    future = nurse.submit("/clinic/new-patient", {**FORM, "birth_date": tomorrow})
    assert future.status_code == 422
    assert "lies in the future" in future.text
    assert _patients_named(clinic, "REG-7") == 0
    taken = nurse.submit("/clinic/new-patient", {**FORM, "mrn": "WEB-1"})
    assert taken.status_code == 422
    assert 'id="e-mrn"' in taken.text
    assert "already exists" in taken.text


def test_only_clinical_staff_may_register(clinic: Clinic) -> None:
    scheduler = clinic.client("sched.di")
    assert 'href="/clinic/new-patient"' not in scheduler.get("/clinic/patients").text
    assert scheduler.get("/clinic/new-patient").status_code == 403
    scheduler.get("/clinic/patients")
    refused = scheduler.submit("/clinic/new-patient", FORM)
    assert refused.status_code == 403
    assert _patients_named(clinic, "REG-7") == 0
