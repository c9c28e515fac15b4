"""CLI: pump simulation."""

import typer


def register(app: typer.Typer) -> None:
    """Add these commands to the root app (filled in by the owning work item)."""
