"""Security headers on every response of the service (API, pages, errors, static files).

* ``X-Content-Type-Options: nosniff``: a browser never guesses a type (a JSON body is
  never run as a script);
* ``Content-Security-Policy: frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for
  old browsers): no page can be framed (clickjacking); a policy set by a page is kept
  and gets ``frame-ancestors 'none'`` added when it has none;
* ``Referrer-Policy: no-referrer``: no URL (which may hold a patient id) leaks onwards;
* ``Cache-Control: no-store`` unless the response sets its own or is a static asset:
  patient data never rests in a browser or proxy cache;
* ``Strict-Transport-Security`` when the service terminates TLS itself.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAME_ANCESTORS = "frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
#: Paths whose responses may be cached (versioned, public assets only).
STATIC_PREFIXES = ("/static/", "/docs-assets/")


class SecurityHeaders:
    """Pure ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(STATIC_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                policy = headers.get("Content-Security-Policy")
                if policy is None:
                    headers["Content-Security-Policy"] = FRAME_ANCESTORS
                elif "frame-ancestors" not in policy:
                    headers["Content-Security-Policy"] = f"{policy}; {FRAME_ANCESTORS}"
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if self.hsts:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
