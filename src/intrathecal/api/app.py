"""The clinic web service: ``create_app(settings)`` builds the FastAPI application.

The app holds no rules: each route parses its input, checks the caller's role against
the policy, calls one clinic use case through a fresh unit of work, and renders the
result. Errors of every layer become RFC 9457 problem+json (see ``api.errors``).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from intrathecal.api.body_limit import BodySizeLimit
from intrathecal.api.context import ApiContext
from intrathecal.api.errors import install_error_handlers
from intrathecal.api.openapi import install_openapi
from intrathecal.api.routes import (
    appointments,
    audit,
    auth,
    care,
    health,
    pathway,
    patients,
    programming,
    reference,
    users,
    worklist,
)
from intrathecal.api.settings import Settings
from intrathecal.clinic.uow import UnitOfWork

API_PREFIX = "/api/v1"

DESCRIPTION = (
    "Records, care-pathway workflows and worklists for an intrathecal pump clinic. "
    "Decision support and records software, not a certified medical device. "
    'Quantities travel as text with their unit (e.g. `"10 mg/mL"`); errors are RFC 9457 '
    "problem+json. Authenticate with `POST /api/v1/auth/login` (session cookie) or an API "
    "token (`Authorization: Bearer ...`)."
)


def create_app(
    settings: Settings | None = None,
    *,
    uow_factory: Callable[[], UnitOfWork] | None = None,
) -> FastAPI:
    """Build the application; ``uow_factory`` overrides the database (tests, fakes)."""
    settings = settings or Settings()
    context = ApiContext.build(settings, uow_factory)
    app = FastAPI(
        title=settings.title,
        version="1",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.context = context
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_openapi(app)
    app.include_router(health.router)
    for module in (
        auth,
        users,
        reference,
        patients,
        pathway,
        programming,
        care,
        appointments,
        worklist,
        audit,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    return app
