"""Security headers on every response, and API docs served from the package (no CDN)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from intrathecal.bootstrap import create_app
from intrathecal.clinic.permissions import Role
from intrathecal.settings import Settings
from tests.api.conftest import Api
from tests.api.helpers import create_patient


def _assert_base_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"


def test_patient_data_responses_carry_nosniff_no_framing_no_store(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    for response in (
        doc.get(f"/api/v1/patients/{pid}"),
        doc.get("/api/v1/patients", params={"q": "a"}),
        doc.get("/api/v1/patients/999999"),
        TestClient(api.app).get("/api/v1/auth/me"),
    ):
        _assert_base_headers(response)
        assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers


def test_hsts_only_when_the_service_terminates_tls(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tls = settings.model_copy(
        update={"tls_certfile": tmp_path / "c.pem", "tls_keyfile": tmp_path / "k.pem"}
    )
    app = create_app(tls)
    try:
        response = TestClient(app).get("/health")
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        _assert_base_headers(response)
    finally:
        app.state.context.close()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_load_their_assets_from_the_package(api: Api, page: str) -> None:
    html = api.client.get(page)
    assert html.status_code == 200
    _assert_base_headers(html)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert sources
    for url in sources:
        assert url.startswith("/"), f"{page} loads {url} from outside the service"
        asset = api.client.get(url)
        assert asset.status_code == 200, url
        assert "no-store" not in asset.headers.get("cache-control", "")
    assert "cdn.jsdelivr" not in html.text
    assert "fonts.googleapis" not in html.text
