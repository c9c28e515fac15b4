"""SQLite writers queue on a file lock held from BEGIN IMMEDIATE to COMMIT or ROLLBACK."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from intrathecal.storage.db import READ_ONLY, make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    with made.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    yield made
    made.dispose()


def _held_elsewhere(engine: Engine) -> bool:
    """Whether another open file description fails to take the writer lock now."""
    fd = os.open(f"{engine.url.database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_write_transaction_holds_the_lock_until_commit_or_rollback(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.begin()
        conn.execute(text("UPDATE counter SET n = n + 1"))
        assert _held_elsewhere(engine)
        conn.commit()
        assert not _held_elsewhere(engine)
        conn.begin()
        conn.execute(text("UPDATE counter SET n = n + 1"))
        assert _held_elsewhere(engine)
        conn.rollback()
        assert not _held_elsewhere(engine)
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 1


def _refused_update(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE counter SET n = n + 1"))
        raise RuntimeError("the use case refused")


def test_a_failed_transaction_releases_the_lock(engine: Engine) -> None:
    with pytest.raises(RuntimeError):
        _refused_update(engine)
    assert not _held_elsewhere(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 0


def test_read_only_transactions_take_no_writer_lock(engine: Engine) -> None:
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        conn.begin()
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 0
        assert not _held_elsewhere(engine)
        conn.rollback()


def test_concurrent_writers_serialise_without_lost_updates(engine: Engine) -> None:
    def add(times: int) -> None:
        for _ in range(times):
            with engine.begin() as conn:
                n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    workers = [threading.Thread(target=add, args=(50,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 200
