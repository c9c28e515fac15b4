"""Concurrent writers for one patient: each use case locks what it read before it decides.

Threads call the real use cases at once against SQLite and PostgreSQL (PostgreSQL runs them
truly concurrently under READ COMMITTED; without the patient row lock these tests stored
duplicates, out-of-order refills with stale expected residuals, double completions and
repeated confirmations).
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import pytest

from intrathecal.clinic.commands import CompleteVisit, ConfirmOnPump, ScheduleVisit
from intrathecal.clinic.errors import ClinicError, Conflict, ValidationFailed
from intrathecal.clinic.programming import confirm_on_pump
from intrathecal.clinic.reference import sync_locations
from intrathecal.clinic.refills import record_refill
from intrathecal.clinic.scheduling import complete_visit, schedule_visit
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.quantities import Volume
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.clinic.builders import programmed
from tests.clinic.conftest import Staff
from tests.clinic.test_refills import refill
from tests.storage.dbs import BACKENDS, engine_with_tables

T = TypeVar("T")
START = datetime.now(UTC) - timedelta(days=8)


@pytest.fixture(params=BACKENDS)
def uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWork]:
    """A real database only: the in-memory fake has no concurrency to test."""
    with engine_with_tables(str(request.param), tmp_path) as engine:
        real = SqlAlchemyUnitOfWork(engine)
        sync_locations(real)
        yield real


def at_once(uow: UnitOfWork, calls: list[Callable[[UnitOfWork], T]]) -> list[T | ClinicError]:
    """Run every call in its own thread and unit of work, released together."""
    assert isinstance(uow, SqlAlchemyUnitOfWork)
    engine = uow.engine
    barrier = threading.Barrier(len(calls))
    outcomes: list[T | ClinicError] = [ValidationFailed("not run")] * len(calls)
    unexpected: list[BaseException] = []

    def run(i: int) -> None:
        work = SqlAlchemyUnitOfWork(engine)
        barrier.wait(timeout=30)
        try:
            outcomes[i] = calls[i](work)
        except ClinicError as exc:
            outcomes[i] = exc
        except BaseException as exc:  # a 500 in the making: fail the test with it
            unexpected.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    return outcomes


def test_ten_identical_concurrent_refills_store_one(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    record_refill(uow, refill(pid, START, "0 mL"), staff.nurse)
    same = refill(pid, START + timedelta(days=7), "17.6 mL")
    outcomes = at_once(uow, [lambda w: record_refill(w, same, staff.nurse)] * 10)
    refused = [o for o in outcomes if isinstance(o, ClinicError)]
    assert len(refused) == 9
    assert all("after the previous refill" in str(o) for o in refused)
    with uow:
        assert len(uow.refills.for_patient(pid)) == 2


def test_concurrent_refills_commit_in_time_order_with_correct_expected_residuals(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    record_refill(uow, refill(pid, START, "0 mL", added="18 mL"), staff.nurse)
    days = list(range(1, 21))
    random.Random(7).shuffle(days)

    def call(day: int) -> Callable[[UnitOfWork], Any]:
        cmd = refill(pid, START + timedelta(hours=6 * day), "17.9 mL")
        return lambda w: record_refill(w, cmd, staff.nurse)

    outcomes = at_once(uow, [call(d) for d in days])
    refused = [o for o in outcomes if isinstance(o, ClinicError)]
    assert all("after the previous refill" in str(o) for o in refused)
    with uow:
        stored = uow.refills.for_patient(pid)
    assert len(stored) == 1 + len(days) - len(refused)
    # In id (commit) order the times only go forward, and each expected residual is the one
    # computed from the refill committed just before it: 0.05 mL/day over the gap.
    for before, after in itertools.pairwise(stored):
        assert after.performed_at > before.performed_at
        days_between = Fraction(
            int((after.performed_at - before.performed_at).total_seconds()), 86400
        )
        used = Volume(Fraction(1, 20), "mL") * days_between
        assert after.expected_residual == before.volume_added - used


def test_a_visit_completed_twice_at_once_completes_once_and_keeps_its_note(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    visit = schedule_visit(
        uow, ScheduleVisit(pid, "wound_check", datetime.now(UTC) + timedelta(days=1)), staff.nurse
    )
    assert visit.id is not None
    vid = visit.id
    calls: list[Callable[[UnitOfWork], Any]] = [
        (lambda w, n=n: complete_visit(w, CompleteVisit(vid, f"note {n}"), staff.nurse))
        for n in range(6)
    ]
    outcomes = at_once(uow, calls)
    done = [o for o in outcomes if not isinstance(o, ClinicError)]
    assert len(done) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, ClinicError))
    with uow:
        stored = uow.visits.get(vid)
    assert stored.status == "completed"
    assert stored.notes == done[0].notes


def test_a_prescription_confirmed_by_many_at_once_is_confirmed_once(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    confirm = ConfirmOnPump(patient_id=pid, version=1)
    outcomes = at_once(uow, [lambda w: confirm_on_pump(w, confirm, staff.nurse)] * 6)
    assert sum(not isinstance(o, ClinicError) for o in outcomes) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, ClinicError))
    with uow:
        confirmations = [
            e for e in uow.audit.for_patient(pid) if e.action == "prescription.confirmed"
        ]
    assert len(confirmations) == 1
