"""Appointments (public form, scheduler views), the worklist, and the audit trail over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text

from intrathecal.clinic.audit import seal
from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import create_patient, implanted_patient, program_body

REQUEST = {
    "name": "Sam Public",
    "contact": "555-0123",
    "reason": "chronic back pain after two surgeries",
    "insurer": "Aetna",
}


def test_public_appointment_request_needs_no_login_and_returns_only_a_receipt(api: Api) -> None:
    anonymous = TestClient(api.client.app)
    response = anonymous.post("/api/v1/appointment-requests", json=REQUEST)
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"id", "status", "created_at"}
    assert anonymous.get("/api/v1/appointment-requests").status_code == 401


def test_unaccepted_insurer_is_422_and_writes_nothing(api: Api) -> None:
    anonymous = TestClient(api.client.app)
    response = anonymous.post(
        "/api/v1/appointment-requests", json={**REQUEST, "insurer": "Acme Mutual"}
    )
    assert response.status_code == 422
    assert "accepted" in response.json()["detail"]
    scheduler = api.as_role(Role.SCHEDULER)
    assert scheduler.get("/api/v1/appointment-requests").json()["total"] == 0


def test_scheduler_books_a_visit_from_a_request_but_sees_no_clinical_data(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    request_id = (
        TestClient(api.client.app).post("/api/v1/appointment-requests", json=REQUEST).json()["id"]
    )
    scheduler = api.as_role(Role.SCHEDULER)
    open_requests = scheduler.get("/api/v1/appointment-requests").json()
    assert open_requests["items"][0]["contact"] == "555-0123"
    day = datetime.now(UTC).date() + timedelta(days=2)
    visit = scheduler.post(
        "/api/v1/visits",
        json={
            "patient_id": pid,
            "kind": "evaluation",
            "scheduled_at": f"{day}T15:00:00Z",
            "request_id": request_id,
        },
    )
    assert visit.status_code == 201, visit.text
    assert scheduler.get("/api/v1/appointment-requests").json()["total"] == 0
    window = scheduler.get(
        "/api/v1/visits",
        params={"from": f"{day}T00:00:00Z", "to": f"{day + timedelta(days=1)}T00:00:00Z"},
    ).json()
    assert [v["id"] for v in window["items"]] == [visit.json()["id"]]
    for path in (f"/api/v1/patients/{pid}", f"/api/v1/patients/{pid}/trials", "/api/v1/worklist"):
        assert scheduler.get(path).status_code == 403, path
    twice = scheduler.post(
        "/api/v1/visits",
        json={
            "patient_id": pid,
            "kind": "evaluation",
            "scheduled_at": f"{day + timedelta(days=1)}T15:00:00Z",
            "request_id": request_id,
        },
    )
    assert twice.status_code == 409


def test_visit_window_must_be_sane(api: Api) -> None:
    scheduler = api.as_role(Role.SCHEDULER)
    backwards = scheduler.get(
        "/api/v1/visits", params={"from": "2026-12-02T00:00:00Z", "to": "2026-11-30T00:00:00Z"}
    )
    assert backwards.status_code == 422
    naive = scheduler.get("/api/v1/visits", params={"from": "2026-12-02T00:00:00"})
    assert naive.status_code == 422


def test_worklist_lists_a_refill_due_for_clinicians(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body()).status_code == 201
    page = doc.get("/api/v1/worklist").json()
    kinds = {(item["patient_id"], item["kind"]) for item in page["items"]}
    assert (pid, "wound_check") in kinds or (pid, "refill") in kinds
    assert all(item["reason"] for item in page["items"])


def test_admin_verifies_the_audit_chain_and_sees_tampering(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    create_patient(doc)
    admin = api.as_role(Role.ADMIN)
    ok = admin.get("/api/v1/audit/verify")
    assert ok.status_code == 200
    assert ok.json()["ok"] is True
    assert ok.json()["checked"] > 3
    assert doc.get("/api/v1/audit/verify").status_code == 403
    engine = admin.app.state.context.uow_factory().engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        details = json.loads(
            conn.execute(text("SELECT details FROM audit_log WHERE seq = 2")).scalar_one()
        )
        details["tampered"] = True
        conn.execute(
            text("UPDATE audit_log SET details = :d WHERE seq = 2"), {"d": json.dumps(details)}
        )
    broken = admin.get("/api/v1/audit/verify").json()
    assert broken["ok"] is False
    assert broken["first_bad_seq"] == 2


def test_admin_reads_a_patients_audit_trail(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    doc.get(f"/api/v1/patients/{pid}")
    admin = api.as_role(Role.ADMIN)
    trail = admin.get(f"/api/v1/audit/patients/{pid}").json()
    actions = {e["action"] for e in trail["items"]}
    assert {"patient.registered", "patient.read"} <= actions
    recent = admin.get("/api/v1/audit/entries?limit=5").json()
    assert len(recent["items"]) == 5
    assert recent["next"]


def test_audit_verify_over_http_catches_a_deleted_last_row(api: Api) -> None:
    create_patient(api.as_role(Role.PHYSICIAN))
    admin = api.as_role(Role.ADMIN)
    ctx = admin.app.state.context  # type: ignore[attr-defined]
    assert seal(ctx.uow_factory(), ctx.audit_key) > 0
    engine = ctx.uow_factory().engine
    with engine.begin() as conn:
        last = conn.execute(text("SELECT MAX(seq) FROM audit_log")).scalar_one()
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
    broken = admin.get("/api/v1/audit/verify").json()
    assert broken["ok"] is False
    assert broken["first_bad_seq"] == last
