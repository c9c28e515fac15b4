"""THE main journey of the web application, in chromium on a live server (SQLite and
PostgreSQL), axe-core on every page: a public appointment request is booked by the
scheduler; a nurse records a refill with a discrepancy; a physician changes the program in a
way that needs a co-signature; a second physician confirms it in their own session; the
patient sees the new refill date in the portal."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.web.conftest import Visit
from tests.web.live import LiveServer
from tests.web.test_clinician_browser import patient_id

pytestmark = pytest.mark.browser

OpenVisit = Callable[[], Visit]


def test_request_booking_refill_cosigned_program_and_portal(
    open_visit: OpenVisit, live: LiveServer
) -> None:
    # the public asks for an appointment
    public = open_visit()
    requester = f"Jordan Lee {uuid.uuid4().hex[:6]}"
    page = public.goto("/request-appointment")
    page.get_by_label("Your name").fill(requester)
    page.get_by_label("Phone number or e-mail").fill("555-010-4242")
    page.get_by_label("What would you like help with?").fill("Pump refill questions")
    public.submit("Send request")
    assert "/request-appointment/sent" in page.url

    # the scheduler books it
    scheduler = open_visit()
    page = scheduler.login("scheduler")
    row = page.get_by_role("row").filter(has_text=requester)
    with page.expect_navigation():
        row.get_by_role("button", name="Book").click()
    scheduler.axe.check(page)
    page.get_by_label("Search patients").fill("Nakamura")
    scheduler.submit("Search")
    page.get_by_label("Nakamura, Kenji", exact=False).check()
    page.get_by_label("Kind of visit").select_option("refill")
    page.get_by_label("Location").select_option("main")
    page.get_by_label("Date").fill((datetime.now(UTC) + timedelta(days=2)).date().isoformat())
    page.get_by_label("Time (UTC)").fill("09:00")
    scheduler.submit("Book the visit")
    assert "/scheduler/calendar" in page.url

    # the nurse refills with a discrepancy: 20 mL 10 days ago at 0.3 mL/day leaves 17 mL
    pid = patient_id(live, "DEMO-0004")
    with live.services.uow_factory() as uow:
        status = uow.care_status.get(pid)
    assert status is not None
    before_refill = status.refill_due
    nurse = open_visit()
    nurse.login("nurse")
    page = nurse.goto(f"/clinic/patients/{pid}/refill")
    for step in ("interrogate", "locate", "aspirate", "inject", "update"):
        page.check(f"#f-step_{step}")
    page.get_by_label("Residual volume aspirated").fill("12 mL")
    page.get_by_label("Lot number").fill("LOT-JOURNEY")
    page.get_by_label("Volume injected").fill("18 mL")
    nurse.submit("Record refill and review")
    assert "Discrepancy" in page.locator("main").inner_text()
    due_text = page.locator("li:has-text('Next refill due') strong").inner_text()
    next_due = date.fromisoformat(due_text)

    # the physician raises the dose: a SOFT finding that needs a co-signature
    doctor = open_visit()
    doctor.login("physician")
    page = doctor.goto(f"/clinic/patients/{pid}/program")
    page.get_by_label("Basal rate (continuous)").fill("0.39 mL/day")
    soft = page.locator("#findings li.finding-soft")
    soft.first.wait_for()
    doctor.axe.check(page)
    for box in page.locator("#findings input[name=accept]").all():
        box.check()
    page.get_by_label("Reason for accepting the SOFT findings").fill("pain uncontrolled")
    doctor.submit("Save the new program")
    assert "waiting for a co-signature" in page.locator("main").inner_text()
    pending = re.search(r"v(\d+)", page.locator(".pending-version").first.inner_text())
    assert pending is not None
    assert "Review and co-sign" not in page.locator("main").inner_text()  # not their own

    # the second physician confirms it in their own session
    second = open_visit()
    page = second.goto("/login")
    page.get_by_label("Username").fill("dr.second")
    page.get_by_label("Password").fill("demo-second-pass")
    second.submit("Log in")
    page = second.goto("/clinic/cosign")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(f"{pid}-v{pending.group(1)}")).click()
    second.axe.check(page)
    second.submit("Confirm and put in force")
    newest = page.locator(".rx-history tbody tr").first.inner_text()
    assert f"v{pending.group(1)}" in newest
    assert "active" in newest

    # the patient sees the new refill date: the co-signed dose increase brought it forward
    with live.services.uow_factory() as uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.refill_due is not None
    assert status.refill_due < next_due
    assert before_refill != next_due
    patient = open_visit()
    page = patient.login("patient")
    assert status.refill_due.strftime("%a %d %b %Y") in page.locator("#next-refill").inner_text()
