"""DetectedIssue <- a safety finding stored with a prescription version, with the override
(reason, second clinician) as its mitigation (export only)."""

from __future__ import annotations

from collections.abc import Mapping

from intrathecal.clinic.records import FindingNote, PrescriptionVersion
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, compact, concept, instant, patient_ref, ref
from intrathecal.fhir.medication_request import cosigned, resource_id

#: Finding severity -> DetectedIssue severity.
_SEVERITY: Mapping[str, str] = {"hard": "high", "soft": "moderate", "info": "low"}


def to_fhir(rx: PrescriptionVersion) -> list[Json]:
    """One DetectedIssue per finding; overridden SOFT findings carry the mitigation."""
    return [_issue(rx, i, f) for i, f in enumerate(rx.findings, start=1)]


def _issue(rx: PrescriptionVersion, index: int, finding: FindingNote) -> Json:
    severity = finding.severity.lower()
    mitigation: list[Json] = []
    if severity == "soft" and rx.override_reason and cosigned(rx):
        mitigation.append(
            compact(
                {
                    "action": concept(
                        systems.MITIGATION,
                        "override-cosigned",
                        "Override with a reason, co-signed by a second clinician",
                        text=rx.override_reason,
                    ),
                    "date": instant(rx.override_decided_at or rx.created_at),
                    "author": None
                    if rx.override_by is None
                    else ref("Practitioner", rx.override_by),
                }
            )
        )
    return compact(
        {
            "resourceType": "DetectedIssue",
            "id": f"{resource_id(rx)}-finding-{index}",
            "status": "final",
            "code": concept(systems.SAFETY_RULE, finding.rule, finding.rule.replace("_", " ")),
            "severity": _SEVERITY.get(severity),
            "patient": patient_ref(rx.patient_id),
            "identifiedDateTime": instant(rx.created_at),
            "implicated": [ref("MedicationRequest", resource_id(rx))],
            "detail": finding.message,
            "mitigation": mitigation,
            "extension": [
                {
                    "url": f"{systems.OWN_BASE}/StructureDefinition/finding-source",
                    "valueString": finding.source,
                }
            ]
            if finding.source
            else [],
        }
    )
