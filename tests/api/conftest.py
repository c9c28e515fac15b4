"""API test fixtures: a migrated database per test (SQLite and PostgreSQL), app and clients.

SQLite is migrated once per worker into a template file that each test copies; PostgreSQL
gets one migrated database per worker that each test empties first (TRUNCATE ... RESTART
IDENTITY). Tests are isolated either way.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from intrathecal.bootstrap import create_app
from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import Actor
from intrathecal.clinic.reference import sync_locations
from intrathecal.settings import Settings
from intrathecal.storage.db import make_engine
from intrathecal.storage.migrate import upgrade
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.storage.dbs import require_postgres

PG_ADMIN = os.environ.get("INTRATHECAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct-horse-battery"
TEST_AUDIT_KEY = "74" * 32  # hex, 32 bytes


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pg_url(dbname: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


def _pg_exec(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    work = SqlAlchemyUnitOfWork(f"sqlite:///{path}")
    sync_locations(work)
    work.engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One migrated PostgreSQL database per worker; tests empty it before use."""
    require_postgres(PG_ADMIN)
    name = f"it_api_{_worker()}_{uuid.uuid4().hex[:6]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    upgrade(pg_url(name))
    yield name
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_reset(name: str) -> None:
    """Empty every table (ids restart) and put the data-file locations back."""
    url = pg_url(name)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename NOT IN ('alembic_version', 'audit_head')"
                    )
                )
            ]
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            conn.execute(
                text("UPDATE audit_head SET last_seq = 0, last_hash = :genesis"),
                {"genesis": "0" * 64},
            )
        sync_locations(SqlAlchemyUnitOfWork(engine))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        target = tmp_path / "clinic.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    name = request.getfixturevalue("pg_database")
    pg_reset(name)
    yield pg_url(name)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        fast_password_hashing=True,
        login_free_failures=3,
        login_attempts_per_ip=50,
        audit_key=TEST_AUDIT_KEY,
    )


@dataclass
class Api:
    """The app under test plus helpers to make users and log them in."""

    client: TestClient

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.client.app

    def make_user(
        self, username: str, role: Role, patient_id: int | None = None, password: str = PASSWORD
    ) -> int:
        ctx = self.client.app.state.context  # type: ignore[attr-defined]
        user = ctx.auth.create_user(
            ctx.uow_factory(), Actor.system(), username, password, role, patient_id=patient_id
        )
        assert user.id is not None
        return user.id

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        """A new client with its own cookie jar, logged in as ``username``."""
        client = TestClient(self.client.app)
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return client

    def as_role(self, role: Role, patient_id: int | None = None) -> TestClient:
        """Create a user of ``role`` (once) and return a logged-in client."""
        username = f"{role.value}-{patient_id or 0}"
        ctx = self.client.app.state.context  # type: ignore[attr-defined]
        with ctx.uow_factory() as uow:
            exists = uow.users.by_username(username) is not None
        if not exists:
            self.make_user(username, role, patient_id)
        return self.login(username)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            yield Api(client)
    finally:
        app.state.context.close()


@pytest.fixture
def as_role(api: Api) -> Callable[[Role], TestClient]:
    return api.as_role
