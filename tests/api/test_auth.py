"""Login, sessions, tokens, rate limiting and role checks over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from intrathecal.clinic.permissions import Role
from tests.api.conftest import PASSWORD, Api


def test_login_sets_httponly_lax_cookie_and_me_reports_the_user(api: Api) -> None:
    api.make_user("dr.lee", Role.PHYSICIAN)
    response = api.client.post(
        "/api/v1/auth/login", json={"username": "Dr.Lee", "password": PASSWORD}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "intrathecal_session=its_" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    me = api.client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "dr.lee"
    assert me.json()["user"]["role"] == "physician"


def test_wrong_password_is_401_problem_json(api: Api) -> None:
    api.make_user("nurse.kim", Role.NURSE)
    response = api.client.post(
        "/api/v1/auth/login", json={"username": "nurse.kim", "password": "not-it-at-all"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 401
    assert body["title"]
    assert body["type"].endswith("/unauthenticated")


def test_failed_logins_back_off_per_address_without_locking_the_owner_out(api: Api) -> None:
    api.make_user("target", Role.NURSE)
    attacker = TestClient(api.app, client=("198.51.100.66", 40000))
    for _ in range(3):
        bad = attacker.post(
            "/api/v1/auth/login", json={"username": "target", "password": "guess-guess"}
        )
        assert bad.status_code == 401
    blocked = attacker.post("/api/v1/auth/login", json={"username": "target", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["status"] == 429
    owner = TestClient(api.app, client=("192.0.2.10", 40000))
    mine = owner.post("/api/v1/auth/login", json={"username": "target", "password": PASSWORD})
    assert mine.status_code == 200


def test_the_back_off_is_shared_by_every_app_on_the_same_database(api: Api) -> None:
    from intrathecal.bootstrap import create_app

    api.make_user("shared", Role.NURSE)
    other = create_app(api.app.state.context.settings)  # a second worker process's app
    try:
        for _ in range(3):
            api.client.post(
                "/api/v1/auth/login", json={"username": "shared", "password": "guess-guess"}
            )
        second = TestClient(other).post(
            "/api/v1/auth/login", json={"username": "shared", "password": PASSWORD}
        )
        assert second.status_code == 429
    finally:
        other.state.context.close()


def test_logout_ends_the_session(api: Api) -> None:
    api.make_user("sched", Role.SCHEDULER)
    client = api.login("sched")
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_api_token_authenticates_and_revocation_stops_it(api: Api) -> None:
    api.make_user("dr.api", Role.PHYSICIAN)
    client = api.login("dr.api")
    issued = client.post("/api/v1/auth/tokens", json={"name": "scripts", "days": 30})
    assert issued.status_code == 201
    token = issued.json()["token"]
    bare = api.client
    bare.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    assert bare.get("/api/v1/auth/me", headers=headers).json()["via"] == "token"
    listed = client.get("/api/v1/auth/tokens").json()
    assert listed["total"] == 1
    assert "token" not in listed["items"][0]
    assert client.delete(f"/api/v1/auth/tokens/{issued.json()['id']}").status_code == 204
    assert bare.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_unauthenticated_request_is_401(api: Api) -> None:
    response = api.client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_only_admin_manages_users(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    denied = nurse.post(
        "/api/v1/users",
        json={"username": "someone", "password": "plum-harbour-quietly-7", "role": "nurse"},
    )
    assert denied.status_code == 403
    admin = api.as_role(Role.ADMIN)
    created = admin.post(
        "/api/v1/users",
        json={"username": "someone", "password": "plum-harbour-quietly-7", "role": "nurse"},
    )
    assert created.status_code == 201
    assert "password" not in created.text
    again = admin.post(
        "/api/v1/users",
        json={"username": "someone", "password": "plum-harbour-quietly-7", "role": "nurse"},
    )
    assert again.status_code == 409
    page = admin.get("/api/v1/users?limit=1").json()
    assert page["total"] >= 2
    assert page["next"] is not None
    assert len(page["items"]) == 1


def test_disabled_user_cannot_use_an_open_session(api: Api) -> None:
    uid = api.make_user("leaving", Role.NURSE)
    client = api.login("leaving")
    admin = api.as_role(Role.ADMIN)
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": False}).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
