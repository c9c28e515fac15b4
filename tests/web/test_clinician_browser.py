"""Clinician pages in Debian's chromium at tablet width: worklist, chart, refill, programming.

axe-core runs on every clinician page visited. With ``INTRATHECAL_SCREENSHOTS=1`` the test
also saves the screenshots linked from the README into ``docs/screenshots/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.web.live import Axe, LiveServer, live_server

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: Tablet width: the programmers clinicians know are tablets.
TABLET = {"width": 820, "height": 1180}


def _shot(page: Any, name: str) -> None:
    if os.environ.get("INTRATHECAL_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _patient_id(server: LiveServer, mrn: str) -> int:
    with server.services.uow_factory() as uow:
        patient = uow.patients.by_mrn(mrn)
    assert patient is not None
    assert patient.id is not None
    return patient.id


def _login(page: Any, server: LiveServer, username: str, password: str) -> None:
    page.goto(server.url + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _logout(page: Any) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_load_state()


def test_clinician_pages_work_in_a_browser_and_pass_axe(tmp_path: Path, chromium: Any) -> None:
    from playwright.sync_api import expect

    axe = Axe()
    assert_accessible = axe.check
    database = f"sqlite:///{tmp_path / 'clinic.db'}"
    browser = chromium
    with live_server(database) as server:
        page = browser.new_page(viewport=TABLET)
        steady = _patient_id(server, "DEMO-0004")
        _login(page, server, "nurse.demo", "demo-nurse-pass")
        assert page.url.endswith("/clinic/worklist")
        assert page.locator("tbody tr").first.locator("text=BACLOFEN").count() == 1
        assert_accessible(page)
        _shot(page, "worklist")

        page.click("tbody tr >> nth=0 >> a")
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Patient chart"
        assert page.locator("figure.plot svg").count() >= 1
        assert_accessible(page)
        _shot(page, "chart")

        page.goto(f"{server.url}/clinic/patients/{steady}/refill")
        for step in ("interrogate", "locate", "aspirate", "inject", "update"):
            page.check(f"#f-step_{step}")
        page.fill("#f-measured_residual", "12 mL")
        page.fill("#f-lot", "LOT-BROWSER")
        page.fill("#f-volume_added", "18 mL")
        assert_accessible(page)
        _shot(page, "refill")
        page.click("button:has-text('Record refill')")
        page.wait_for_load_state()
        assert "Discrepancy" in page.locator("main").inner_text()
        assert page.locator("table.compare tbody tr").count() >= 4
        assert_accessible(page)

        for path in ("summary", "adverse-event", "evaluation", "trial"):
            page.goto(f"{server.url}/clinic/patients/{steady}/{path}")
            assert page.locator("h1").count() == 1
            assert_accessible(page)
        page.goto(f"{server.url}/clinic/patients")
        assert_accessible(page)
        _logout(page)

        _login(page, server, "dr.demo", "demo-physician-pass")
        page.goto(f"{server.url}/clinic/patients/{steady}/program")
        page.fill("#f-basal_rate", "2 mL/day")
        expect(page.locator("#findings .finding-hard").first).to_be_visible()
        expect(page.locator("#submit-program")).to_be_disabled()
        page.fill("#f-basal_rate", "0.39 mL/day")
        expect(page.locator("#findings .finding-hard")).to_have_count(0)
        expect(page.locator("#findings li.finding-soft")).not_to_have_count(0)
        expect(page.locator("#submit-program")).to_be_enabled()
        assert_accessible(page)
        _shot(page, "programming")
        page.goto(f"{server.url}/clinic/patients/{steady}/implant")
        assert_accessible(page)
