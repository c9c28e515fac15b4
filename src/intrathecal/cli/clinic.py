"""CLI: the clinic service: ``serve``, ``db upgrade``, ``users create``, ``audit verify``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from intrathecal.cli._common import EXIT_REFUSED, INPUT_ERRORS, LARGEST_ID, guarded
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
        int | None,
        typer.Option(
            "--patient-id", min=1, max=LARGEST_ID, help="The patient record of a patient login."
        ),
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


DemoKey = Annotated[
    bool,
    typer.Option(
        "--demo-key",
        help="Use the public DEMO audit key (demo databases only: proves nothing).",
    ),
]


def _audit_key(settings: Settings, demo_key: bool) -> bytes:
    from intrathecal.bootstrap import audit_key_of
    from intrathecal.clinic.audit_key import DEMO_KEY, require_key

    key = audit_key_of(settings.model_copy(update={"demo_audit_key": demo_key}))
    if key == DEMO_KEY:
        typer.echo("using the public DEMO audit key: this chain proves nothing", err=True)
    return require_key(key)


@audit_app.command("verify")
@guarded
def audit_verify(
    anchor: Annotated[
        typer.FileText | None,
        typer.Option("--anchor", help="An anchor exported by 'audit anchor' to check against."),
    ] = None,
    no_seal: Annotated[
        bool, typer.Option("--no-seal", help="Check only what is sealed; write nothing.")
    ] = False,
    demo_key: DemoKey = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Seal pending entries, then check the keyed chain (and an anchor); exit 1 naming the
    first bad row if it is broken."""
    from intrathecal.clinic.audit import Anchor, seal, verify_chain
    from intrathecal.storage.db import require_existing
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    settings = _settings(database_url)
    require_existing(settings.database_url)
    key = _audit_key(settings, demo_key)
    expected = Anchor.from_json(anchor.read()) if anchor is not None else None
    uow = SqlAlchemyUnitOfWork(settings.database_url)
    if not no_seal:
        seal(uow, key)
    result = verify_chain(uow, key, expected)
    if result.ok:
        against = f", matches the anchor at seq {expected.seq}" if expected else ""
        typer.echo(
            f"audit chain intact: {result.checked} entries verified{against}; "
            f"{result.pending} not yet sealed"
        )
        return
    typer.echo(
        f"audit chain BROKEN at seq {result.first_bad_seq}: {result.problem} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    raise typer.Exit(EXIT_REFUSED)


@audit_app.command("seal")
@guarded
def audit_seal(demo_key: DemoKey = False, database_url: DatabaseUrl = None) -> None:
    """Chain every pending entry now (the server also does this every second)."""
    from intrathecal.clinic.audit import seal
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    settings = _settings(database_url)
    count = seal(SqlAlchemyUnitOfWork(settings.database_url), _audit_key(settings, demo_key))
    typer.echo(f"sealed {count} audit entries")


@audit_app.command("anchor")
@guarded
def audit_anchor(demo_key: DemoKey = False, database_url: DatabaseUrl = None) -> None:
    """Seal, then print the signed head as JSON: keep it outside this database (WORM store,
    another system, paper) and pass it to 'audit verify --anchor' later."""
    from intrathecal.clinic.audit import make_anchor
    from intrathecal.storage.uow import SqlAlchemyUnitOfWork

    settings = _settings(database_url)
    anchor = make_anchor(
        SqlAlchemyUnitOfWork(settings.database_url), _audit_key(settings, demo_key)
    )
    typer.echo(anchor.to_json())


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
    from intrathecal.clinic.audit_key import require_key

    settings = _settings(database_url, workers=workers, demo_audit_key=demo or None)
    require_key(bootstrap.audit_key_of(settings))  # production: no key, no service
    _upgrade(settings.database_url)
    app = bootstrap.create_app(settings)
    if demo:
        from intrathecal.clinic.audit_key import DEMO_KEY
        from intrathecal.clinic.demo import DEMO_PASSWORDS, load_demo
        from intrathecal.clinic.permissions import Role
        from intrathecal.web.navigation import HOME

        created = load_demo(app.state.context.uow_factory, app.state.context.auth)
        typer.echo("demo data loaded" if created else "demo data already present")
    scheme = "https" if settings.tls else "http"
    base = f"{scheme}://{host}:{port}"
    typer.echo(f"intrathecal clinic web application: {base}/")
    typer.echo(f"log in (staff and patients): {base}/login")
    typer.echo(f"API docs: {base}/docs")
    if demo:
        if app.state.context.audit_key == DEMO_KEY:
            typer.echo("audit chain: keyed with the public DEMO key (proves nothing)")
        typer.echo("demo logins (DEMO ONLY, never use these passwords for real data):")
        for username, (role, password) in DEMO_PASSWORDS.items():
            typer.echo(f"  {username:<16} {role:<10} {password:<22} lands on {HOME[Role(role)]}")
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
