"""CLI: the clinic service: serve, db, users, audit."""

import typer


def register(app: typer.Typer) -> None:
    """Add these commands to the root app (filled in by the owning work item)."""
