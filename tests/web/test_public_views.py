"""Public pages and the appointment form over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.web.conftest import Web


def _open_requests(web: Web) -> int:
    with web.context.uow_factory() as uow:
        return len(uow.appointment_requests.open(100))


@pytest.mark.parametrize("path", ["/", "/insurance", "/locations", "/request-appointment"])
def test_public_pages_render_without_login(web: Web, path: str) -> None:
    response = web.client().get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<main id="main"' in response.text
    assert 'href="#main"' in response.text


def test_home_page_lists_the_eleven_risks(web: Web) -> None:
    page = web.client().get("/").text
    risks = page.split('id="risks"')[1].split("</ol>")[0]
    assert risks.count("<li>") == 11


def test_insurance_page_lists_every_accepted_insurer_from_the_data_file(web: Web) -> None:
    from intrathecal.clinic import config

    page = web.client().get("/insurance").text
    for insurer in config.insurers().values():
        assert f"<li>{insurer.name}</li>" in page


def test_appointment_request_is_stored_and_confirmed_without_personal_data_in_the_url(
    web: Web,
) -> None:
    visitor = web.client()
    visitor.get("/request-appointment")
    response = visitor.submit(
        "/request-appointment",
        {
            "name": "Robin Tester",
            "contact": "555-010-2030",
            "reason": "Back pain after surgery",
            "location_code": "main",
            "insurer": "Aetna",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/request-appointment/sent"
    assert "Robin" not in response.headers["location"]
    assert "we have your request" in visitor.get("/request-appointment/sent").text
    with web.context.uow_factory() as uow:
        (stored,) = uow.appointment_requests.open(10)
    assert (stored.name, stored.insurer, stored.location_code) == ("Robin Tester", "aetna", "main")


def test_failed_appointment_submit_keeps_input_and_names_each_bad_field(web: Web) -> None:
    visitor = web.client()
    visitor.get("/request-appointment")
    response = visitor.submit(
        "/request-appointment",
        {"name": "Robin Tester", "contact": "call me", "reason": "", "insurer": "Aetna"},
    )
    assert response.status_code == 422
    page = response.text
    assert 'value="Robin Tester"' in page
    assert 'value="call me"' in page
    assert 'id="e-contact"' in page
    assert "phone number or an e-mail" in page
    assert 'id="e-reason"' in page
    assert 'aria-invalid="true"' in page
    assert '<option value="Aetna" selected>' in page
    assert _open_requests(web) == 0


def test_unknown_location_is_reported_next_to_its_field(web: Web) -> None:
    visitor = web.client()
    visitor.get("/request-appointment")
    response = visitor.submit(
        "/request-appointment",
        {"name": "Robin", "contact": "robin@example.org", "reason": "pain", "location_code": "x"},
    )
    assert response.status_code == 422
    assert 'id="e-location_code"' in response.text
    assert _open_requests(web) == 0


def test_form_post_without_csrf_token_is_refused_and_writes_nothing(web: Web) -> None:
    visitor = web.client()
    visitor.get("/request-appointment")
    response = visitor.submit(
        "/request-appointment",
        {"name": "Robin", "contact": "robin@example.org", "reason": "pain"},
        with_token=False,
    )
    assert response.status_code == 403
    assert "reload the page" in response.text
    assert _open_requests(web) == 0


def test_form_post_with_another_visitors_token_is_refused(web: Web) -> None:
    other = web.client()
    other.get("/request-appointment")
    visitor = web.client()
    visitor.get("/request-appointment")
    visitor.token = other.token
    response = visitor.submit(
        "/request-appointment", {"name": "Robin", "contact": "robin@example.org", "reason": "x"}
    )
    assert response.status_code == 403
    assert _open_requests(web) == 0


def test_unknown_page_is_an_html_404_and_api_paths_keep_problem_json(web: Web) -> None:
    visitor = web.client()
    page = visitor.get("/no-such-page")
    assert page.status_code == 404
    assert "Page not found" in page.text
    assert "Traceback" not in page.text
    api = visitor.client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_vendored_assets_are_served_locally(web: Web) -> None:
    visitor = web.client()
    page = visitor.get("/").text
    assert "https://" not in page.split("</head>")[0]
    for asset in ("/static/vendor/htmx-2.0.11.min.js", "/static/vendor/pico-2.1.1.min.css"):
        assert asset in page
        assert visitor.client.get(asset).status_code == 200


def test_every_page_names_an_icon_the_server_has(web: Web) -> None:
    # Without one the browser asks for /favicon.ico on every page and logs a 404.
    visitor = web.client()
    assert '<link rel="icon" href="/static/favicon.svg"' in visitor.get("/").text
    icon = visitor.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
