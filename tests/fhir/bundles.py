"""Test helpers: a referral Bundle as another system would send it, and an export's
importable resources wrapped as a transaction."""

from __future__ import annotations

from typing import Any

from intrathecal.fhir.importer import SUPPORTED

HOSPITAL_MRN = "http://hospital.example.net/fhir/sid/mrn"


def referral_bundle(mrn: str = "H-20991", *, icd: str = "M96.1") -> dict[str, Any]:
    """A transaction Bundle from a referring hospital: their MRN system, urn:uuid refs."""
    patient_url = "urn:uuid:0b9e6a50-5a4c-4f7e-9a61-2d3c1b0f7e11"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": patient_url,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {
                            "type": {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                        "code": "MR",
                                    }
                                ]
                            },
                            "system": HOSPITAL_MRN,
                            "value": mrn,
                        }
                    ],
                    "name": [{"family": "Moreau", "given": ["Ines", "Claire"]}],
                    "gender": "female",
                    "birthDate": "1968-04-02",
                    "telecom": [{"system": "phone", "value": "555-0199"}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "code": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": icd}]
                    },
                    "subject": {"reference": patient_url},
                },
                "request": {"method": "POST", "url": "Condition"},
            },
            {
                "resource": {
                    "resourceType": "Coverage",
                    "status": "active",
                    "subscriberId": "MCR-555-01",
                    "beneficiary": {"reference": patient_url},
                    "payor": [{"display": "Medicare"}],
                },
                "request": {"method": "POST", "url": "Coverage"},
            },
            {
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": "active",
                    "intent": "order",
                    "category": [
                        {"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}]}
                    ],
                    "code": {
                        "coding": [
                            {
                                "system": "https://intrathecal.example.org/fhir/CodeSystem/visit-kind",
                                "code": "evaluation",
                            }
                        ]
                    },
                    "subject": {"reference": patient_url},
                    "occurrenceDateTime": "2026-12-15T09:30:00+00:00",
                    "note": [{"text": "Failed back surgery syndrome, oral opioids failing."}],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
        ],
    }


def as_transaction(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The importable resources of an export, as a transaction Bundle."""
    entries = [
        {"resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
        for r in resources
        if r["resourceType"] in SUPPORTED
        and not (r["resourceType"] == "ServiceRequest" and r["id"].startswith("trial-"))
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def comparable(resources: list[dict[str, Any]]) -> list[Any]:
    """The importable resources with database ids and references to them removed."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) <= {"reference", "display"} and "reference" in value:
                return {"reference": value["reference"].split("/")[0]}
            return {k: strip(v) for k, v in value.items() if k != "id"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(r) for r in as_transaction(resources)["entry"]]
