"""HTML error pages for web requests: 403/404/429/500 pages, never a stack trace.

The API's problem+json handlers stay in charge of API paths; ``install_error_pages`` wraps
each of them so a request for a web page gets a page instead (a missing login redirects
to the login form). A refused request for a clinical page (no login, a role without
access, a record not found) is audited as the API's are (``api.denials``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from intrathecal.api.denials import audit_refusal, note_refusal
from intrathecal.clinic.auth import InvalidCredentials
from intrathecal.clinic.auth_ratelimit import LoginThrottled
from intrathecal.clinic.denials import ACCESS_DENIED
from intrathecal.clinic.errors import (
    ClinicError,
    Conflict,
    NotFound,
    PermissionDenied,
)
from intrathecal.core.errors import CoreError
from intrathecal.web.csrf import CsrfRefused
from intrathecal.web.deps import LoginRequired
from intrathecal.web.templating import render

log = logging.getLogger("intrathecal.web")

#: Path prefixes that belong to the machine interfaces, not to the web pages.
NON_WEB_PREFIXES = ("/api/", "/fhir", "/docs", "/openapi.json", "/health")

_PAGES = {
    400: ("This request could not be used", "Go back, check what you entered and try again."),
    403: ("You cannot open this page", "Your role does not give access to this page."),
    404: ("Page not found", "The page does not exist, or you may not see it."),
    405: ("This action is not available here", "Go back and use the buttons on the page."),
    409: ("Someone changed this first", "Reload the page to see the latest version."),
    422: ("This address is not valid", "Use the links on the site rather than typing one."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Something went wrong on our side", "The problem has been logged. Please try again."),
}

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def is_web_request(request: Request) -> bool:
    """True for the web pages (everything outside the API, FHIR and API-docs paths)."""
    return not request.url.path.startswith(NON_WEB_PREFIXES)


def error_page(request: Request, status: int, message: str | None = None) -> Response:
    """The page for ``status``; ``message`` (already safe to show) replaces the default."""
    title, hint = _PAGES.get(status, _PAGES[400])
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message or hint},
        status_code=status,
    )


def _login_redirect(request: Request) -> Response:
    target = "/login"
    if request.method == "GET" and request.url.path != "/login":
        target += "?next=" + quote(request.url.path, safe="/")
    return RedirectResponse(target, status_code=303)


def _web_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequired | InvalidCredentials):
        return _login_redirect(request)
    if isinstance(exc, CsrfRefused | PermissionDenied):
        return error_page(request, 403, str(exc) if isinstance(exc, CsrfRefused) else None)
    if isinstance(exc, NotFound):
        return error_page(request, 404)
    if isinstance(exc, LoginThrottled):
        return error_page(request, 429)
    if isinstance(exc, Conflict):
        return error_page(request, 409, f"{exc}. Reload the page to see the latest version.")
    if isinstance(exc, RequestValidationError):
        return error_page(request, 422)
    if isinstance(exc, StarletteHTTPException):
        return error_page(request, exc.status_code if exc.status_code in _PAGES else 400)
    if isinstance(exc, ClinicError | CoreError):
        return error_page(request, 400, str(exc))
    log.error("unexpected %s on a web page", type(exc).__name__)
    return error_page(request, 500)


def install_error_pages(app: FastAPI) -> None:
    """Route errors on web paths to HTML pages; API paths keep their problem+json."""
    for kind in (
        RequestValidationError,
        StarletteHTTPException,
        LoginThrottled,
        InvalidCredentials,
        ClinicError,
        CoreError,
        Exception,
        CsrfRefused,
        LoginRequired,
    ):
        original = app.exception_handlers.get(kind) or app.exception_handlers.get(ClinicError)
        app.add_exception_handler(kind, _dispatch(original))


def _dispatch(original: Handler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_web_request(request) or original is None:
            page = _web_page(request, exc)
            refused = 401 if isinstance(exc, LoginRequired) else page.status_code
            if refused in ACCESS_DENIED:
                await audit_refusal(request, refused, str(exc))
            note_refusal(request, str(exc))
            return page
        answer = original(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return handle
