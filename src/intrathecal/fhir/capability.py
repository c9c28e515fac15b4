"""CapabilityStatement: what this server's FHIR edge does (``GET /fhir/metadata``)."""

from __future__ import annotations

from intrathecal import __version__
from intrathecal.fhir.elements import Json
from intrathecal.fhir.importer import SUPPORTED
from intrathecal.fhir.systems import FHIR_VERSION

#: Resource types the export writes (the Patient compartment of ``$everything``).
EXPORTED = (
    "Patient",
    "Condition",
    "Coverage",
    "Appointment",
    "ServiceRequest",
    "Procedure",
    "Device",
    "MedicationRequest",
    "MedicationAdministration",
    "Observation",
    "AdverseEvent",
    "DetectedIssue",
    "Provenance",
    "Practitioner",
)


#: When this statement last changed.
CHANGED = "2026-11-28"


def capability_statement(base_url: str) -> Json:
    """The server's capabilities: ``$everything`` on Patient and referral transactions."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CHANGED,
        "publisher": "intrathecal (decision support and records software, not a medical device)",
        "kind": "instance",
        "software": {"name": "intrathecal", "version": __version__},
        "implementation": {"description": "intrathecal clinic FHIR edge", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Session cookie or bearer token as for /api/v1. POST a "
                "transaction Bundle to import a referral; types imported: " + ", ".join(SUPPORTED),
                "resource": [
                    {
                        "type": "Patient",
                        "operation": [
                            {
                                "name": "everything",
                                "definition": (
                                    "http://hl7.org/fhir/OperationDefinition/Patient-everything"
                                ),
                            }
                        ],
                    },
                    *({"type": kind} for kind in EXPORTED if kind != "Patient"),
                ],
                "interaction": [{"code": "transaction"}],
            }
        ],
    }
