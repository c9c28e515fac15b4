"""Public pages (no login): what the therapy is, insurers, locations, the appointment form."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from intrathecal.api.deps import ClientIp, Context, Uow
from intrathecal.api.fields import Name, TextRule
from intrathecal.clinic import config, scheduling
from intrathecal.clinic.commands import RequestAppointment
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.records import Actor
from intrathecal.web.deps import Visitor
from intrathecal.web.forms import FormErrors, form_data, location_choices, validate
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_DIGITS = 7


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class AppointmentForm(BaseModel):
    """The public appointment request as typed into the form."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    contact: Name
    reason: Annotated[str, TextRule(2000, 1)]
    location_code: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    insurer: Annotated[str | None, BeforeValidator(_blank_is_none)] = None

    @field_validator("contact")
    @classmethod
    def _reachable(cls, value: str) -> str:
        digits = sum(ch.isdigit() for ch in value)
        if not (_EMAIL.match(value) or digits >= _PHONE_DIGITS):
            raise ValueError("Enter a phone number or an e-mail address we can reach you at.")
        return value


FIELDS = tuple(AppointmentForm.model_fields)


@router.get("/")
def home(request: Request, _: Visitor) -> Response:
    """The clinic's page about intrathecal pumps, in plain language."""
    return render(request, "public/home.html")


@router.get("/insurance")
def insurance(request: Request, _: Visitor) -> Response:
    """Insurance providers the clinic accepts (from the data file)."""
    return render(request, "public/insurance.html", {"insurers": config.insurers().values()})


@router.get("/locations")
def locations(request: Request, _: Visitor) -> Response:
    """Where patients are seen (from the data file; placeholders until the clinic fills it)."""
    return render(request, "public/locations.html", {"locations": config.locations()})


def _form_page(request: Request, form: dict[str, str], errors: FormErrors | None) -> Response:
    return render(
        request,
        "public/request.html",
        {
            "form": form,
            "errors": errors,
            "locations": location_choices(),
            "insurers": [(i.name, i.name) for i in config.insurers().values()],
        },
        status_code=422 if errors else 200,
    )


@router.get("/request-appointment")
def request_form(request: Request, _: Visitor) -> Response:
    """The appointment request form."""
    return _form_page(request, {}, None)


@router.post("/request-appointment")
async def request_appointment(
    request: Request, work: Uow, ip: ClientIp, ctx: Context, _: Visitor
) -> Response:
    """Store the request through the scheduling use case; errors keep what was typed."""
    data = await form_data(request)
    parsed = validate(AppointmentForm, data)
    if isinstance(parsed, FormErrors):
        return _form_page(request, data, parsed)
    try:
        scheduling.request_appointment(
            work,
            RequestAppointment(
                name=parsed.name,
                contact=parsed.contact,
                reason=parsed.reason,
                location_code=parsed.location_code,
                insurer=parsed.insurer,
            ),
            Actor.public(ip),
            ctx.throttle,
        )
    except ValidationFailed as exc:
        errors = FormErrors()
        errors.add_clinic_error(exc, FIELDS)
        return _form_page(request, data, errors)
    return RedirectResponse("/request-appointment/sent", status_code=303)


@router.get("/request-appointment/sent")
def request_sent(request: Request, _: Visitor) -> Response:
    """The confirmation (it names no one: the request's details stay out of the address)."""
    return render(request, "public/sent.html")
