"""Odd input never becomes a 500: naive or out-of-range times, bad headers, throttled IPs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import create_patient, patient_body


def test_naive_datetime_is_422_naming_the_field(api: Api) -> None:
    scheduler = api.as_role(Role.SCHEDULER)
    response = scheduler.post(
        "/api/v1/visits",
        json={"patient_id": 1, "kind": "refill", "scheduled_at": "2026-12-01T09:00:00"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.scheduled_at"


def test_booking_a_day_that_has_passed_is_422_and_stores_nothing(api: Api) -> None:
    scheduler = api.as_role(Role.SCHEDULER)
    pid = create_patient(api.as_role(Role.PHYSICIAN))["id"]
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    response = scheduler.post(
        "/api/v1/visits",
        json={"patient_id": pid, "kind": "refill", "scheduled_at": f"{yesterday}T23:59:00Z"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        f"scheduled_at: {yesterday} has passed: book today or later"
    ), response.text
    window = {"from": f"{yesterday}T00:00:00Z", "to": f"{yesterday}T23:59:59Z"}
    assert scheduler.get("/api/v1/visits", params=window).json()["total"] == 0


def test_far_future_moment_is_422_not_an_overflow(api: Api) -> None:
    scheduler = api.as_role(Role.SCHEDULER)
    response = scheduler.post(
        "/api/v1/visits",
        json={"patient_id": 1, "kind": "refill", "scheduled_at": "9999-12-31T23:00:00-05:00"},
    )
    assert response.status_code == 422
    assert "between" in response.json()["errors"][0]["expected"]


def test_ancient_birth_date_is_422(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    response = doc.post("/api/v1/patients", json=patient_body(birth_date="0001-01-01"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.birth_date"


def test_huge_ids_and_bad_if_match_are_422(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    assert doc.get(f"/api/v1/patients/{2**63}").status_code == 422
    pid = create_patient(doc)["id"]
    bad = doc.patch(f"/api/v1/patients/{pid}", json={"phone": "1"}, headers={"If-Match": "v1"})
    assert bad.status_code == 422
    assert "If-Match" in bad.json()["detail"]


def test_malformed_authorization_header_is_401(api: Api) -> None:
    client = TestClient(api.client.app)
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    unknown = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer itk_nope"})
    assert unknown.status_code == 401


def test_one_address_trying_many_usernames_is_throttled(api: Api) -> None:
    client = TestClient(api.client.app)
    limit = api.client.app.state.context.settings.login_attempts_per_ip  # type: ignore[attr-defined]
    statuses = [
        client.post(
            "/api/v1/auth/login", json={"username": f"nobody{i}", "password": "wrong-password"}
        ).status_code
        for i in range(limit + 1)
    ]
    assert statuses[:limit] == [401] * limit
    assert statuses[-1] == 429


def test_unknown_user_and_wrong_password_read_the_same(api: Api) -> None:
    api.make_user("real.user", Role.NURSE)
    client = TestClient(api.client.app)
    wrong = client.post(
        "/api/v1/auth/login", json={"username": "real.user", "password": "wrong-password"}
    )
    ghost = client.post(
        "/api/v1/auth/login", json={"username": "ghost.user", "password": "wrong-password"}
    )
    assert wrong.status_code == ghost.status_code == 401
    assert wrong.json()["detail"] == ghost.json()["detail"]


def test_secure_cookie_when_configured(api: Api) -> None:
    from intrathecal.bootstrap import create_app

    settings = api.client.app.state.context.settings.model_copy(update={"cookie_secure": True})  # type: ignore[attr-defined]
    app = create_app(settings)
    try:
        api.make_user("secure.user", Role.NURSE)
        client = TestClient(app)
        response = client.post(
            "/api/v1/auth/login",
            json={"username": "secure.user", "password": "correct-horse-battery"},
        )
        assert "Secure" in response.headers["set-cookie"]
    finally:
        app.state.context.close()


def test_path_and_body_ids_must_be_written_as_whole_numbers(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    assert doc.get(f"/api/v1/patients/{pid}").status_code == 200
    for written in (f"{pid}.0", f"0{pid}", f"%20{pid}"):
        response = doc.get(f"/api/v1/patients/{written}")
        assert response.status_code == 422, written
        assert "whole number" in response.json()["errors"][0]["message"]
    scheduler = api.as_role(Role.SCHEDULER)
    for given in (float(pid), True):
        response = scheduler.post(
            "/api/v1/visits",
            json={
                "patient_id": given,
                "kind": "refill",
                "scheduled_at": "2030-12-01T09:00:00+00:00",
            },
        )
        assert response.status_code == 422, given
        assert response.json()["errors"][0]["field"] == "body.patient_id"


def test_options_and_wrong_methods_name_every_allowed_method(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    listing = doc.options("/api/v1/patients")
    assert listing.status_code == 405
    assert listing.headers["allow"] == "GET, POST"
    assert doc.delete("/api/v1/patients/1").headers["allow"] == "GET, PATCH"
