"""The Jinja2 environment and ``render``: every HTML page of the web application goes through it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from intrathecal.api.denials import note_refusal
from intrathecal.clinic.program_review import dose_text
from intrathecal.web import csrf
from intrathecal.web.forms import FormErrors
from intrathecal.web.navigation import links_for, patient_links

environment = Environment(
    loader=PackageLoader("intrathecal.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def words(value: str) -> str:
    """A code such as ``wound_check`` as words: ``Wound check``."""
    return value.replace("_", " ").replace(".", " ").capitalize()


def day(value: date | datetime | None) -> str:
    """A date the way people read it: ``Mon 30 Nov 2026`` (``—`` when missing)."""
    return "—" if value is None else value.strftime("%a %d %b %Y")


def when(value: datetime | None) -> str:
    """A moment as date and 24-hour UTC time: ``Mon 30 Nov 2026, 14:00 UTC``."""
    return "—" if value is None else value.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


environment.filters.update(words=words, day=day, when=when, dose_text=dose_text)
environment.globals.update(patient_links=patient_links)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the page basics (user, navigation, CSRF token) added.

    Views pass only what the page shows; ``form`` (what the user typed) and ``errors``
    (a ``FormErrors``) default to empty so every form template can use them. A refused
    submit's errors are its reason in the audit (``api.denials``).
    """
    principal = getattr(request.state, "principal", None)
    values: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "nav": links_for(principal.role if principal is not None else None),
        "csrf_token": csrf.token_for(request),
        "form": {},
        "errors": None,
    }
    values.update(context or {})
    errors = values["errors"]
    if status_code >= 400 and isinstance(errors, FormErrors) and errors:
        note_refusal(request, errors.summary())
    html = environment.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    csrf.set_cookie_if_new(request, response)
    return response
