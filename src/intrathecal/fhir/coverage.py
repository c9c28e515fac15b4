"""Coverage <-> an insurance coverage on the patient's record."""

from __future__ import annotations

from intrathecal.clinic import config
from intrathecal.clinic.records import Coverage
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, compact, concept, patient_ref
from intrathecal.fhir.reading import Node

_ELEMENTS = (
    "resourceType",
    "id",
    "meta",
    "text",
    "status",
    "subscriberId",
    "beneficiary",
    "payor",
    "class",
)


def resource_id(patient_id: int, index: int) -> str:
    """``<patient>-<position>``: the patient's coverages numbered from 1."""
    return f"{patient_id}-{index}"


def to_fhir(patient_id: int, index: int, coverage: Coverage) -> Json:
    """An active Coverage; the payor is named by the clinic's insurer key and name."""
    insurer = config.insurers().get(coverage.insurer)
    classes = []
    if coverage.group_number:
        classes.append(
            {
                "type": concept(systems.COVERAGE_CLASS, "group", "Group"),
                "value": coverage.group_number,
            }
        )
    return compact(
        {
            "resourceType": "Coverage",
            "id": resource_id(patient_id, index),
            "status": "active",
            "subscriberId": coverage.member_id,
            "beneficiary": patient_ref(patient_id),
            "payor": [
                {
                    "identifier": {"system": systems.INSURER, "value": coverage.insurer},
                    "display": insurer.name if insurer else coverage.insurer,
                }
            ],
            "class": classes,
        }
    )


def from_fhir(node: Node) -> Coverage:
    """A coverage: payor by insurer key (identifier) or name (display), member id, group."""
    node.only(_ELEMENTS)
    payor = node.children("payor", required=True)[0]
    payor.only(("identifier", "display", "reference"))
    insurer = ""
    if payor.has("identifier"):
        ident = payor.child("identifier")
        if ident.value.get("system") == systems.INSURER:
            insurer = ident.text("value", max_len=80)
    if not insurer:
        insurer = payor.text("display", max_len=200)
    group = ""
    for item in node.children("class"):
        item.only(("type", "value", "name"))
        if item.child("type").value.get("coding", [{}])[0].get("code") == "group":
            group = item.text("value", max_len=80)
    key = config.insurer_key(insurer) or insurer
    return Coverage(key, node.text("subscriberId", max_len=80), group)
