"""Liveness: ``GET /health`` answers without touching patient data."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The service is up."""

    status: str = "ok"


@router.get("/health", response_model=Health)
def health() -> Health:
    """The service is running."""
    return Health()
