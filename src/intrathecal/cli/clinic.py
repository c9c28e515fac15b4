"""CLI: the clinic service: ``serve``, ``db upgrade``, ``users create``, ``audit verify``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from intrathecal.cli._common import EXIT_REFUSED, INPUT_ERRORS, guarded
from intrathecal.clinic.errors import ClinicError

if TYPE_CHECKING:
    from intrathecal.settings import Settings

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
users_app = typer.Typer(help="Clinic logins.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: $INTRATHECAL_DATABASE_URL or ./intrathecal.db).",
        show_default=False,
    ),
]


def _settings(database_url: str | None, **overrides: object) -> Settings:
    from intrathecal.bootstrap import load_settings

    return load_settings(database_url=database_url, **overrides)


def _upgrade(url: str) -> None:
    """Migrate to the latest schema and copy the data file's locations in."""
    from intrathecal.clinic.reference import sync_locations
    from intrathecal.storage.db import DatabaseUnavailable, describe, error_line
    from intrathecal.storage.migrate import upgrade
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    try:
        upgrade(url)
    except Exception as exc:  # the driver's own errors: report them as bad input
        raise DatabaseUnavailable(
            f"cannot open or upgrade {describe(url)}: {error_line(exc)}"
        ) from None
    sync_locations(SqlAlchemyUnitOfWork(url))


@db_app.command("upgrade")
@guarded
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create the database or bring it up to the latest schema."""
    url = _settings(database_url).database_url
    _upgrade(url)
    typer.echo(f"database at {url} is up to date")


@users_app.command("create")
@guarded
def users_create(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ -).")],
    role: Annotated[
        str, typer.Option("--role", help="physician | nurse | scheduler | admin | patient")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    patient_id: Annotated[
        int | None, typer.Option("--patient-id", help="The patient record of a patient login.")
    ] = None,
    display_name: Annotated[str, typer.Option("--display-name")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Create a login (the password is prompted for, or read with --password-stdin)."""
    from intrathecal.bootstrap import Services
    from intrathecal.clinic.errors import ValidationFailed
    from intrathecal.clinic.permissions import Role
    from intrathecal.clinic.records import Actor

    try:
        chosen = Role(role.strip().lower())
    except ValueError:
        raise ValidationFailed(
            f"unknown role {role!r}; expected one of {', '.join(r.value for r in Role)}"
        ) from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    settings = _settings(database_url)
    _upgrade(settings.database_url)
    services = Services.build(settings)
    try:
        user = services.auth.create_user(
            services.uow_factory(),
            Actor.system(),
            username,
            password,
            chosen,
            display_name=display_name,
            patient_id=patient_id,
        )
    finally:
        services.close()
    typer.echo(f"created {user.role} login {user.username!r} (id {user.id})")


@audit_app.command("verify")
@guarded
def audit_verify(database_url: DatabaseUrl = None) -> None:
    """Check the audit log's hash chain; exit 1 naming the first bad row if it is broken."""
    from intrathecal.clinic.audit import verify_chain
    from intrathecal.storage.db import require_existing
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    url = _settings(database_url).database_url
    require_existing(url)
    result = verify_chain(SqlAlchemyUnitOfWork(url))
    if result.ok:
        typer.echo(f"audit chain intact: {result.checked} entries verified")
        return
    typer.echo(
        f"audit chain BROKEN at seq {result.first_bad_seq}: {result.problem} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    raise typer.Exit(EXIT_REFUSED)


@guarded
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load demo patients and logins on first start.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes (default: $INTRATHECAL_WORKERS or 1).",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the clinic web service (creates or upgrades the database first).

    Production switches (TLS, Secure cookies, trusted proxies, allowed hosts, workers)
    come from INTRATHECAL_* environment variables; see docs/api.md.
    """
    from intrathecal import bootstrap

    settings = _settings(database_url, workers=workers)
    _upgrade(settings.database_url)
    app = bootstrap.create_app(settings)
    if demo:
        from intrathecal.clinic.demo import DEMO_PASSWORDS, load_demo

        created = load_demo(app.state.context.uow_factory, app.state.context.auth)
        typer.echo("demo data loaded" if created else "demo data already present")
    scheme = "https" if settings.tls else "http"
    base = f"{scheme}://{host}:{port}"
    typer.echo(f"intrathecal clinic service: {base}")
    typer.echo(f"API docs: {base}/docs")
    if demo:
        typer.echo("demo logins (DEMO ONLY, never use these passwords for real data):")
        for username, (role, password) in DEMO_PASSWORDS.items():
            typer.echo(f"  {username:<16} {role:<10} {password}")
    bootstrap.serve(settings, host, port, app)


def register(app: typer.Typer) -> None:
    """Add the clinic commands to the root app; clinic errors count as bad input."""
    from intrathecal.bootstrap import InvalidSettings
    from intrathecal.storage.db import DatabaseUnavailable

    for error in (ClinicError, InvalidSettings, DatabaseUnavailable):
        if error not in INPUT_ERRORS:
            INPUT_ERRORS.append(error)
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
