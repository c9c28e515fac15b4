"""CLI: emergency protocols and MRI checklists (``intrathecal protocols ...``), read-only."""

from __future__ import annotations

from typing import Annotated

import typer

from intrathecal.cli._common import guarded
from intrathecal.clinic import protocols
from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.protocols import Protocol

app = typer.Typer(
    help="Emergency protocols and MRI checklists (sourced; decision support only).",
    no_args_is_help=True,
)


def _show(protocol: Protocol) -> None:
    typer.echo(protocol.title)
    for number, step in enumerate(protocol.steps.value, 1):
        typer.echo(f"  {number}. {step}")
    typer.echo(f"  source ({protocol.steps.status.value}): {protocol.steps.source.citation}")


@app.command("list")
def list_protocols() -> None:
    """The emergency protocols and MRI checklists on file."""
    for key, protocol in protocols.emergency_protocols().items():
        typer.echo(f"emergency  {key:22} {protocol.title}")
    for key, protocol in protocols.mri_checklists().items():
        typer.echo(f"mri        {key:22} {protocol.title}")


@app.command("show")
@guarded
def show(
    key: Annotated[str, typer.Argument(help="opioid_overdose, baclofen_withdrawal, pocket_fill")],
) -> None:
    """One emergency protocol, step by step, with its source."""
    _show(protocols.emergency_protocol(key))


@app.command("mri")
@guarded
def mri(
    pump_model: Annotated[str, typer.Argument(help="Pump model key, e.g. synchromed-ii-20.")],
) -> None:
    """The MRI checklist for a pump model."""
    checklist = protocols.mri_checklist(pump_model)
    if checklist is None:
        known = ", ".join(sorted(protocols.mri_checklists()))
        raise NotFound(f"no MRI checklist for pump model {pump_model!r}; families: {known}")
    _show(checklist)


def register(root: typer.Typer) -> None:
    """Add ``protocols`` to the root app."""
    root.add_typer(app, name="protocols")
