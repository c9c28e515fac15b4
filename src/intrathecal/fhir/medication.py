"""Medication <- the solution in the reservoir: every drug with its own strength (admixtures),
and the lot when one is known. Used contained in the resources that name it."""

from __future__ import annotations

from intrathecal.core.program import Solution
from intrathecal.core.quantities import Concentration
from intrathecal.fhir.elements import Json, drug_concept, strength


def to_fhir(solution: Solution, resource_id: str = "solution", lot: str | None = None) -> Json:
    """A Medication whose ingredients are the solution's components at their strengths."""
    names = " + ".join(f"{c.drug} {c.concentration}" for c in solution.components)
    resource: Json = {
        "resourceType": "Medication",
        "id": resource_id,
        "code": {"text": f"intrathecal solution: {names}"},
        "ingredient": [
            {
                "itemCodeableConcept": drug_concept(c.drug),
                "isActive": True,
                "strength": strength(c.concentration),
            }
            for c in solution.components
        ],
    }
    if lot:
        resource["batch"] = {"lotNumber": lot}
    return resource


def single(drug: str, concentration: Concentration, resource_id: str, lot: str) -> Json:
    """A one-drug Medication (a refill's drug and lot)."""
    return to_fhir(Solution.single(drug, concentration), resource_id, lot or None)
