"""Concurrent writers: audit appends and sealers leave one linear keyed chain, and version
clashes are never lost."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from intrathecal.clinic.audit import seal, verify_chain
from intrathecal.clinic.errors import Conflict
from intrathecal.clinic.records import Actor, Patient, PrescriptionVersion
from intrathecal.core.quantities import Concentration, DoseRate
from intrathecal.storage.db import is_sqlite
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.clinic.builders import morphine_program

NOW = datetime(2026, 11, 26, tzinfo=UTC)
KEY = b"k" * 32


def test_parallel_appends_and_sealers_form_one_valid_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with SqlAlchemyUnitOfWork(engine) as uow:
                    uow.audit.append(Actor(n, f"user{n}", "nurse"), "test.write", None, {"i": i})
                    uow.commit()
                if i % 3 == 0:
                    seal(SqlAlchemyUnitOfWork(engine), KEY, batch=4)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seal(SqlAlchemyUnitOfWork(engine), KEY)
    result = verify_chain(SqlAlchemyUnitOfWork(engine), KEY)
    assert result.ok
    assert result.checked == 40
    with SqlAlchemyUnitOfWork(engine) as uow:
        per_writer: dict[str, list[int]] = {}
        for entry in uow.audit.scan():
            per_writer.setdefault(entry.actor_username, []).append(entry.details["i"])
    # each writer's entries were sealed in the order it wrote them
    assert all(found == list(range(10)) for found in per_writer.values())


def test_two_clinicians_writing_the_same_next_version_one_gets_conflict(engine: Engine) -> None:
    if is_sqlite(str(engine.url)):
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE: this race cannot happen there")
    with SqlAlchemyUnitOfWork(engine) as uow:
        pid = uow.patients.add(Patient(None, "M", "A", "B", date(1960, 1, 1), "male", NOW)).id
        uow.commit()
    assert pid is not None
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(rate: str) -> None:
        uow = SqlAlchemyUnitOfWork(engine)
        try:
            with uow:
                current = uow.prescriptions.current(pid)
                next_version = (current.version if current else 0) + 1
                barrier.wait(timeout=10)
                uow.prescriptions.add(
                    PrescriptionVersion(
                        None,
                        pid,
                        None,
                        next_version,
                        morphine_program(),
                        "morphine",
                        DoseRate.parse(rate),
                        Concentration.parse("10 mg/mL"),
                        (),
                        None,
                        NOW,
                    )
                )
                uow.commit()
            outcomes.append("committed")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(r,)) for r in ("0.5 mg/day", "0.6 mg/day")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["committed", "conflict"]
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert len(uow.prescriptions.history(pid)) == 1
