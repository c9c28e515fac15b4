"""Connection pool sizing and reading units of work: a pool keeps the connections it is
sized for, a reading unit runs without BEGIN/COMMIT (autocommit), and a connection it used
goes back to the pool transactional again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from intrathecal.clinic.records import Patient
from intrathecal.storage import db
from intrathecal.storage.db import make_engine
from intrathecal.storage.tables import metadata
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.storage.dbs import database_url


def _one_statement_per_transaction(uow: SqlAlchemyUnitOfWork) -> bool:
    """True when each statement is its own transaction (autocommit)."""
    conn = uow.patients.conn
    conn.execute(text("SELECT 1"))
    if conn.dialect.name == "sqlite":
        return not conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    same = conn.execute(text("SELECT transaction_timestamp() = statement_timestamp()"))
    return bool(same.scalar_one())


@pytest.mark.parametrize("size", [1, 7])
def test_the_pool_keeps_the_connections_it_is_sized_for(
    backend: str, tmp_path: Path, size: int
) -> None:
    with database_url(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=size)
        try:
            held = [engine.connect() for _ in range(size + 1)]
            for conn in held:
                conn.close()
            assert engine.pool.checkedin() == size  # the overflow one was closed, not kept
        finally:
            engine.dispose()


def test_a_reading_unit_sends_no_begin_and_a_writing_one_does(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
        assert _one_statement_per_transaction(uow)
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert not _one_statement_per_transaction(uow)


def test_a_connection_used_for_reads_is_transactional_again_for_the_next_unit(
    backend: str, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=1, max_overflow=0)  # one connection, reused
        metadata.create_all(engine)
        try:
            with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
                uow.patients.search("nobody", 10, 0)
            with SqlAlchemyUnitOfWork(engine) as uow:
                uow.patients.add(
                    Patient(None, "M-9", "A", "B", date(1960, 1, 1), "male", datetime.now(UTC))
                )
                # leaves without commit: the insert must be rolled back
            with SqlAlchemyUnitOfWork(engine) as uow:
                assert uow.patients.search("M-9", 10, 0) == []
        finally:
            engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.fixture
def pg_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A PostgreSQL engine with one pooled connection."""
    if backend == "sqlite":
        pytest.skip("SQLite connections are files in this process: nothing to ping")
    with database_url(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=1, max_overflow=0)
        try:
            yield engine
        finally:
            engine.dispose()


def test_a_connection_idle_too_long_is_pinged_and_a_dead_one_replaced(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(pg_engine)
    killer = make_engine(pg_engine.url.render_as_string(hide_password=False))
    try:
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    finally:
        killer.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg_engine) != first  # pinged, found dead, replaced: no error


def test_a_connection_used_moments_ago_is_not_pinged(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    ping = pg_engine.dialect.do_ping

    def counted(conn: object) -> bool:
        pings.append(conn)
        return ping(conn)

    monkeypatch.setattr(pg_engine.dialect, "do_ping", counted)
    first = _backend_pid(pg_engine)
    assert _backend_pid(pg_engine) == first
    assert pings == []
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg_engine) == first
    assert len(pings) == 1
