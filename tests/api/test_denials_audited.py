"""Refused requests on clinical routes are audited in their own transaction, and nothing
else of the refused request is written."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import create_patient, implanted_patient, patient_body, program_body


def _entries(api: Api) -> list[Any]:
    with api.app.state.context.uow_factory() as uow:
        return uow.audit.recent(50)


def test_anonymous_403_and_404_on_patient_data_are_audited(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    anonymous = TestClient(api.app)
    assert anonymous.get(f"/api/v1/patients/{pid}").status_code == 401
    scheduler = api.as_role(Role.SCHEDULER)
    assert scheduler.get(f"/api/v1/patients/{pid}/refills").status_code == 403
    patient = api.as_role(Role.PATIENT, patient_id=pid)
    assert patient.get(f"/api/v1/patients/{pid + 1}").status_code == 404
    denied = [e for e in _entries(api) if e.action == "access.denied"]
    assert [(e.actor_username, e.details["status"], e.patient_id) for e in denied] == [
        (f"patient-{pid}", 404, pid + 1),
        ("scheduler-0", 403, pid),
        ("anonymous", 401, pid),
    ]
    assert denied[1].details["request"] == f"GET /api/v1/patients/{pid}/refills"


def test_a_refused_program_is_audited_with_the_program_and_findings_and_stores_nothing(
    api: Api,
) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    too_much = program_body(concentration="20 mg/mL", rate="1 mL/day")
    answer = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=too_much)
    assert answer.status_code == 422
    assert doc.get(f"/api/v1/patients/{pid}/prescriptions").json()["total"] == 0
    newest = _entries(api)
    refused = [e for e in newest if e.action == "prescription.refused"]
    assert len(refused) == 1
    assert refused[0].actor_username == "physician-0"
    assert "[hard] max_daily_dose" in refused[0].details["findings"]
    assert refused[0].details["program"]["solution"][0]["concentration"] == "20 mg/mL"
    (request,) = _refused(api)  # the request's refusal too, as every refused request's
    assert (request.details["status"], request.patient_id) == (422, pid)
    assert request.details["reason"] == answer.json()["detail"][:300]


def test_own_account_and_reference_reads_are_not_audited_as_refusals(api: Api) -> None:
    anonymous = TestClient(api.app)
    assert anonymous.get("/api/v1/auth/me").status_code == 401
    assert anonymous.get("/api/v1/drugs/unobtainium").status_code in (401, 404)
    assert [e for e in _entries(api) if e.action == "access.denied"] == []


def test_refusals_to_manage_logins_and_tokens_are_audited(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    assert nurse.get("/api/v1/users").status_code == 403
    assert nurse.patch("/api/v1/users/1", json={"role": "admin"}).status_code == 403
    assert TestClient(api.app).post("/api/v1/auth/tokens", json={}).status_code == 401
    denied = [e for e in _entries(api) if e.action == "access.denied"]
    assert [(e.actor_username, e.details["status"], e.details["request"]) for e in denied] == [
        ("anonymous", 401, "POST /api/v1/auth/tokens"),
        ("nurse-0", 403, "PATCH /api/v1/users/1"),
        ("nurse-0", 403, "GET /api/v1/users"),
    ]


def _refused(api: Api) -> list[Any]:
    return [e for e in _entries(api) if e.action == "request.refused"]


def test_invalid_input_and_a_conflict_on_clinical_routes_are_audited_with_the_reason(
    api: Api,
) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    assert doc.post("/api/v1/patients", json={"mrn": 5}).status_code == 422
    create_patient(doc, "MRN-77")
    taken = doc.post("/api/v1/patients", json=patient_body("MRN-77"))
    assert taken.status_code == 409
    plain = doc.post("/api/v1/patients", content=b"mrn", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    refused = _refused(api)
    assert [(e.actor_username, e.details["status"], e.patient_id) for e in refused] == [
        ("anonymous", 415, None),  # refused before the session was read
        ("physician-0", 409, None),
        ("physician-0", 422, None),
    ]
    assert refused[2].details["request"] == "POST /api/v1/patients"
    assert refused[2].details["reason"].startswith("the request has invalid fields: body.mrn")
    assert refused[1].details["reason"] == taken.json()["detail"]
    assert refused[0].details["reason"] == "Unsupported Media Type"  # the status's name
    assert [e for e in _entries(api) if e.action == "access.denied"] == []


def test_refusals_on_account_routes_are_not_clinical(api: Api) -> None:
    anonymous = TestClient(api.app)
    assert anonymous.post("/api/v1/auth/login", json={"username": 1}).status_code == 422
    assert _refused(api) == []
