"""Idempotency-Key on POST: kept in the database per user; a repeat replays, a reuse with
another body is refused, and concurrent or cross-process repeats store once."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from intrathecal.bootstrap import create_app
from intrathecal.clinic.permissions import Role
from intrathecal.settings import Settings
from tests.api.conftest import Api
from tests.api.helpers import implanted_patient, patient_body, program_body

REFILL = {
    "performed_at": "2026-11-20T10:00:00Z",
    "drug": "morphine",
    "lot": "LOT-1",
    "concentration": "1 mg/mL",
    "measured_residual": "4 mL",
    "volume_added": "16 mL",
}


def _programmed(api: Api) -> tuple[TestClient, int]:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body()).status_code == 201
    return doc, pid


def test_a_repeated_post_with_the_same_key_replays_the_first_response(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    headers = {"Idempotency-Key": "create-patient-1"}
    first = doc.post("/api/v1/patients", json=patient_body("MRN-77"), headers=headers)
    again = doc.post("/api/v1/patients", json=patient_body("MRN-77"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert doc.get("/api/v1/patients", params={"q": "MRN-77"}).json()["total"] == 1


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    headers = {"Idempotency-Key": "k-1"}
    assert (
        doc.post("/api/v1/patients", json=patient_body("MRN-1"), headers=headers).status_code == 201
    )
    other = doc.post("/api/v1/patients", json=patient_body("MRN-2"), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert doc.get("/api/v1/patients", params={"q": "MRN-2"}).json()["total"] == 0


def test_keys_belong_to_their_user(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    nurse = api.as_role(Role.NURSE)
    headers = {"Idempotency-Key": "shared-key"}
    assert (
        doc.post("/api/v1/patients", json=patient_body("MRN-1"), headers=headers).status_code == 201
    )
    mine = nurse.post("/api/v1/patients", json=patient_body("MRN-2"), headers=headers)
    assert mine.status_code == 201
    assert "Idempotent-Replayed" not in mine.headers


def test_ten_concurrent_identical_refills_with_one_key_store_one(api: Api) -> None:
    _, pid = _programmed(api)
    nurse = api.as_role(Role.NURSE)
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def post() -> None:
        barrier.wait(timeout=30)
        response = nurse.post(
            f"/api/v1/patients/{pid}/refills", json=REFILL, headers={"Idempotency-Key": "r-1"}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # one stores; the others replay it or are told it is still in progress: never a second
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert nurse.get(f"/api/v1/patients/{pid}/refills").json()["total"] == 1
    replay = nurse.post(
        f"/api/v1/patients/{pid}/refills", json=REFILL, headers={"Idempotency-Key": "r-1"}
    )
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")


def test_a_key_is_recognised_by_another_app_process_on_the_same_database(
    api: Api, settings: Settings
) -> None:
    doc, pid = _programmed(api)
    token = doc.post("/api/v1/auth/tokens", json={"name": "bench"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}", "Idempotency-Key": "cross-1"}
    first = doc.post(f"/api/v1/patients/{pid}/refills", json=REFILL, headers=auth)
    assert first.status_code == 201
    other = create_app(settings)  # a second worker: nothing shared but the database
    try:
        with TestClient(other) as client:
            again = client.post(f"/api/v1/patients/{pid}/refills", json=REFILL, headers=auth)
    finally:
        other.state.context.close()
    assert (again.status_code, again.json()) == (201, first.json())
    assert doc.get(f"/api/v1/patients/{pid}/refills").json()["total"] == 1


def test_a_malformed_key_is_refused(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    response = doc.post(
        "/api/v1/patients", json=patient_body("MRN-9"), headers={"Idempotency-Key": "x" * 201}
    )
    assert response.status_code == 422
