"""Reference data for the routes: drug lookup with API errors, locations into the database.

Insurers and locations come from ``intrathecal.clinic.config`` (packaged data files); the
locations are also copied into the database so patient records can refer to them.
"""

from __future__ import annotations

from intrathecal.clinic import config
from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.catalogue import Drug, load_catalogue
from intrathecal.core.errors import UnknownDrug


def drug(name: str, rule_set: str) -> Drug:
    """One catalogue drug; an unknown name is NotFound."""
    try:
        return load_catalogue().get(name, rule_set)
    except UnknownDrug as exc:
        raise NotFound(str(exc)) from None


def sync_locations(uow: UnitOfWork) -> int:
    """Copy the data file's locations into the database (idempotent); return how many."""
    rows = config.locations()
    with uow:
        for location in rows:
            uow.locations.upsert(location)
        uow.commit()
    return len(rows)
