"""Account safety: no self or last-admin disable, revocation at disable, token logout, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api


def _token(api: Api, client: TestClient, days: int = 30) -> dict[str, str]:
    issued = client.post("/api/v1/auth/tokens", json={"name": "scripts", "days": days})
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['token']}"}


def _me(api: Api, headers: dict[str, str]) -> int:
    return TestClient(api.app).get("/api/v1/auth/me", headers=headers).status_code


def test_an_admin_cannot_disable_their_own_login(api: Api) -> None:
    admin_id = api.make_user("admin.self", Role.ADMIN)
    api.make_user("admin.other", Role.ADMIN)
    admin = api.login("admin.self")
    refused = admin.patch(f"/api/v1/users/{admin_id}", json={"active": False})
    assert refused.status_code == 409
    assert "your own login" in refused.json()["detail"]
    assert admin.get("/api/v1/auth/me").status_code == 200


def test_the_last_active_admin_cannot_be_disabled(api: Api) -> None:
    first = api.make_user("admin.first", Role.ADMIN)
    second = api.make_user("admin.second", Role.ADMIN)
    by_first = api.login("admin.first")
    assert by_first.patch(f"/api/v1/users/{second}", json={"active": False}).status_code == 200
    # admin.first is now the only active admin; the system cannot lose it either.
    ctx = api.app.state.context
    from intrathecal.clinic.errors import Conflict
    from intrathecal.clinic.records import Actor

    with pytest.raises(Conflict, match="last active admin"):
        ctx.auth.set_active(ctx.uow_factory(), Actor.system(), first, False)
    assert by_first.get("/api/v1/auth/me").status_code == 200


def test_re_enabling_a_user_revives_no_old_session_or_token(api: Api) -> None:
    uid = api.make_user("nurse.leaving", Role.NURSE)
    client = api.login("nurse.leaving")
    bearer = _token(api, client)
    admin = api.as_role(Role.ADMIN)
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": False}).status_code == 200
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": True}).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
    assert _me(api, bearer) == 401
    assert api.login("nurse.leaving").get("/api/v1/auth/me").status_code == 200


def test_logout_with_a_bearer_token_revokes_that_token(api: Api) -> None:
    api.make_user("dr.script", Role.PHYSICIAN)
    bearer = _token(api, api.login("dr.script"))
    bare = TestClient(api.app)
    assert bare.post("/api/v1/auth/logout", headers=bearer).status_code == 204
    assert _me(api, bearer) == 401


def test_a_token_cannot_be_issued_without_expiry_or_beyond_the_maximum(api: Api) -> None:
    api.make_user("dr.forever", Role.PHYSICIAN)
    client = api.login("dr.forever")
    assert client.post("/api/v1/auth/tokens", json={"name": "x", "days": None}).status_code == 422
    longest = api.app.state.context.settings.token_max_days
    too_long = client.post("/api/v1/auth/tokens", json={"name": "x", "days": longest + 1})
    assert too_long.status_code == 422
    issued = client.post("/api/v1/auth/tokens", json={"name": "x"}).json()
    assert issued["expires_at"] is not None


def test_a_token_stored_without_expiry_stops_at_the_maximum_age(api: Api) -> None:
    from intrathecal.clinic.auth import secret_hash
    from intrathecal.storage import tables as t

    api.make_user("dr.old", Role.PHYSICIAN)
    bearer = _token(api, api.login("dr.old"))
    assert _me(api, bearer) == 200
    ctx = api.app.state.context
    digest = secret_hash(bearer["Authorization"].removeprefix("Bearer "))
    old = ctx.auth.clock() - timedelta(days=ctx.settings.token_max_days + 1)
    with ctx.engine.begin() as conn:
        conn.execute(
            t.api_tokens.update()
            .where(t.api_tokens.c.token_hash == digest)
            .values(expires_at=None, created_at=old)
        )
    assert _me(api, bearer) == 401


def test_disabling_a_user_is_audited_with_what_was_revoked(api: Api) -> None:
    uid = api.make_user("nurse.gone", Role.NURSE)
    client = api.login("nurse.gone")
    _token(api, client)
    admin = api.as_role(Role.ADMIN)
    admin.patch(f"/api/v1/users/{uid}", json={"active": False})
    entries = admin.get("/api/v1/audit/entries?limit=20").json()["items"]
    disabled = next(e for e in entries if e["action"] == "user.disabled")
    assert disabled["details"]["sessions_revoked"] == 1
    assert disabled["details"]["tokens_revoked"] == 1


def test_creating_a_user_with_a_weak_password_is_a_422_naming_the_rule(api: Api) -> None:
    admin = api.as_role(Role.ADMIN)
    for password, rule in [
        ("password", "body.password"),
        ("123456789012345678", "commonly used"),
        ("nurse.weak.nurse.weak", "username"),
    ]:
        response = admin.post(
            "/api/v1/users", json={"username": "nurse.weak", "password": password, "role": "nurse"}
        )
        assert response.status_code == 422, response.text
        assert rule in response.text
