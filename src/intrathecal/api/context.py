"""Per-application state shared by the routes: settings, unit-of-work factory, auth service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from intrathecal.api.settings import Settings
from intrathecal.clinic.auth import AuthService
from intrathecal.clinic.auth_passwords import default_hasher, fast_hasher
from intrathecal.clinic.auth_ratelimit import LoginRateLimiter
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.storage.db import make_engine
from intrathecal.storage.uow import SqlAlchemyUnitOfWork


@dataclass(frozen=True)
class ApiContext:
    """What every request handler may reach: built once per app."""

    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    auth: AuthService
    engine: Engine | None = None

    @classmethod
    def build(
        cls, settings: Settings, uow_factory: Callable[[], UnitOfWork] | None = None
    ) -> ApiContext:
        """Wire the database engine (unless a factory is given), hasher and limiter."""
        engine = None
        if uow_factory is None:
            engine = make_engine(settings.database_url)
            uow_factory = _factory(engine)
        hasher = fast_hasher() if settings.fast_password_hashing else default_hasher()
        auth = AuthService(
            hasher=hasher,
            limiter=LoginRateLimiter(settings.rate_limit),
            session_hours=settings.session_hours,
        )
        return cls(settings=settings, uow_factory=uow_factory, auth=auth, engine=engine)

    def close(self) -> None:
        """Release the database connections this app opened."""
        if self.engine is not None:
            self.engine.dispose()


def _factory(engine: Engine) -> Callable[[], UnitOfWork]:
    def new_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    return new_uow
