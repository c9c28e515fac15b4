"""Reference data kept in the database: copying the clinic's locations from their data file."""

from __future__ import annotations

from intrathecal.clinic import config
from intrathecal.clinic.permissions import Action, require
from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork


def sync_locations(uow: UnitOfWork, actor: Actor | None = None) -> int:
    """Make the database's locations match ``data/locations.yaml``; return how many changed.

    Adds new codes and updates changed ones (locations no longer in the file stay, since
    records may refer to them). Idempotent: a second run changes and audits nothing.
    ``actor`` defaults to the service itself (startup, migrations, demo seeding).
    """
    who = actor or Actor.system()
    require(who, Action.REFERENCE_MANAGE)
    wanted = config.locations()
    with uow:
        stored = {location.code: location for location in uow.locations.all()}
        changed = [location for location in wanted if stored.get(location.code) != location]
        for location in changed:
            uow.locations.upsert(location)
        if changed:
            uow.audit.append(
                who, "locations.synced", None, {"codes": [loc.code for loc in changed]}
            )
        uow.commit()
    return len(changed)
