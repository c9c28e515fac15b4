"""Reference data use case: copying the data file's locations into the database."""

from __future__ import annotations

import dataclasses

import pytest

from intrathecal.clinic import config
from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.reference import sync_locations
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.conftest import Staff


def test_sync_copies_every_location_once_and_is_idempotent(uow: UnitOfWork, staff: Staff) -> None:
    with uow:  # the fixture already synced through the same use case
        stored = {loc.code: loc for loc in uow.locations.all()}
        head = uow.audit.count()
    assert stored == {loc.code: loc for loc in config.locations()}
    assert sync_locations(uow) == 0
    with uow:
        assert uow.audit.count() == head  # nothing changed, nothing audited


def test_sync_restores_an_edited_location_and_audits_it(uow: UnitOfWork, staff: Staff) -> None:
    original = config.locations()[0]
    with uow:
        uow.locations.upsert(dataclasses.replace(original, name="renamed by hand"))
        uow.commit()
    assert sync_locations(uow, staff.admin) == 1
    with uow:
        assert uow.locations.get(original.code) == original
        (entry,) = uow.audit.recent(1)
    assert entry.action == "locations.synced"
    assert entry.actor_username == staff.admin.username


@pytest.mark.parametrize("who", ["physician", "nurse", "scheduler"])
def test_only_admins_and_the_service_sync_reference_data(
    uow: UnitOfWork, staff: Staff, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        sync_locations(uow, getattr(staff, who))
