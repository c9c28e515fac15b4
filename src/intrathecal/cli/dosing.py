"""CLI: drug catalogue and program safety checks."""

import typer


def register(app: typer.Typer) -> None:
    """Add the dosing commands to the root app."""
