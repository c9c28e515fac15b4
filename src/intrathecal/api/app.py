"""The clinic REST API: ``build_api(services)`` builds the FastAPI application.

The app holds no rules: each route parses its input, checks the caller's role against
the policy, calls one clinic use case through a fresh unit of work, and renders the
result. Errors of every layer become RFC 9457 problem+json (see ``api.errors``).
``intrathecal.bootstrap.create_app`` wires the services and calls this.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI

from intrathecal.api.body_limit import BodySizeLimit
from intrathecal.api.client_address import TrustedProxies
from intrathecal.api.denials import RefusalAudit
from intrathecal.api.docs_pages import install_docs
from intrathecal.api.errors import install_error_handlers
from intrathecal.api.idempotency import idempotency, install_idempotency
from intrathecal.api.openapi import install_openapi
from intrathecal.api.routes import (
    appointments,
    audit,
    auth,
    care,
    dosing,
    fhir,
    health,
    pathway,
    patients,
    programming,
    reference,
    users,
    worklist,
)
from intrathecal.api.strict_json import StrictJson
from intrathecal.bootstrap import Services
from intrathecal.clinic.audit_sealer import AuditSealer
from intrathecal.web import install_web

API_PREFIX = "/api/v1"
IDEMPOTENT = [Depends(idempotency)]

DESCRIPTION = (
    "Records, care-pathway workflows and worklists for an intrathecal pump clinic. "
    "Decision support and records software, not a certified medical device. "
    'Quantities travel as text with their unit (e.g. `"10 mg/mL"`); errors are RFC 9457 '
    "problem+json. Authenticate with `POST /api/v1/auth/login` (session cookie) or an API "
    "token (`Authorization: Bearer ...`)."
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the request thread pool; seal the audit log in the background while the app
    serves (when keyed)."""
    services: Services = app.state.context
    to_thread.current_default_thread_limiter().total_tokens = services.settings.threads
    key = services.audit_key
    sealer = None
    if key is not None:
        sealer = AuditSealer(services.uow_factory, key, services.settings.audit_seal_seconds)
        sealer.start()
    try:
        yield
    finally:
        if sealer is not None:
            sealer.stop()


def build_api(services: Services) -> FastAPI:
    """The API over ``services`` (``app.state.context``), with its error handlers."""
    settings = services.settings
    app = FastAPI(
        lifespan=_lifespan,
        title=settings.title,
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.context = services
    app.state.proxies = TrustedProxies(settings.trusted_proxies)
    install_error_handlers(app)
    app.add_middleware(StrictJson)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_idempotency(app)
    app.add_middleware(RefusalAudit)  # outermost of these: sees every refusal's final status
    install_openapi(app)
    install_docs(app, "/openapi.json")
    app.include_router(health.router)
    # FastAPI tries routes in the order they were added, so the reads every screen starts
    # with come first (each route tried before the right one costs a few microseconds).
    for module in (
        worklist,
        patients,
        auth,
        users,
        reference,
        pathway,
        programming,
        dosing,
        care,
        appointments,
        audit,
    ):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=IDEMPOTENT)
    app.include_router(programming.cosign_router, prefix=API_PREFIX, dependencies=IDEMPOTENT)
    app.include_router(fhir.router)
    install_web(app)
    return app
