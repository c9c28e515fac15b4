"""Reference data for the routes: drug lookup with API errors.

Insurers and locations come from ``intrathecal.clinic.config`` (packaged data files); the
locations are copied into the database by ``clinic.reference.sync_locations``.
"""

from __future__ import annotations

from intrathecal.clinic.errors import NotFound
from intrathecal.core.catalogue import Drug, load_catalogue
from intrathecal.core.errors import UnknownDrug


def drug(name: str, rule_set: str) -> Drug:
    """One catalogue drug; an unknown name is NotFound."""
    try:
        return load_catalogue().get(name, rule_set)
    except UnknownDrug as exc:
        raise NotFound(str(exc)) from None
