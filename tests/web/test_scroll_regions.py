"""A table that may scroll sideways sits in a region keyboard users can focus and screen
readers can name (axe-core 'scrollable-region-focusable', serious): admin, scheduler and
clinician pages (SQLite, PostgreSQL)."""

from __future__ import annotations

import re

import pytest

from intrathecal.clinic.permissions import Role
from tests.web.clinic_fixtures import make_clinic
from tests.web.conftest import Web

_WRAPPER = re.compile(r'<div class="(?:overflow-auto|table-scroll)"[^>]*>')


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.ADMIN, "/admin/audit"),
        (Role.ADMIN, "/admin/users"),
        (Role.ADMIN, "/admin/reference"),
        (Role.SCHEDULER, "/scheduler/requests"),
        (Role.NURSE, "/clinic/worklist"),
    ],
)
def test_scrollable_tables_are_focusable_named_regions(web: Web, role: Role, path: str) -> None:
    make_clinic(web)  # a patient on the worklist
    visitor = web.client()
    visitor.get("/request-appointment")
    visitor.submit(
        "/request-appointment",
        {"name": "Sam Lee", "contact": "555-010-0000", "reason": "pain", "location_code": "main"},
    )
    page = web.logged_in(role).get(path)
    assert page.status_code == 200
    wrappers = _WRAPPER.findall(page.text)
    assert wrappers, path
    for wrapper in wrappers:
        assert 'tabindex="0"' in wrapper, wrapper
        assert 'role="region"' in wrapper, wrapper
        assert "aria-label" in wrapper, wrapper
