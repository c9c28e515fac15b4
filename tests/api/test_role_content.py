"""Schedulers and admins see no clinical content: no visit notes, no clinical audit text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import Actor, AuditEntry
from intrathecal.clinic.redaction import WITHHELD, audit_entry_for
from tests.api.conftest import Api
from tests.api.helpers import create_patient, implanted_patient

NOTE = "nausea and drowsiness after the last bolus"
DAY = datetime.now(UTC).date() + timedelta(days=2)
WINDOW = {"from": f"{DAY}T00:00:00Z", "to": f"{DAY + timedelta(days=1)}T00:00:00Z"}


def _visit_with_notes(api: Api) -> int:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    visit = doc.post(
        "/api/v1/visits",
        json={"patient_id": pid, "kind": "refill", "scheduled_at": f"{DAY}T15:00:00Z"},
    )
    assert visit.status_code == 201, visit.text
    done = doc.post(f"/api/v1/visits/{visit.json()['id']}/complete", json={"notes": NOTE})
    assert done.status_code == 200, done.text
    return int(visit.json()["id"])


def test_a_scheduler_gets_the_schedule_without_visit_notes(api: Api) -> None:
    visit_id = _visit_with_notes(api)
    scheduler = api.as_role(Role.SCHEDULER)
    listed = scheduler.get("/api/v1/visits", params=WINDOW)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["id"] == visit_id
    assert item["notes"] == ""
    assert NOTE not in listed.text
    nurse = api.as_role(Role.NURSE)
    assert nurse.get("/api/v1/visits", params=WINDOW).json()["items"][0]["notes"] == NOTE


def test_an_admin_reads_the_audit_trail_without_clinical_free_text(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    status = doc.post(
        f"/api/v1/patients/{pid}/pump-status",
        json={"at": "2026-11-27T10:00:00Z", "note": NOTE},
    )
    assert status.status_code == 200, status.text
    admin = api.as_role(Role.ADMIN)
    entries = admin.get("/api/v1/audit/entries?limit=100")
    assert entries.status_code == 200
    assert NOTE not in entries.text
    (pump,) = [e for e in entries.json()["items"] if e["action"] == "pump.status"]
    assert pump["details"]["note"] == WITHHELD
    trail = admin.get(f"/api/v1/audit/patients/{pid}")
    assert trail.status_code == 200
    assert NOTE not in trail.text


def test_clinical_text_fields_are_withheld_wherever_nested_and_the_rest_kept() -> None:
    entry = AuditEntry(
        seq=1,
        at="2026-11-28T10:00:00Z",
        actor_user_id=1,
        actor_username="dr.a",
        actor_role="physician",
        actor_ip=None,
        action="prescription.programmed",
        patient_id=7,
        details={
            "version": 2,
            "override_reason": "pain uncontrolled",
            "changes": [{"notes": "burning at the port", "field": "rate"}],
            "reason": "",
        },
    )
    admin = Actor(user_id=2, username="admin.a", role="admin", ip=None)
    shown = audit_entry_for(admin, entry).details
    assert shown["override_reason"] == WITHHELD
    assert shown["changes"] == [{"notes": WITHHELD, "field": "rate"}]
    assert shown["version"] == 2
    assert shown["reason"] == ""
    doctor = Actor(user_id=1, username="dr.a", role="physician", ip=None)
    assert audit_entry_for(doctor, entry) == entry
