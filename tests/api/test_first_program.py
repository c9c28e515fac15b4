"""GET /patients/{id}/first-program: the proposal from the successful trial, an audited read."""

from __future__ import annotations

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import audit_count, create_patient, evaluation_body, implanted_patient


def test_the_first_program_is_proposed_checked_and_audited(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    before = audit_count(doc)
    response = doc.get(f"/api/v1/patients/{pid}/first-program")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["drug"] == "morphine"
    assert body["daily_dose"] == "0.2 mg/day"  # the 0.2 mg trial bolus, in the naive range
    assert body["verdict"] == "ok"
    assert body["program"]["solution"][0]["drug"] == "morphine"
    unverified = {p["part"] for p in body["provenance"] if p["unverified"]}
    assert "daily dose" in unverified
    assert any("Infumorph label" in p["attribution"] for p in body["provenance"])
    assert "nothing has been programmed" in body["note"]
    assert audit_count(doc) == before + 1
    assert doc.get(f"/api/v1/patients/{pid}/prescriptions").json()["total"] == 0
    stronger = doc.get(f"/api/v1/patients/{pid}/first-program", params={"strength": "2 mcg/mL"})
    assert stronger.json()["verdict"] == "refused"


def test_no_successful_trial_or_bad_input_is_a_clear_problem(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    doc.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body())
    none = doc.get(f"/api/v1/patients/{pid}/first-program")
    assert none.status_code == 422
    assert "successful trial" in none.json()["detail"]
    implanted = implanted_patient(doc, mrn="MRN-3002")
    unitless = doc.get(f"/api/v1/patients/{implanted}/first-program", params={"strength": "10"})
    assert unitless.status_code == 422
    missing = doc.get(f"/api/v1/patients/{implanted}/first-program", params={"trial_id": 999})
    assert missing.status_code == 404


def test_only_programmers_see_the_proposal(api: Api) -> None:
    pid = implanted_patient(api.as_role(Role.PHYSICIAN))
    nurse = api.as_role(Role.NURSE)
    assert nurse.get(f"/api/v1/patients/{pid}/first-program").status_code == 403
