"""Condition <-> a diagnosis on the patient's record (ICD-10-CM)."""

from __future__ import annotations

from intrathecal.clinic.records import Diagnosis
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, coding, concept, patient_ref
from intrathecal.fhir.errors import invalid
from intrathecal.fhir.reading import Node

_ELEMENTS = (
    "resourceType",
    "id",
    "meta",
    "text",
    "extension",
    "clinicalStatus",
    "verificationStatus",
    "category",
    "code",
    "subject",
)


def resource_id(patient_id: int, code: str) -> str:
    """``<patient>-<ICD-10-CM code>``: one Condition per code per patient."""
    return f"{patient_id}-{code}"


def to_fhir(patient_id: int, diagnosis: Diagnosis) -> Json:
    """An active, confirmed problem-list Condition; the primary one carries an extension."""
    resource: Json = {"resourceType": "Condition", "id": resource_id(patient_id, diagnosis.code)}
    if diagnosis.primary:
        resource["extension"] = [{"url": systems.PRIMARY_DIAGNOSIS, "valueBoolean": True}]
    resource |= {
        "clinicalStatus": concept(systems.CONDITION_CLINICAL, "active", "Active"),
        "verificationStatus": concept(systems.CONDITION_VERIFICATION, "confirmed", "Confirmed"),
        "category": [concept(systems.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": {
            "coding": [coding(systems.ICD10CM, diagnosis.code, diagnosis.description)],
            "text": diagnosis.description,
        },
        "subject": patient_ref(patient_id),
    }
    return resource


def from_fhir(node: Node) -> Diagnosis:
    """A diagnosis from a Condition coded in ICD-10-CM (the use case checks the code)."""
    node.only(_ELEMENTS)
    code_node = node.child("code")
    for c in code_node.children("coding", required=True):
        if c.value.get("system") == systems.ICD10CM:
            description = c.text("display", required=False, max_len=300) or code_node.text(
                "text", required=False, max_len=300
            )
            return Diagnosis(c.text("code", max_len=10), description, _primary(node))
    raise invalid(f"{node.path}.code.coding", f"expected a coding in {systems.ICD10CM}")


def _primary(node: Node) -> bool:
    for ext in node.children("extension"):
        if ext.value.get("url") == systems.PRIMARY_DIAGNOSIS:
            return ext.boolean("valueBoolean")
    return False
