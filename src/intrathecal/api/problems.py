"""RFC 9457 problem details: every error the API returns, in one shape and one place.

A problem is ``{"type", "title", "status", "detail"}`` with media type
``application/problem+json``; validation problems add ``errors``, a list naming each
offending field (``field``), what was wrong (``message``) and what was expected
(``expected``) when known.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://intrathecal.example/problems/"


class FieldError(BaseModel):
    """One invalid input field."""

    field: str = Field(description="Dotted location, e.g. 'body.concentration'.")
    message: str
    expected: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal error",
}

_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    428: "precondition-required",
    429: "rate-limited",
    500: "internal-error",
}


def problem_type(status: int, slug: str | None = None) -> str:
    """The ``type`` URI for a status (or a more specific slug)."""
    return _TYPE_BASE + (slug or _SLUGS.get(status, "error"))


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body = Problem(
        type=problem_type(status, slug),
        title=title or _TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        errors=list(errors) if errors is not None else None,
    ).model_dump(exclude_none=True)
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring problem+json bodies for ``statuses``."""
    return {
        status: {
            "model": Problem,
            "description": _TITLES.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
