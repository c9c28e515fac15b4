"""Appointment <- a scheduled or completed visit (export only)."""

from __future__ import annotations

from collections.abc import Mapping

from intrathecal.clinic.records import UserRecord, Visit
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, concept, instant, patient_ref, ref
from intrathecal.fhir.service_request import EVALUATION, evaluation_id

_STATUS = {"scheduled": "booked", "completed": "fulfilled", "cancelled": "cancelled"}


def to_fhir(visit: Visit, staff: Mapping[int, UserRecord]) -> Json:
    """The visit; the clinic records a start time only, so ``end`` equals ``start``."""
    participants: list[Json] = [{"actor": patient_ref(visit.patient_id), "status": "accepted"}]
    if visit.clinician_id is not None and visit.clinician_id in staff:
        user = staff[visit.clinician_id]
        participants.append(
            {
                "actor": ref(
                    "Practitioner", visit.clinician_id, user.display_name or user.username
                ),
                "status": "accepted",
            }
        )
    start = instant(visit.scheduled_at)
    resource: Json = {
        "resourceType": "Appointment",
        "id": str(visit.id),
        "status": _STATUS.get(visit.status, "booked"),
        "serviceType": [concept(systems.VISIT_KIND, visit.kind, visit.kind.replace("_", " "))],
        "start": start,
        "end": start,
        "participant": participants,
    }
    if visit.kind == EVALUATION:
        resource["basedOn"] = [ref("ServiceRequest", evaluation_id(visit))]
    if visit.location_code:
        resource["comment"] = f"location {visit.location_code}"
    return resource
