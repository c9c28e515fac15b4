"""Procedure <- a screening trial, an implant, a refill (export only)."""

from __future__ import annotations

from intrathecal.clinic.records import Implant, Refill, Trial
from intrathecal.fhir import device, medication, systems
from intrathecal.fhir.elements import (
    Json,
    compact,
    concept,
    day,
    instant,
    patient_ref,
    quantity,
    ref,
)


def trial_id(trial: Trial) -> str:
    """The Procedure id of a trial."""
    return f"trial-{trial.id}"


def _performer(user_id: int | None) -> list[Json]:
    return [] if user_id is None else [{"actor": ref("Practitioner", user_id)}]


def trial_to_fhir(trial: Trial) -> Json:
    """The screening trial, its outcome and the reasons for it."""
    return compact(
        {
            "resourceType": "Procedure",
            "id": trial_id(trial),
            "status": "completed",
            "code": concept(
                systems.PROCEDURE,
                "trial",
                "Intrathecal screening trial",
                text=f"{trial.method.replace('_', ' ')} trial of {trial.drug}",
            ),
            "subject": patient_ref(trial.patient_id),
            "performedDateTime": instant(trial.started_at),
            "recorder": None
            if trial.recorded_by is None
            else ref("Practitioner", trial.recorded_by),
            "outcome": {"text": trial.outcome},
            "note": [{"text": reason} for reason in trial.outcome_reasons if reason],
        }
    )


def implant_to_fhir(implant: Implant) -> Json:
    """The implant surgery: the pump and catheter placed, where, by whom, incisions."""
    return compact(
        {
            "resourceType": "Procedure",
            "id": f"implant-{implant.id}",
            "status": "completed",
            "code": concept(systems.PROCEDURE, "implant", "Intrathecal pump implant"),
            "subject": patient_ref(implant.patient_id),
            "performedDateTime": day(implant.implanted_on),
            "recorder": None
            if implant.recorded_by is None
            else ref("Practitioner", implant.recorded_by),
            "performer": [{"actor": {"display": implant.surgeon}}],
            "location": {"display": implant.hospital},
            "bodySite": [{"text": f"{site} incision"} for site in implant.incisions],
            "focalDevice": [
                {
                    "action": concept(systems.PROCEDURE, "implanted", "Implanted"),
                    "manipulated": ref("Device", device.pump_id(implant.id)),
                },
                {
                    "action": concept(systems.PROCEDURE, "implanted", "Implanted"),
                    "manipulated": ref("Device", device.catheter_id(implant.id)),
                },
            ],
            "note": [
                {
                    "text": f"hospital stay {implant.hospital_stay_days} day(s); "
                    f"return to work {implant.return_to_work}"
                }
            ],
        }
    )


def refill_to_fhir(refill: Refill) -> Json:
    """The refill: drug and lot put in (contained Medication), volume added, residuals."""
    return compact(
        {
            "resourceType": "Procedure",
            "id": f"refill-{refill.id}",
            "contained": [
                medication.single(refill.drug, refill.concentration, "refill-drug", refill.lot)
            ],
            "status": "completed",
            "code": concept(systems.PROCEDURE, "refill", "Intrathecal pump refill"),
            "subject": patient_ref(refill.patient_id),
            "performedDateTime": instant(refill.performed_at),
            "performer": _performer(refill.performed_by),
            "focalDevice": [
                {
                    "action": concept(systems.PROCEDURE, "refilled", "Refilled"),
                    "manipulated": ref("Device", device.pump_id(refill.implant_id)),
                }
            ],
            "usedReference": [{"reference": "#refill-drug"}],
            "note": [
                {
                    "text": f"volume added {refill.volume_added}; alarm date "
                    f"{day(refill.alarm_date)}; next refill due {day(refill.next_due)}"
                },
                *([{"text": refill.notes}] if refill.notes else []),
            ],
            "extension": [
                {
                    "url": f"{systems.OWN_BASE}/StructureDefinition/volume-added",
                    "valueQuantity": quantity(refill.volume_added),
                }
            ],
        }
    )
