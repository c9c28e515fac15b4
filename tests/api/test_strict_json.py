"""The app-wide JSON layer: duplicate keys 400, non-JSON bodies 415, both declared in OpenAPI."""

from __future__ import annotations

import pytest

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import create_patient


def test_a_body_with_a_duplicate_key_is_refused_with_400(api: Api) -> None:
    response = api.client.post(
        "/api/v1/auth/login",
        content=b'{"username": "a.user", "password": "x", "password": "y"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "password" in response.json()["detail"]


def test_a_nested_duplicate_key_writes_nothing(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    before = doc.get(f"/api/v1/patients/{pid}").json()
    body = b'{"phone": "555-0100", "phone": "555-0199", "version": 1}'
    response = doc.patch(
        f"/api/v1/patients/{pid}", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert doc.get(f"/api/v1/patients/{pid}").json()["version"] == before["version"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_body_that_is_not_json_is_415(api: Api, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.client.post(
        "/api/v1/auth/login", content=b'{"username": "a", "password": "b"}', headers=headers
    )
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")


def test_openapi_declares_400_and_415_wherever_a_body_is_read(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert {"400", "415"} <= set(operation["responses"]), f"{method} {path}"
