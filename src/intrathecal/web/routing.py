"""``web_router()``: the router every web view module uses, with the shared protections.

Every router made here checks the CSRF token on unsafe methods, answers HTML and stays
out of the OpenAPI schema.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from intrathecal.web.csrf import verify_csrf


def web_router() -> APIRouter:
    """A router for web pages: CSRF-checked, HTML responses, hidden from the API schema."""
    return APIRouter(
        dependencies=[Depends(verify_csrf)],
        include_in_schema=False,
        default_response_class=HTMLResponse,
    )
