"""The one place that wires the application: settings, database, unit of work, auth, app.

``api``, ``web`` and ``cli`` ask this module for what they need instead of building it:

* ``load_settings(**overrides)``: the ``Settings`` (environment, then overrides);
* ``Services.build(settings)``: the engine, unit-of-work factory and auth service;
* ``create_app(settings)``: the whole ASGI application (API, pages, middleware);
* ``serve(settings, host, port)``: run it under uvicorn with the production switches
  (TLS, several worker processes, no proxy header trusted unless configured).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import Engine

from intrathecal.clinic.audit_key import resolve_audit_key
from intrathecal.clinic.auth import AuthService
from intrathecal.clinic.auth_passwords import default_hasher, fast_hasher
from intrathecal.clinic.auth_ratelimit import Throttle, ThrottlePolicy
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.settings import ENV_PREFIX, Settings
from intrathecal.storage.db import make_engine
from intrathecal.storage.uow import SqlAlchemyUnitOfWork

if TYPE_CHECKING:
    from fastapi import FastAPI

UowFactory = Callable[[], UnitOfWork]
#: Database connections a process uses besides its request threads' (the audit writer and
#: the audit sealer).
BACKGROUND_CONNECTIONS = 2


class InvalidSettings(ValueError):
    """A setting (environment variable or option) has a value the service cannot use."""


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment; overrides given as ``None`` are ignored."""
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(p) for p in error['loc']).upper() or 'SETTINGS'}: "
            f"{error['msg']}"
            for error in exc.errors()
        )
        raise InvalidSettings(f"invalid settings: {problems}") from None


@dataclass(frozen=True)
class Services:
    """What every entry point may reach: settings, unit-of-work factory, auth service."""

    settings: Settings
    uow_factory: UowFactory
    auth: AuthService
    throttle: Throttle
    engine: Engine | None = None
    #: The audit chain's HMAC key (None: not configured; sealing off, verify refuses).
    audit_key: bytes | None = None

    @classmethod
    def build(cls, settings: Settings, uow_factory: UowFactory | None = None) -> Services:
        """Wire the database engine (unless a factory is given), hasher and throttle."""
        engine = None
        audit_key = audit_key_of(settings)
        if uow_factory is None:
            engine = make_engine(
                settings.database_url, pool_size=settings.threads + BACKGROUND_CONNECTIONS
            )
            uow_factory = _sql_factory(engine, settings.audit_reads, audit_key)
        hasher = fast_hasher() if settings.fast_password_hashing else default_hasher()
        throttle = Throttle(
            ThrottlePolicy(
                free_failures=settings.login_free_failures,
                backoff_seconds=settings.login_backoff_seconds,
                backoff_max_seconds=settings.login_backoff_max_seconds,
                attempts_per_ip=settings.login_attempts_per_ip,
                appointment_requests_per_ip=settings.appointment_requests_per_ip,
                window_seconds=settings.throttle_window_seconds,
            )
        )
        auth = AuthService(
            hasher=hasher,
            throttle=throttle,
            session_hours=settings.session_hours,
            token_max_days=settings.token_max_days,
        )
        return cls(
            settings=settings,
            uow_factory=uow_factory,
            auth=auth,
            throttle=throttle,
            engine=engine,
            audit_key=audit_key,
        )

    def close(self) -> None:
        """Release the database connections these services opened."""
        if self.engine is not None:
            self.engine.dispose()


def audit_key_of(settings: Settings) -> bytes | None:
    """The audit chain's HMAC key from the settings (the demo key only in demo mode)."""
    key = settings.audit_key.get_secret_value() if settings.audit_key else None
    return resolve_audit_key(key, settings.audit_key_file, demo=settings.demo_audit_key)


def _sql_factory(engine: Engine, audit_reads: bool, audit_key: bytes | None) -> UowFactory:
    def new_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, audit_reads=audit_reads, audit_key=audit_key)

    return new_uow


def create_app(
    settings: Settings | None = None, *, uow_factory: UowFactory | None = None
) -> FastAPI:
    """The whole application; ``uow_factory`` replaces the database (tests, fakes)."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from intrathecal.api.app import build_api
    from intrathecal.api.security_headers import SecurityHeaders

    services = Services.build(settings or load_settings(), uow_factory)
    app = build_api(services)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(services.settings.allowed_hosts))
    app.add_middleware(SecurityHeaders, hsts=services.settings.tls)
    return app


def app_from_environment() -> FastAPI:
    """The application for a uvicorn worker process (settings from its environment)."""
    return create_app()


def uvicorn_options(settings: Settings, host: str, port: int) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that carry the production switches.

    uvicorn's own proxy-header handling is off: it trusts loopback by default, which
    would let any local process forge the client address; ``api.client_address``
    applies ``trusted_proxies`` instead. Its access log is on only when ``access_log``
    asks for it.
    """
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": settings.access_log,
        "proxy_headers": False,
        "server_header": False,
        "workers": settings.workers,
        # uvicorn kills a worker that does not answer its supervisor within 5 s; on a busy
        # machine importing the app takes longer, and workers were killed in a loop.
        "timeout_worker_healthcheck": 60,
    }
    if settings.tls:
        options["ssl_certfile"] = str(settings.tls_certfile)
        options["ssl_keyfile"] = str(settings.tls_keyfile)
    return options


def serve(settings: Settings, host: str, port: int, app: FastAPI | None = None) -> None:
    """Run the service; with several workers each process builds its own app."""
    import uvicorn

    options = uvicorn_options(settings, host, port)
    if settings.workers > 1:
        os.environ.update(settings.environment())
        uvicorn.run(f"{__name__}:app_from_environment", factory=True, **options)
    else:
        uvicorn.run(app or create_app(settings), **options)
