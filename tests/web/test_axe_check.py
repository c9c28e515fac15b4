"""The accessibility check itself: axe-core runs in the page and refuses serious problems."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.live import AccessibilityViolations, Axe

pytestmark = pytest.mark.browser


def test_axe_check_fails_on_an_unlabelled_field_and_passes_a_labelled_one(chromium: Any) -> None:
    page = chromium.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><title>t</title><main><h1>Form</h1>'
            '<input type="text"></main></html>'
        )
        with pytest.raises(AccessibilityViolations, match="label"):
            Axe().check(page)
        page.set_content(
            '<!doctype html><html lang="en"><title>t</title><main><h1>Form</h1>'
            '<label for="n">Name</label><input id="n" type="text"></main></html>'
        )
        Axe().check(page)
    finally:
        page.close()
