"""Refused requests on clinical routes are audited in their own transaction, and nothing
else of the refused request is written."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import create_patient, implanted_patient, program_body


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
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=too_much).status_code == 422
    assert doc.get(f"/api/v1/patients/{pid}/prescriptions").json()["total"] == 0
    newest = _entries(api)
    refused = [e for e in newest if e.action == "prescription.refused"]
    assert len(refused) == 1
    assert refused[0].actor_username == "physician-0"
    assert "[hard] max_daily_dose" in refused[0].details["findings"]
    assert refused[0].details["program"]["solution"][0]["concentration"] == "20 mg/mL"


def test_account_routes_are_not_audited_as_clinical_refusals(api: Api) -> None:
    anonymous = TestClient(api.app)
    assert anonymous.get("/api/v1/auth/me").status_code == 401
    assert [e for e in _entries(api) if e.action == "access.denied"] == []
