"""Clinic fixtures: each use-case test runs on the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intrathecal.clinic.records import Actor, UserRecord
from intrathecal.clinic.reference import sync_locations
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.storage.dbs import engine_with_tables
from tests.support.memory import InMemoryUnitOfWork


@dataclass(frozen=True)
class Staff:
    """Actors for the seeded users."""

    physician: Actor
    physician2: Actor
    nurse: Actor
    scheduler: Actor
    admin: Actor


@pytest.fixture(params=("memory", "sqlite", "postgresql"))
def uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWork]:
    """A unit of work over an empty clinic (locations loaded) on each backend."""
    if request.param == "memory":
        fake = InMemoryUnitOfWork()
        _seed_locations(fake)
        yield fake
        return
    with engine_with_tables(str(request.param), tmp_path) as engine:
        real = SqlAlchemyUnitOfWork(engine)
        _seed_locations(real)
        yield real


def _seed_locations(uow: UnitOfWork) -> None:
    sync_locations(uow)


@pytest.fixture
def staff(uow: UnitOfWork) -> Staff:
    """Two physicians, a nurse, a scheduler and an admin, stored as users."""
    actors = {}
    with uow:
        for name, role in (
            ("dr.ada", "physician"),
            ("dr.ben", "physician"),
            ("nurse.cy", "nurse"),
            ("sched.di", "scheduler"),
            ("admin.ed", "admin"),
        ):
            user = uow.users.add(UserRecord(None, name, "x", role, datetime.now(UTC)))
            actors[name] = Actor(user.id, name, role, "10.0.0.1")
        uow.commit()
    return Staff(
        actors["dr.ada"],
        actors["dr.ben"],
        actors["nurse.cy"],
        actors["sched.di"],
        actors["admin.ed"],
    )
