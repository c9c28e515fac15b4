"""The audited client address: X-Forwarded-For counts only from configured trusted proxies."""

from __future__ import annotations

from fastapi.testclient import TestClient

from intrathecal.api.client_address import TrustedProxies
from intrathecal.bootstrap import create_app
from intrathecal.settings import Settings
from tests.api.conftest import Api


def _failed_login_ip(app: object, peer: str, forwarded: str) -> str | None:
    client = TestClient(app, client=(peer, 50000))  # type: ignore[arg-type]
    client.post(
        "/api/v1/auth/login",
        json={"username": "who.ever", "password": "wrong-password"},
        headers={"X-Forwarded-For": forwarded},
    )
    ctx = client.app.state.context  # type: ignore[attr-defined]
    with ctx.uow_factory() as uow:
        entries = uow.audit.recent(limit=1000)
    failed = [e for e in entries if e.action == "auth.login_failed"]
    return failed[0].actor_ip  # newest first


def test_forwarded_for_from_loopback_is_not_believed_by_default(api: Api) -> None:
    assert _failed_login_ip(api.app, "127.0.0.1", "203.0.113.9") == "127.0.0.1"


def test_forwarded_for_from_a_trusted_proxy_names_the_client(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"trusted_proxies": ("10.0.0.0/8",)}))
    try:
        assert _failed_login_ip(app, "10.0.0.7", "198.51.100.4, 10.0.0.2") == "198.51.100.4"
        assert _failed_login_ip(app, "192.0.2.1", "198.51.100.4") == "192.0.2.1"
    finally:
        app.state.context.close()


def test_a_client_cannot_prepend_a_forged_hop_behind_a_trusted_proxy() -> None:
    proxies = TrustedProxies(["10.0.0.1"])
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    assert proxies.client("10.0.0.1", ["1.2.3.4, 198.51.100.7"]) == "198.51.100.7"
    assert proxies.client("10.0.0.1", ["not-an-ip"]) == "10.0.0.1"
    assert proxies.client("198.51.100.7", ["1.2.3.4"]) == "198.51.100.7"


def test_a_host_outside_allowed_hosts_is_refused(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"allowed_hosts": ("clinic.example",)}))
    try:
        good = TestClient(app, base_url="http://clinic.example")
        assert good.get("/health").status_code == 200
        evil = TestClient(app, base_url="http://evil.example")
        assert evil.get("/health").status_code == 400
    finally:
        app.state.context.close()


def test_the_public_appointment_form_is_throttled_per_address(api: Api) -> None:
    from tests.api.test_scheduling_and_audit import REQUEST

    limit = api.app.state.context.settings.appointment_requests_per_ip
    sender = TestClient(api.app, client=("203.0.113.20", 40000))
    forged = {"X-Forwarded-For": "198.51.100.1"}  # not believed: no trusted proxy
    statuses = [
        sender.post("/api/v1/appointment-requests", json=REQUEST, headers=forged).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [201] * limit + [429]
    other = TestClient(api.app, client=("203.0.113.21", 40000))
    assert other.post("/api/v1/appointment-requests", json=REQUEST).status_code == 201
