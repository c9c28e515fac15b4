"""Liveness: ``GET /health`` answers without touching patient data."""

from __future__ import annotations

from pydantic import BaseModel

from intrathecal.api.routing import api_router

router = api_router(tags=["health"])


class Health(BaseModel):
    """The service is up."""

    status: str = "ok"


@router.get("/health", response_model=Health)
def health() -> Health:
    """The service is running."""
    return Health()
