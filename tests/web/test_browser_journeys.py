"""Each role's main job in a real browser (chromium), on SQLite and PostgreSQL, with axe-core
checking every page visited. With ``INTRATHECAL_SCREENSHOTS=1`` the pages linked from the
README are saved into ``docs/screenshots/``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.web.conftest import Visit
from tests.web.live import screenshot

pytestmark = pytest.mark.browser

OpenVisit = Callable[[], Visit]


def _request_appointment(public: Visit, name: str) -> None:
    screenshot(public.goto("/"), "public-home")
    public.goto("/insurance")
    public.goto("/locations")
    page = public.goto("/request-appointment")
    public.submit("Send request")  # empty: every required field is named
    assert page.locator("#e-name").is_visible()
    assert page.locator("#e-reason").is_visible()
    screenshot(page, "public-request-errors")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Phone number or e-mail").fill("555-010-7788")
    page.get_by_label("What would you like help with?").fill("Back pain, asking about a pump")
    page.get_by_label("Insurance").select_option("Medicare")
    public.submit("Send request")
    assert "/request-appointment/sent" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("Thank you")
    screenshot(page, "public-request-sent")


def test_public_request_is_booked_by_the_scheduler(open_visit: OpenVisit) -> None:
    tag = uuid.uuid4().hex[:6]
    requester = f"Alex Rivera {tag}"
    _request_appointment(open_visit(), requester)

    scheduler = open_visit()
    page = scheduler.login("scheduler")
    assert page.url.endswith("/scheduler/requests")
    screenshot(page, "scheduler-requests")
    row = page.get_by_role("row").filter(has_text=requester)
    with page.expect_navigation():
        row.get_by_role("button", name="Book").click()
    scheduler.axe.check(page)
    page.get_by_label("Search patients").fill("Rivera")
    scheduler.submit("Search")
    page.get_by_label("Rivera, Alex", exact=False).check()
    page.get_by_label("Kind of visit").select_option("evaluation")
    page.get_by_label("Location").select_option("main")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Time (UTC)").fill("10:30")
    screenshot(page, "scheduler-booking")
    scheduler.submit("Book the visit")
    assert "/scheduler/calendar" in page.url
    assert page.get_by_role("cell", name="Rivera, Alex · MRN DEMO-0001").count() >= 1
    screenshot(page, "scheduler-calendar")
    scheduler.goto("/scheduler/requests")
    assert page.get_by_role("row").filter(has_text=requester).count() == 0


def test_admin_verifies_the_audit_chain(open_visit: OpenVisit) -> None:
    admin = open_visit()
    page = admin.login("admin")
    assert page.url.endswith("/admin/users")
    assert page.get_by_role("cell", name="scheduler.demo", exact=True).is_visible()
    screenshot(page, "admin-users")
    admin.goto("/admin/reference")
    admin.goto("/admin/audit")
    admin.submit("Verify the audit chain")
    assert "The audit chain is intact" in page.locator("#verify-result").inner_text()
    screenshot(page, "admin-audit")


def test_patient_sees_their_next_refill_date(open_visit: OpenVisit) -> None:
    patient = open_visit()
    page = patient.login("patient")
    assert page.url.endswith("/portal")
    assert "Your next refill is due by" in page.locator("#next-refill").inner_text()
    assert "no bolus records" in page.locator("#bolus-history").inner_text()
    screenshot(page, "portal-record")
    patient.goto("/portal/safety")
    screenshot(page, "portal-safety")
    assert page.locator("#tone-critical").is_visible()
    patient.goto("/portal/appointments")
    patient.goto("/admin/users")  # another role's page: the 403 page, also accessible
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot open this page"
