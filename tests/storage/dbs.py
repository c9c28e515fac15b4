"""Test databases: a fresh SQLite file or a fresh PostgreSQL schema per test (xdist-safe)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine

from intrathecal.storage.db import make_engine
from intrathecal.storage.tables import metadata

PG_URL = os.environ.get(
    "INTRATHECAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


@cache
def postgres_unreachable(url: str = PG_URL) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used, or None when it answers."""
    try:
        import psycopg

        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL at {url} is unreachable: {exc}"
    return None


def require_postgres(url: str = PG_URL) -> None:
    """Skip a PostgreSQL test when the server is down; on CI (``CI=true``) fail instead.

    CI must prove both databases: a missing server there is a broken build, not a skip.
    """
    reason = postgres_unreachable(url)
    if reason is None:
        return
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"{reason} (CI=true: database tests must run on PostgreSQL)")
    pytest.skip(reason)


def _pg_admin(sql: str) -> None:
    import psycopg

    conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``backend`` (no tables), removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'clinic.db'}"
        return
    require_postgres()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"t_{worker}_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        _pg_admin(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def engine_with_tables(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh database with every table created from the metadata."""
    with database_url(backend, tmp_path) as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        try:
            yield engine
        finally:
            engine.dispose()
