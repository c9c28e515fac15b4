"""Database engines: SQLite (WAL, foreign keys) or PostgreSQL, from a URL.

The URL itself is a setting (``intrathecal.settings``); this module only normalises it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

#: Connection execution option of a transaction that only reads (SQLite: BEGIN DEFERRED).
READ_ONLY = "intrathecal_read_only"
#: Connections a process keeps open when no pool size is given.
DEFAULT_POOL_SIZE = 5
#: A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
PING_AFTER_IDLE_SECONDS = 10.0
_RETURNED_AT = "intrathecal_returned_at"
#: The databases the clinic runs on (its tests run on both).
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
#: File used when no URL is configured (relative to the working directory).
DEFAULT_SQLITE_FILE = "intrathecal.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: ``url``, else the local SQLite file."""
    chosen = url or f"sqlite:///{DEFAULT_SQLITE_FILE}"
    return normalise_url(chosen)


def normalise_url(url: str) -> str:
    """Point bare ``postgresql://`` URLs at the psycopg 3 driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    """True when ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str | None = None, *, pool_size: int = DEFAULT_POOL_SIZE, **kwargs: Any
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and serialised (IMMEDIATE) writes.

    The pool keeps ``pool_size`` connections open: size it to the threads that use the
    database at once, or every request beyond it opens (and closes) a connection of its own
    (a new server process on PostgreSQL, five PRAGMAs on SQLite).
    """
    resolved = database_url(url)
    parsed = make_url(resolved)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUnavailable(
            f"the clinic runs on SQLite (sqlite:///FILE) or PostgreSQL "
            f"(postgresql://USER@HOST/DB), not {backend}"
        )
    if backend == "sqlite":
        connect_args = {"timeout": 30, **kwargs.pop("connect_args", {})}
        if not _in_memory(parsed.database):
            kwargs.setdefault("pool_size", pool_size)
            connect_args.setdefault("factory", WriterLockedConnection)
        engine = create_engine(resolved, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", pool_size)
    engine = create_engine(resolved, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout (two or three per
    request). A connection given back moments ago is alive unless the server went away
    in between: then the statement fails, SQLAlchemy invalidates the whole pool, and the
    next checkouts open fresh connections. A connection idle for longer (a firewall or the
    server may have dropped it) is pinged first and, if dead, silently replaced.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle = time.monotonic() - record.info.get(_RETURNED_AT, 0.0)
        if idle < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool replaces the connection and tries again
            raise DisconnectionError(f"a pooled connection idle {idle:.0f} s is dead") from exc


def read_only_options(engine: Engine) -> dict[str, Any]:
    """Execution options of a unit of work that only reads: no BEGIN or COMMIT, each
    statement runs in its own snapshot (autocommit).

    PostgreSQL: a read costs only its statements' round trips; under READ COMMITTED each
    statement of a transaction sees its own snapshot anyway. SQLite: no write lock and two
    statements fewer (about 40 us of CPU per unit of work); a read of several statements
    may see a write committed between them, as on PostgreSQL.
    """
    if engine.dialect.name == "sqlite":
        return {READ_ONLY: True}
    return {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}


def _in_memory(database: str | None) -> bool:
    return database in (None, "", ":memory:")


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling issues BEGIN lazily (DEFERRED), so two writers can
    # both read the audit head and one then fails to upgrade its lock. Taking the write lock
    # at BEGIN (IMMEDIATE) serialises writers; WAL keeps readers unblocked.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not _in_memory(engine.url.database):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=FULL")  # clinical records: durable on power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A unit of work that only reads (``for_reads``) begins nothing: its statements run
        # in autocommit, WAL readers beside the writer, so audited reads never queue.
        if connection.get_execution_options().get(READ_ONLY):
            return
        raw = connection.connection.dbapi_connection
        if isinstance(raw, WriterLockedConnection):
            raw.lock_writer()
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class WriterLockedConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue on a file lock first.

    SQLite's busy handler makes a waiting writer sleep and retry (1, 2, 5, 10 ms and more),
    so writers from several server processes wake late and queue behind each other. An
    exclusive ``flock`` on ``<database>-writer.lock``, taken before BEGIN IMMEDIATE and
    released after COMMIT or ROLLBACK, hands the write lock over as soon as it is free
    (the kernel wakes the next waiter). Each connection opens the file itself, so threads
    of one process queue too. BEGIN IMMEDIATE stays: the database's own lock still guards
    any writer that does not use this class.
    """

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._lock_path = f"{database}-writer.lock"
        self._lock_fd: int | None = None

    def lock_writer(self) -> None:
        """Wait for, then hold, the writer lock until the transaction ends."""
        if self._lock_fd is None:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._lock_fd = fd

    def _unlock_writer(self) -> None:
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            os.close(fd)  # closing the only descriptor releases the lock

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._unlock_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._unlock_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._unlock_writer()


class DatabaseUnavailable(Exception):
    """The configured database is missing, unreachable, mistyped or has no clinic schema."""


def describe(url: str) -> str:
    """The URL for messages, with any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the configured URL"


def require_existing(url: str) -> None:
    """Check that ``url`` names a reachable database with the clinic schema; create nothing.

    Raises ``DatabaseUnavailable`` with a one-line reason (never a driver traceback).
    """
    from alembic.runtime.migration import MigrationContext

    shown = describe(url)
    try:
        parsed = make_url(database_url(url))
        backend = parsed.get_backend_name()
    except Exception:
        raise DatabaseUnavailable(f"{url!r} is not a database URL") from None
    if backend == "sqlite":
        path = parsed.database
        if path in (None, "", ":memory:") or not Path(path).is_file():
            raise DatabaseUnavailable(
                f"no database at {shown} (create one with 'intrathecal db upgrade')"
            )
    try:
        engine = make_engine(url)
    except Exception as exc:
        raise DatabaseUnavailable(f"cannot use {shown}: {error_line(exc)}") from None
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        raise DatabaseUnavailable(f"cannot connect to {shown}: {error_line(exc)}") from None
    finally:
        engine.dispose()
    if revision is None:
        raise DatabaseUnavailable(
            f"{shown} has no clinic schema (create it with 'intrathecal db upgrade')"
        )


def error_line(exc: Exception) -> str:
    """The first line of a driver error (the part worth showing)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
