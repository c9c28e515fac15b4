"""CSRF protection for every form: a token per session, checked on every unsafe request.

Logged in, the token is an HMAC of the session secret (never stored; it changes with the
session). Before login (the login form, the public appointment form) it is a random value
in an HttpOnly ``SameSite=Strict`` cookie that the form must echo (double submit). HTMX
sends the token as the ``X-CSRF-Token`` header (set on ``<body hx-headers>``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from intrathecal.clinic.errors import ClinicError

CSRF_COOKIE = "intrathecal_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(ClinicError):
    """An unsafe request came without the page's CSRF token (or with a wrong one)."""


def session_cookie_name(request: Request) -> str:
    """The session cookie's name, as the application's settings say."""
    name: str = request.app.state.context.settings.session_cookie
    return name


def cookie_secure(request: Request) -> bool:
    """Cookies get ``Secure`` when the settings say so or the request came over TLS."""
    configured: bool = request.app.state.context.settings.cookie_secure
    return configured or request.url.scheme == "https"


def _from_session(secret: str) -> str:
    return hmac.new(secret.encode(), b"intrathecal web csrf v1", hashlib.sha256).hexdigest()


def token_for(request: Request) -> str:
    """The token the current page's forms must carry."""
    session = request.cookies.get(session_cookie_name(request))
    if session:
        return _from_session(session)
    anonymous = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not anonymous:
        anonymous = secrets.token_urlsafe(32)
        request.state.new_csrf = anonymous
    return str(anonymous)


def set_cookie_if_new(request: Request, response: Response) -> None:
    """Send the anonymous token's cookie when this request created it."""
    new = getattr(request.state, "new_csrf", None)
    if new and CSRF_COOKIE not in request.cookies:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="strict",
            secure=cookie_secure(request),
            path="/",
        )


async def verify_csrf(request: Request) -> None:
    """Dependency of every web router: refuse an unsafe request without the right token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    session = request.cookies.get(session_cookie_name(request))
    expected = _from_session(session) if session else request.cookies.get(CSRF_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused(
            "this form has expired or did not come from this site; reload the page and try again"
        )
