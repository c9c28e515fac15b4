"""Practitioner <- a clinic login that authored, co-signed or performed something (export only)."""

from __future__ import annotations

from intrathecal.clinic.records import UserRecord
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json


def to_fhir(user: UserRecord) -> Json:
    """The staff member, identified by username; no contact details leave the clinic."""
    resource: Json = {
        "resourceType": "Practitioner",
        "id": str(user.id),
        "identifier": [{"system": systems.USERNAME, "value": user.username}],
        "active": user.active,
    }
    if user.display_name:
        resource["name"] = [{"text": user.display_name}]
    return resource
