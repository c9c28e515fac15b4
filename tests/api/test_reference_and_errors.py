"""Public reference routes, pagination envelope and the problem+json error shape."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Api


def test_drug_catalogue_is_public_paged_and_names_sources(api: Api) -> None:
    client = TestClient(api.client.app)
    page = client.get("/api/v1/drugs?limit=2").json()
    assert page["total"] >= 5
    assert len(page["items"]) == 2
    assert page["next"].endswith("limit=2&offset=2")
    morphine = client.get("/api/v1/drugs/morphine").json()
    assert morphine["max_daily_dose"]["value"] == "15 mg/day"
    assert morphine["max_daily_dose"]["unverified"] is True
    assert morphine["max_daily_dose"]["source"] == "PACC 2012"


def test_ziconotide_limit_follows_the_rule_set(api: Api) -> None:
    us = api.client.get("/api/v1/drugs/ziconotide?rule_set=us").json()
    eu = api.client.get("/api/v1/drugs/ziconotide?rule_set=eu").json()
    assert us["max_daily_dose"]["value"] == "19.2 mcg/day"
    assert eu["max_daily_dose"]["value"] == "21.6 mcg/day"


def test_unknown_drug_is_404_problem(api: Api) -> None:
    response = api.client.get("/api/v1/drugs/unobtainium")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "unknown drug" in response.json()["detail"]


def test_insurers_include_the_seed_page_list(api: Api) -> None:
    page = api.client.get("/api/v1/insurers?limit=200").json()
    names = {i["name"] for i in page["items"]}
    assert {"Aetna", "Medicare", "Medicaid", "Cigna", "Tricare"} <= names
    assert page["next"] is None


def test_locations_are_public(api: Api) -> None:
    page = api.client.get("/api/v1/locations").json()
    assert page["total"] == len(page["items"]) >= 1


def test_validation_error_names_field_and_expectation(api: Api) -> None:
    response = api.client.get("/api/v1/drugs?limit=0&rule_set=mars")
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/invalid-input")
    fields = {e["field"]: e for e in body["errors"]}
    assert fields["query.limit"]["expected"] == "a number ge 1"
    assert "query.rule_set" in fields


def test_malformed_json_body_is_422_not_500(api: Api) -> None:
    response = api.client.post(
        "/api/v1/auth/login",
        content=b'{"username": "x", ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["expected"] == "a JSON document"


def test_unknown_route_and_wrong_method_are_problems(api: Api) -> None:
    missing = api.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = api.client.delete("/api/v1/drugs")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


def test_openapi_declares_errors_as_problem_json(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert list(login["422"]["content"]) == ["application/problem+json"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
