"""Exception handlers: each layer's typed errors mapped to problem+json in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from intrathecal.api.denials import audit_refusal, note_refusal
from intrathecal.api.problems import FieldError, problem_response
from intrathecal.clinic.auth import InvalidCredentials
from intrathecal.clinic.auth_ratelimit import LoginThrottled
from intrathecal.clinic.denials import ACCESS_DENIED, refusal_status
from intrathecal.clinic.errors import ClinicError, SafetyRefused
from intrathecal.core.errors import CoreError
from intrathecal.core.serialize import to_jsonable as jsonable

log = logging.getLogger("intrathecal.api")


class NotAuthenticated(ClinicError):
    """The request carries no valid session cookie or bearer token."""


class PreconditionRequired(ClinicError):
    """A write to a versioned record came without ``If-Match`` or ``version``."""


_EXPECTED_BY_TYPE = {
    "missing": "a value",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
    "string_type": "text",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "datetime_parsing": "a date-time (ISO 8601)",
    "datetime_from_date_parsing": "a date-time (ISO 8601)",
    "json_invalid": "a JSON document",
    "model_attributes_type": "a JSON object",
    "dict_type": "a JSON object",
    "list_type": "a JSON array",
    "extra_forbidden": "no such field",
    "uuid_parsing": "a UUID",
}


def _field_errors(errors: Any) -> list[FieldError]:
    found: list[FieldError] = []
    for error in errors:
        loc = ".".join(str(part) for part in error.get("loc", ()))
        ctx = error.get("ctx") or {}
        expected = ctx.get("expected")
        if expected is None:
            expected = _expected_from(str(error.get("type")), ctx)
        found.append(
            FieldError(
                field=loc or "request",
                message=str(error.get("msg", "invalid")),
                expected=None if expected is None else str(expected),
            )
        )
    return found


def _expected_from(kind: str, ctx: dict[str, Any]) -> str | None:
    bounds = [f"{key} {ctx[key]}" for key in ("ge", "gt", "le", "lt") if key in ctx]
    if bounds:
        return "a number " + " and ".join(bounds)
    lengths = [
        f"{key.split('_')[0]} {ctx[key]}" for key in ("min_length", "max_length") if key in ctx
    ]
    if lengths:
        return "length " + " and ".join(lengths)
    return _EXPECTED_BY_TYPE.get(kind)


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at the request's path (a path may have several routes,
    and the router's own 405 names only the first route's methods)."""
    allowed = []
    for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc.errors())
        fields = ", ".join(e.field for e in errors[:5])
        detail = f"the request has invalid fields: {fields}"
        note_refusal(request, detail)
        return problem_response(422, detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        note_refusal(request, detail)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request))
        return problem_response(exc.status_code, detail, headers=headers)

    @app.exception_handler(LoginThrottled)
    async def _throttled(_: Request, exc: LoginThrottled) -> JSONResponse:
        return problem_response(429, str(exc), headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc: NotAuthenticated) -> JSONResponse:
        await audit_refusal(request, 401, str(exc))
        return problem_response(401, str(exc), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(InvalidCredentials)
    async def _bad_credentials(request: Request, exc: InvalidCredentials) -> JSONResponse:
        await audit_refusal(request, 401, str(exc))
        return problem_response(401, str(exc), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(PreconditionRequired)
    async def _precondition(request: Request, exc: PreconditionRequired) -> JSONResponse:
        note_refusal(request, str(exc))
        return problem_response(428, str(exc))

    @app.exception_handler(ClinicError)
    async def _clinic(request: Request, exc: ClinicError) -> JSONResponse:
        response = clinic_problem(exc)
        if response.status_code in ACCESS_DENIED:
            await audit_refusal(request, response.status_code, str(exc))
        note_refusal(request, str(exc))
        return response

    @app.exception_handler(CoreError)
    async def _core(request: Request, exc: CoreError) -> JSONResponse:
        note_refusal(request, str(exc))
        return problem_response(422, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "an unexpected error occurred; it has been logged")


def clinic_problem(exc: ClinicError) -> JSONResponse:
    """The problem response for a clinic-layer error (its status from ``refusal_status``)."""
    if isinstance(exc, SafetyRefused):
        return problem_response(
            422,
            str(exc),
            slug="safety-refused",
            title="Refused by the safety checker",
            extra={"findings": jsonable(list(exc.findings))},
        )
    return problem_response(refusal_status(exc), str(exc))
