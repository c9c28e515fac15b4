"""CLI: ``fhir export`` (a Bundle per patient, or NDJSON per resource type for everyone) and
``fhir import`` (a referral transaction Bundle), acting as a named clinic login."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from intrathecal.cli._common import LARGEST_ID, guarded
from intrathecal.cli.acting import acting_as
from intrathecal.cli.clinic import DatabaseUrl, _settings
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.uow import UnitOfWork

fhir_app = typer.Typer(help="FHIR R4 export and referral import.", no_args_is_help=True)

AsUser = Annotated[
    str,
    typer.Option(
        "--as",
        help="The clinic login to act as: the role policy and the audit apply to it.",
    ),
]
BaseUrl = Annotated[
    str, typer.Option("--base-url", help="Base of the fullUrl of each Bundle entry.")
]


def _unit_of_work(url: str) -> Callable[[], UnitOfWork]:
    """Units of work on an existing database (a missing one is refused, not created)."""
    from intrathecal.storage.db import require_existing
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    require_existing(url)
    return lambda: SqlAlchemyUnitOfWork(url)


@fhir_app.command("export")
@guarded
def export(
    as_user: AsUser,
    patient: Annotated[
        int | None,
        typer.Option("--patient", min=1, max=LARGEST_ID, help="Export this patient only."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory to write to (required to export everyone)."),
    ] = None,
    base_url: BaseUrl = "http://localhost:8000/fhir",
    database_url: DatabaseUrl = None,
) -> None:
    """One patient: a searchset Bundle (stdout, or DIR/Patient-ID.json). Everyone: one
    NDJSON file per resource type in DIR (the bulk-data shape)."""
    from intrathecal.fhir.chart import every_patient_id, read_chart
    from intrathecal.fhir.export import everything_bundle, ndjson_by_type
    from intrathecal.fhir.jsonio import dumps

    new_uow = _unit_of_work(_settings(database_url).database_url)
    with acting_as(new_uow, as_user, "fhir export", patient) as actor:
        if patient is not None:
            chart = read_chart(new_uow(), actor, patient)
            text = dumps(everything_bundle(chart, base_url), pretty=True)
            if out is None:
                typer.echo(text)
                return
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"Patient-{patient}.json"
            target.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"wrote {target}")
            return
        if out is None:
            raise ValidationFailed("--out: a directory is required to export every patient")
        out.mkdir(parents=True, exist_ok=True)
        ids = list(every_patient_id(new_uow(), actor))
        charts = (read_chart(new_uow(), actor, pid) for pid in ids)
        for kind, lines in sorted(ndjson_by_type(charts).items()):
            target = out / f"{kind}.ndjson"
            target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            typer.echo(f"wrote {target} ({len(lines)} resources)")
        typer.echo(f"exported {len(ids)} patients")


@fhir_app.command("import")
@guarded
def import_bundle(
    path: Annotated[Path, typer.Argument(help="A transaction Bundle (FHIR JSON).")],
    as_user: AsUser,
    database_url: DatabaseUrl = None,
) -> None:
    """Import a referral Bundle: match or register the patient, record diagnoses and
    coverage, open an evaluation per referral (all or nothing)."""
    from intrathecal.fhir.importer import import_referral
    from intrathecal.fhir.jsonio import loads

    new_uow = _unit_of_work(_settings(database_url).database_url)
    with acting_as(new_uow, as_user, "fhir import") as actor:
        try:
            document = loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise ValidationFailed(f"{path}: expected a FHIR JSON file: {exc}") from None
        result = import_referral(new_uow(), actor, document)
    verb = "registered" if result.created else "matched"
    typer.echo(
        f"{verb} patient {result.patient_id}; evaluation visits opened: "
        f"{', '.join(map(str, result.visit_ids)) or 'none'}"
    )


def register(app: typer.Typer) -> None:
    """Add ``fhir export`` and ``fhir import`` to the root app."""
    app.add_typer(fhir_app, name="fhir")
