"""Request body size limit: oversized bodies are a problem+json 413 and write nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi.testclient import TestClient

from intrathecal.bootstrap import create_app
from intrathecal.clinic.permissions import Role
from intrathecal.settings import DEFAULT_MAX_BODY_BYTES, Settings
from tests.api.conftest import Api
from tests.api.helpers import audit_count, only_refusals_since, patient_body


def test_a_body_over_one_mebibyte_is_413_problem_json(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    before = audit_count(doc)
    body = patient_body(family_name="x" * DEFAULT_MAX_BODY_BYTES)
    response = doc.post("/api/v1/patients", json=body)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 413
    assert str(DEFAULT_MAX_BODY_BYTES) in problem["detail"]
    only_refusals_since(doc, before, 413)
    assert doc.get("/api/v1/patients?q=Lovelace").json()["total"] == 0


def test_the_limit_is_configurable_and_a_body_within_it_passes(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 600})
    app = create_app(small)
    try:
        with TestClient(app) as client:
            login = {"username": "nobody", "password": "x" * 10}
            assert client.post("/api/v1/auth/login", json=login).status_code == 401
            padded = {**login, "password": "x" * 700}
            assert client.post("/api/v1/auth/login", json=padded).status_code == 413
    finally:
        app.state.context.close()


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 600})
    app = create_app(small)
    payload = json.dumps({"username": "nobody", "password": "y" * 2000}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 100):
            yield payload[start : start + 100]

    try:
        with TestClient(app) as client:
            response = client.post(
                "/api/v1/auth/login",
                content=chunks(),
                headers={"content-type": "application/json"},
            )
            assert "content-length" not in {k.lower() for k in response.request.headers}
            assert response.status_code == 413
            assert response.json()["title"] == "Content too large"
    finally:
        app.state.context.close()


def test_openapi_declares_413_on_operations_with_a_body(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert "413" in paths["/api/v1/patients"]["post"]["responses"]
    assert "413" not in paths["/api/v1/patients"]["get"]["responses"]
