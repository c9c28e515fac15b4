"""CLI: the clinic service: ``serve``, ``db upgrade``, ``users create``, ``audit verify``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from intrathecal.cli._common import EXIT_REFUSED, INPUT_ERRORS, guarded
from intrathecal.clinic.errors import ClinicError

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


def _url(database_url: str | None) -> str:
    from intrathecal.storage.db import database_url as resolve

    return resolve(database_url)


def _upgrade(url: str) -> None:
    """Migrate to the latest schema and copy the data file's locations in."""
    from intrathecal.clinic.reference import sync_locations
    from intrathecal.storage.migrate import upgrade
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    try:
        upgrade(url)
    except Exception as exc:  # the driver's own errors: report them as bad input
        raise ClinicError(f"cannot open or upgrade the database at {url}: {exc}") from None
    sync_locations(SqlAlchemyUnitOfWork(url))


@db_app.command("upgrade")
@guarded
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create the database or bring it up to the latest schema."""
    url = _url(database_url)
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
    from intrathecal.clinic.auth import AuthService
    from intrathecal.clinic.auth_passwords import default_hasher
    from intrathecal.clinic.auth_ratelimit import LoginRateLimiter
    from intrathecal.clinic.errors import ValidationFailed
    from intrathecal.clinic.permissions import Role
    from intrathecal.clinic.records import Actor
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

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
    url = _url(database_url)
    _upgrade(url)
    service = AuthService(default_hasher(), LoginRateLimiter())
    user = service.create_user(
        SqlAlchemyUnitOfWork(url),
        Actor.system(),
        username,
        password,
        chosen,
        display_name=display_name,
        patient_id=patient_id,
    )
    typer.echo(f"created {user.role} login {user.username!r} (id {user.id})")


@audit_app.command("verify")
@guarded
def audit_verify(database_url: DatabaseUrl = None) -> None:
    """Check the audit log's hash chain; exit 1 naming the first bad row if it is broken."""
    from intrathecal.clinic.audit import verify_chain
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    url = _url(database_url)
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
    database_url: DatabaseUrl = None,
) -> None:
    """Run the clinic web service (creates or upgrades the database first)."""
    import uvicorn

    from intrathecal.api.app import create_app
    from intrathecal.api.settings import Settings

    url = _url(database_url)
    _upgrade(url)
    settings = Settings(database_url=url)
    app = create_app(settings)
    if demo:
        from intrathecal.clinic.demo import DEMO_PASSWORDS, load_demo

        created = load_demo(app.state.context.uow_factory, app.state.context.auth)
        typer.echo("demo data loaded" if created else "demo data already present")
    base = f"http://{host}:{port}"
    typer.echo(f"intrathecal clinic service: {base}")
    typer.echo(f"API docs: {base}/docs")
    if demo:
        typer.echo("demo logins (DEMO ONLY, never use these passwords for real data):")
        for username, (role, password) in DEMO_PASSWORDS.items():
            typer.echo(f"  {username:<16} {role:<10} {password}")
    uvicorn.run(app, host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add the clinic commands to the root app; clinic errors count as bad input."""
    if ClinicError not in INPUT_ERRORS:
        INPUT_ERRORS.append(ClinicError)
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
