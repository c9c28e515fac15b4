"""Adverse-event follow-up over HTTP: PATCH with If-Match/version, 409, 404, 403, 422, audit."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import audit_count, create_patient, only_refusals_since

EVENT = {
    "category": "csf_leak",
    "severity": "moderate",
    "onset": "2026-10-22",
    "description": "positional headache after implant",
}


def _recorded(client: TestClient) -> tuple[int, dict[str, Any]]:
    pid = create_patient(client)["id"]
    response = client.post(f"/api/v1/patients/{pid}/adverse-events", json=EVENT)
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()
    return pid, event


def _url(pid: int, event_id: int) -> str:
    return f"/api/v1/patients/{pid}/adverse-events/{event_id}"


def test_nurse_follows_up_with_if_match_and_gets_the_updated_record(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid, event = _recorded(nurse)
    assert event["version"] == 1
    assert event["resolved_on"] is None
    response = nurse.patch(
        _url(pid, event["id"]),
        json={
            "severity": "severe",
            "actions": "epidural blood patch",
            "outcome": "resolved",
            "resolved_on": "2026-10-30",
        },
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["etag"] == '"2"'
    assert (body["version"], body["severity"], body["outcome"]) == (2, "severe", "resolved")
    assert (body["actions"], body["resolved_on"]) == ("epidural blood patch", "2026-10-30")
    assert body["description"] == EVENT["description"]
    listed = nurse.get(f"/api/v1/patients/{pid}/adverse-events").json()["items"]
    assert listed == [body]


def test_physician_may_send_the_version_in_the_body(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid, event = _recorded(doc)
    response = doc.patch(_url(pid, event["id"]), json={"version": 1, "outcome": "unknown"})
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "unknown"


def test_stale_version_is_409_and_writes_nothing(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid, event = _recorded(nurse)
    first = nurse.patch(_url(pid, event["id"]), json={"version": 1, "actions": "analgesia"})
    assert first.status_code == 200
    before = audit_count(nurse)
    stale = nurse.patch(_url(pid, event["id"]), json={"version": 1, "severity": "mild"})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    only_refusals_since(nurse, before, 409)
    stored = nurse.get(f"/api/v1/patients/{pid}/adverse-events").json()["items"][0]
    assert (stored["severity"], stored["version"]) == ("moderate", 2)


def test_missing_version_is_428_and_disagreeing_versions_are_422(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid, event = _recorded(nurse)
    assert nurse.patch(_url(pid, event["id"]), json={"severity": "mild"}).status_code == 428
    disagree = nurse.patch(
        _url(pid, event["id"]), json={"version": 2, "severity": "mild"}, headers={"If-Match": '"1"'}
    )
    assert disagree.status_code == 422


def test_unknown_event_or_patient_is_404(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid, event = _recorded(nurse)
    other = create_patient(nurse, "MRN-2002")["id"]
    patch = {"version": 1, "outcome": "resolved"}
    for url in (_url(pid, 99_999), _url(other, event["id"]), _url(99_999, event["id"])):
        response = nurse.patch(url, json=patch)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


def test_scheduler_admin_and_patient_get_403_and_nothing_changes(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid, event = _recorded(doc)
    clients = (
        api.as_role(Role.SCHEDULER),
        api.as_role(Role.ADMIN),
        api.as_role(Role.PATIENT, patient_id=pid),
    )
    before = audit_count(doc)
    for client in clients:
        response = client.patch(_url(pid, event["id"]), json={"version": 1, "outcome": "resolved"})
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
    assert audit_count(doc) == before + 3  # the three refusals, audited; nothing else
    stored = doc.get(f"/api/v1/patients/{pid}/adverse-events").json()["items"][0]
    assert stored["outcome"] == "ongoing"


def test_invalid_follow_up_is_422_with_the_field_named(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid, event = _recorded(nurse)
    url = _url(pid, event["id"])
    for patch, field in (
        ({"version": 1, "severity": "catastrophic"}, "severity"),
        ({"version": 1, "outcome": "better"}, "outcome"),
        ({"version": 1, "category": "infection"}, "category"),
        ({"version": 1, "resolved_on": "2026-10-30"}, "resolved_on"),
        ({"version": 1, "outcome": "resolved", "resolved_on": "2026-10-01"}, "resolved_on"),
        ({"version": 1}, "nothing to update"),
    ):
        response = nurse.patch(url, json=patch)
        assert response.status_code == 422, patch
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text, patch
    assert nurse.get(f"/api/v1/patients/{pid}/adverse-events").json()["items"] == [event]


def test_updates_are_audited_and_the_chain_still_verifies(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid, event = _recorded(nurse)
    for version, patch in enumerate(
        ({"actions": "caffeine, fluids"}, {"outcome": "resolved", "resolved_on": "2026-11-01"}),
        start=1,
    ):
        response = nurse.patch(_url(pid, event["id"]), json={"version": version, **patch})
        assert response.status_code == 200, response.text
    admin = api.as_role(Role.ADMIN)
    trail = admin.get(f"/api/v1/audit/patients/{pid}").json()["items"]
    updates = [e for e in trail if e["action"] == "adverse_event.updated"]
    assert sorted(tuple(e["details"]["fields"]) for e in updates) == [
        ("actions",),
        ("outcome", "resolved_on"),
    ]
    verified = admin.get("/api/v1/audit/verify")
    assert verified.status_code == 200
    assert verified.json()["ok"] is True
