"""MedicationAdministration <- boluses given: the trial injections (export only)."""

from __future__ import annotations

from intrathecal.clinic.records import Trial
from intrathecal.fhir.elements import (
    Json,
    drug_concept,
    instant,
    intrathecal_route,
    patient_ref,
    quantity,
    ref,
)
from intrathecal.fhir.procedure import trial_id
from intrathecal.fhir.timing import after


def trial_injections(trial: Trial) -> list[Json]:
    """One administration per trial injection: drug, intrathecal dose, when, by whom."""
    record = trial.record
    out = []
    for i, injection in enumerate(record.injections, start=1):
        resource: Json = {
            "resourceType": "MedicationAdministration",
            "id": f"{trial_id(trial)}-dose-{i}",
            "status": "completed",
            "medicationCodeableConcept": drug_concept(injection.drug),
            "subject": patient_ref(trial.patient_id),
            "partOf": [ref("Procedure", trial_id(trial))],
            "effectiveDateTime": instant(after(trial.started_at, injection.at)),
            "dosage": {
                "text": f"trial bolus {injection.dose} intrathecal",
                "route": intrathecal_route(),
                "dose": quantity(injection.dose),
            },
        }
        if trial.recorded_by is not None:
            resource["performer"] = [{"actor": ref("Practitioner", trial.recorded_by)}]
        out.append(resource)
    return out
