"""Form handling for views: read a posted form, validate it, and keep errors per field.

A failed submit re-renders the page with ``form`` (what the user typed) and ``errors``
(``FormErrors``: a message per field plus messages for the whole form); the
``_partials/forms.html`` macros show each message next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from intrathecal.clinic import config
from intrathecal.web.csrf import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)
_INDEX = re.compile(r"\[\d+\]")  # a list index in an error's field path


@dataclass
class FormErrors:
    """Messages for one submitted form: per field, and for the form as a whole."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def add(self, name: str | None, message: str) -> None:
        """Record ``message`` against ``name`` (or the whole form when ``None``)."""
        if name is None:
            self.general.append(message)
        else:
            self.fields.setdefault(name, message)

    def get(self, name: str) -> str | None:
        """The message for one field, if any."""
        return self.fields.get(name)

    def summary(self) -> str:
        """Every message on one line (``field: message``), for the audit of the refusal."""
        return "; ".join([f"{k}: {v}" for k, v in self.fields.items()] + self.general)

    def add_clinic_error(
        self, exc: Exception, known: Iterable[str], fields: Mapping[str, str] | None = None
    ) -> None:
        """File a use case's error (``"field: message"``) under its field when it names one;
        ``fields`` maps a dotted path without list indices (``diagnoses[0].code`` is
        ``diagnoses.code``) to the form field that shows it, as for ``validate``."""
        text = str(exc)
        head, sep, rest = text.partition(":")
        name = head.strip()
        path = _INDEX.sub("", name)
        if sep and fields and path in fields:
            self.add(fields[path], rest.strip())
        elif sep and name in set(known):
            self.add(name, rest.strip())
        else:
            self.add(None, text)


async def form_data(request: Request) -> dict[str, str]:
    """The posted form as text fields (files and the CSRF token left out)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


_MESSAGES = {
    "missing": "This field is required.",
    "string_too_short": "This field is required.",
    "string_too_long": "This is too long.",
    "int_parsing": "Enter a whole number.",
    "datetime_from_date_parsing": "Enter a date and time.",
    "datetime_parsing": "Enter a date and time.",
    "date_from_datetime_parsing": "Enter a date.",
    "date_parsing": "Enter a date.",
}


def validate(
    model: type[M], data: Mapping[str, Any], fields: Mapping[str, str] | None = None
) -> M | FormErrors:
    """The form as ``model``, or its errors by field (plain language).

    ``fields`` names the form field of a model location the form spells differently
    (``"injections"`` -> ``"dose"``, ``"spasticity.before"`` -> ``"spasticity_before"``):
    the longest matching dotted prefix wins, so the error shows next to what was typed."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        errors = FormErrors()
        for error in exc.errors():
            loc = error.get("loc") or ()
            name = _field_of(loc, fields or {})
            message = _MESSAGES.get(error["type"]) or str(error.get("msg", "Invalid value."))
            errors.add(name, message.removeprefix("Value error, "))
        return errors


def _field_of(loc: tuple[int | str, ...], fields: Mapping[str, str]) -> str | None:
    """The form field an error at model location ``loc`` belongs to."""
    parts = [str(part) for part in loc if not isinstance(part, int)]
    for end in range(len(parts), 0, -1):
        found = fields.get(".".join(parts[:end]))
        if found is not None:
            return found
    return str(loc[0]) if loc else None


def location_choices() -> list[tuple[str, str]]:
    """The clinic's locations as a select's options: (code, name)."""
    return [(loc.code, loc.name) for loc in config.locations()]
