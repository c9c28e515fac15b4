"""Mount the web application (pages, static files, HTML error pages) into the FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from intrathecal.web.errors import install_error_pages
from intrathecal.web.views import (
    admin,
    auth,
    clinician,
    clinician_care,
    clinician_cosign,
    clinician_dosing,
    clinician_pathway,
    clinician_programming,
    clinician_register,
    portal,
    public,
    scheduler,
)

STATIC_DIR = Path(__file__).parent / "static"

#: Every area's router; a new area adds its module here.
ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    public.router,
    clinician.router,
    clinician_care.router,
    clinician_cosign.router,
    clinician_dosing.router,
    clinician_pathway.router,
    clinician_programming.router,
    clinician_register.router,
    scheduler.router,
    admin.router,
    portal.router,
)


def install_web(app: FastAPI) -> None:
    """Add the web pages to ``app`` (call after the API's error handlers are installed)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    install_error_pages(app)
