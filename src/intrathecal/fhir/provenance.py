"""Provenance <- who programmed a prescription version, who co-signed its override (in their
own session), and who confirmed it on the pump (export only)."""

from __future__ import annotations

from intrathecal.clinic.records import PrescriptionVersion
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, concept, instant, ref
from intrathecal.fhir.medication_request import cosigned, resource_id


def _agent(code: str, display: str, user_id: int) -> Json:
    return {
        "type": concept(systems.PROVENANCE_PARTICIPANT, code, display),
        "who": ref("Practitioner", user_id),
    }


def to_fhir(rx: PrescriptionVersion) -> list[Json]:
    """The programming act (author, co-signing verifier) and the pump confirmation."""
    target = [ref("MedicationRequest", resource_id(rx))]
    out: list[Json] = []
    if rx.prescribed_by is not None:
        out.append(
            {
                "resourceType": "Provenance",
                "id": f"{resource_id(rx)}-programmed",
                "target": target,
                "recorded": instant(rx.created_at),
                "activity": concept(systems.PROCEDURE, "programmed", "Prescription programmed"),
                "agent": [_agent("author", "Author", rx.prescribed_by)],
            }
        )
    if cosigned(rx) and rx.override_by is not None:
        out.append(
            {
                "resourceType": "Provenance",
                "id": f"{resource_id(rx)}-cosigned",
                "target": target,
                "recorded": instant(rx.override_decided_at or rx.created_at),
                "activity": concept(
                    systems.PROCEDURE,
                    "override-cosigned",
                    "Override confirmed by a second physician in their own session",
                ),
                "agent": [_agent("verifier", "Verifier", rx.override_by)],
            }
        )
    if rx.pump_confirmed_at is not None and rx.pump_confirmed_by is not None:
        out.append(
            {
                "resourceType": "Provenance",
                "id": f"{resource_id(rx)}-confirmed",
                "target": target,
                "recorded": instant(rx.pump_confirmed_at),
                "activity": concept(
                    systems.PROCEDURE,
                    "confirmed-on-pump",
                    "Program read back from the pump and confirmed",
                ),
                "agent": [_agent("performer", "Performer", rx.pump_confirmed_by)],
            }
        )
    return out
