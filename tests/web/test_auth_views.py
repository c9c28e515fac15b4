"""Web login and logout: session cookie flags, errors that keep input, revocation."""

from __future__ import annotations

from intrathecal.clinic.permissions import Role
from tests.web.conftest import PASSWORD, Web


def test_login_sets_an_httponly_samesite_session_cookie_and_lands_on_the_role_home(
    web: Web,
) -> None:
    web.user("sched.one", Role.SCHEDULER)
    visitor = web.client()
    visitor.get("/login")
    response = visitor.submit("/login", {"username": "sched.one", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/scheduler/requests"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain HTTP in tests; Secure is set under TLS


def test_wrong_password_keeps_the_username_and_never_echoes_the_password(web: Web) -> None:
    web.user("nurse.one", Role.NURSE)
    visitor = web.client()
    visitor.get("/login")
    response = visitor.submit("/login", {"username": "nurse.one", "password": "wrong-secret"})
    assert response.status_code == 422
    assert 'value="nurse.one"' in response.text
    assert "wrong-secret" not in response.text
    assert "username or password is not right" in response.text


def test_empty_login_fields_are_named(web: Web) -> None:
    visitor = web.client()
    visitor.get("/login")
    response = visitor.submit("/login", {"username": "", "password": ""})
    assert 'id="e-username"' in response.text
    assert 'id="e-password"' in response.text


def test_login_refuses_a_missing_csrf_token(web: Web) -> None:
    web.user("admin.one", Role.ADMIN)
    visitor = web.client()
    visitor.get("/login")
    response = visitor.submit(
        "/login", {"username": "admin.one", "password": PASSWORD}, with_token=False
    )
    assert response.status_code == 403
    assert (
        "set-cookie" not in response.headers
        or "intrathecal_session" not in (response.headers["set-cookie"])
    )


def test_logout_revokes_the_session_in_the_database(web: Web) -> None:
    visitor = web.logged_in(Role.ADMIN)
    session = visitor.client.cookies.get("intrathecal_session")
    assert session
    response = visitor.submit("/logout", {})
    assert response.status_code == 303
    replay = web.client()
    replay.client.cookies.set("intrathecal_session", session)
    assert replay.client.get("/api/v1/auth/me").status_code == 401


def test_logout_needs_the_session_csrf_token(web: Web) -> None:
    visitor = web.logged_in(Role.ADMIN)
    assert visitor.submit("/logout", {}, with_token=False).status_code == 403
    assert visitor.client.get("/api/v1/auth/me").status_code == 200


def test_next_parameter_cannot_send_the_user_to_another_site(web: Web) -> None:
    web.user("admin.two", Role.ADMIN)
    visitor = web.client()
    visitor.get("/login")
    response = visitor.submit(
        "/login", {"username": "admin.two", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert response.headers["location"] == "/admin/users"


def test_logged_in_page_shows_logout_and_the_role_navigation(web: Web) -> None:
    visitor = web.logged_in(Role.SCHEDULER)
    page = visitor.get("/").text
    assert "Log out" in page
    assert 'href="/scheduler/requests"' in page


def test_a_username_no_account_can_have_fails_like_a_wrong_password_and_is_audited(
    web: Web,
) -> None:
    # NUL cannot be stored by PostgreSQL and the throttle key holds 200 characters: both
    # were a 500 before the login counted them; now they fail, throttled and audited.
    for typed in ("dr\x00demo", "x" * 300):
        visitor = web.client()
        visitor.get("/login")
        response = visitor.submit("/login", {"username": typed, "password": "wrong-secret"})
        assert response.status_code == 422
        assert "username or password is not right" in response.text
    with web.context.uow_factory() as uow:
        failed = [e for e in uow.audit.recent(limit=100) if e.action == "auth.login_failed"]
    assert [e.details["username"] for e in failed] == ["x" * 80, "dr\N{REPLACEMENT CHARACTER}demo"]
