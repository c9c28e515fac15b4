"""Audited reads: no write lock while reading, every read's entry durable before the read
returns (group commit), and a read whose entry cannot be written fails."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text

from intrathecal.clinic.patients import get_patient
from intrathecal.clinic.records import Actor, Patient
from intrathecal.storage.db import is_sqlite
from intrathecal.storage.uow import SqlAlchemyUnitOfWork

DOCTOR = Actor(1, "dr.a", "physician", "10.0.0.1")


def _patient(engine: Engine) -> int:
    with SqlAlchemyUnitOfWork(engine) as uow:
        pid = uow.patients.add(
            Patient(None, "M-1", "A", "B", date(1960, 1, 1), "male", datetime.now(UTC))
        ).id
        uow.commit()
    assert pid is not None
    return pid


def test_twenty_concurrent_audited_reads_are_each_recorded(engine: Engine) -> None:
    pid = _patient(engine)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            get_patient(SqlAlchemyUnitOfWork(engine), pid, DOCTOR)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with SqlAlchemyUnitOfWork(engine) as uow:
        reads = [e for e in uow.audit.for_patient(pid) if e.action == "patient.read"]
    assert len(reads) == 20


def test_a_read_whose_audit_entry_cannot_be_written_fails(engine: Engine) -> None:
    pid = _patient(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_pending"))
    with pytest.raises(RuntimeError, match="audit entry could not be written"):
        get_patient(SqlAlchemyUnitOfWork(engine), pid, DOCTOR)


def test_a_unit_of_work_opened_for_reads_refuses_other_audit_writes(engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow.for_reads(), pytest.raises(RuntimeError, match="only its reads"):
        uow.audit.append(DOCTOR, "patient.updated", 1)


def test_reads_do_not_wait_for_the_sqlite_write_lock(engine: Engine) -> None:
    if not is_sqlite(str(engine.url)):
        pytest.skip("PostgreSQL readers never wait for writers")
    pid = _patient(engine)
    holder = engine.raw_connection()
    holder.cursor().execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        started = time.monotonic()
        with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
            assert uow.patients.get(pid).mrn == "M-1"
            uow.commit()
        assert time.monotonic() - started < 5  # the busy timeout is 30 s
    finally:
        holder.rollback()
        holder.close()
