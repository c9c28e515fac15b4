"""MedicationRequest <- a prescription version: the solution (contained Medication), route
intrathecal, the basal rate per day (or one dosage per flex step, with its time of day),
periodic boluses, the patient bolus as needed, and the daily maximum (maxDosePerPeriod).
Export only."""

from __future__ import annotations

from fractions import Fraction

from intrathecal.clinic.programming import IN_FORCE
from intrathecal.clinic.records import PrescriptionVersion
from intrathecal.core.program import Continuous, Flex, PatientBolus, PeriodicBolus, Prescription
from intrathecal.core.program_math import daily_dose_of, worst_case_daily_volume
from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.fhir import device, medication, systems
from intrathecal.fhir.elements import (
    Json,
    concept,
    exact_decimal,
    instant,
    intrathecal_route,
    patient_ref,
    quantity,
    ref,
    simple_quantity,
)
from intrathecal.fhir.timing import time_of_day

#: Prescription version status -> MedicationRequest status (``pending``: awaiting the second
#: physician's co-signature, not yet actionable).
_STATUS = {
    "active": "active",
    "superseded": "stopped",
    "pending": "draft",
    "rejected": "cancelled",
    "withdrawn": "cancelled",
}


def cosigned(rx: PrescriptionVersion) -> bool:
    """True when a second physician confirmed this version's override."""
    return rx.override_by is not None and rx.status in IN_FORCE


def resource_id(rx: PrescriptionVersion) -> str:
    """The MedicationRequest id of a prescription version."""
    return str(rx.id)


def to_fhir(rx: PrescriptionVersion, previous: PrescriptionVersion | None) -> Json:
    """The version as an order for the pump's standing program; ``previous`` is the version
    in force before it (``priorPrescription``)."""
    program = rx.program
    per_day = _per_day(worst_case_daily_volume(program))
    dosages = _basal(program, per_day)
    dosages += [_periodic(b, i) for i, b in enumerate(program.periodic, start=len(dosages) + 1)]
    if program.patient_bolus is not None:
        dosages.append(_patient_bolus(program.patient_bolus, len(dosages) + 1))
    resource: Json = {
        "resourceType": "MedicationRequest",
        "id": resource_id(rx),
        "contained": [medication.to_fhir(program.solution)],
        "identifier": [
            {
                "system": f"{systems.OWN_BASE}/sid/prescription-version",
                "value": f"{rx.patient_id}-{rx.version}",
            }
        ],
        "status": _STATUS.get(rx.status, "unknown"),
        "intent": "order",
        "medicationReference": {"reference": "#solution"},
        "subject": patient_ref(rx.patient_id),
        "authoredOn": instant(rx.created_at),
        "dosageInstruction": dosages,
    }
    if rx.prescribed_by is not None:
        resource["requester"] = ref("Practitioner", rx.prescribed_by)
    if rx.implant_id is not None:
        resource["note"] = [{"text": f"runs on Device/{device.pump_id(rx.implant_id)}"}]
    if previous is not None:
        resource["priorPrescription"] = ref("MedicationRequest", resource_id(previous))
    return resource


def _per_day(volume: Volume) -> Json:
    return {"numerator": quantity(volume), "denominator": simple_quantity(1, "day")}


def _rate(rate: VolumeRate, program: Prescription) -> list[Json]:
    entries: list[Json] = [
        {
            "type": concept(systems.DOSE_RATE_TYPE, "ordered", "Ordered"),
            "rateQuantity": quantity(rate, "mL/day"),
        }
    ]
    if len(program.solution.components) == 1 and isinstance(program.basal, Continuous):
        drug = program.solution.drugs[0]
        entries.append(
            {
                "type": concept(systems.DOSE_RATE_TYPE, "calculated", "Calculated"),
                "rateQuantity": quantity(daily_dose_of(program, drug)),
            }
        )
    return entries


def _basal(program: Prescription, per_day: Json) -> list[Json]:
    basal = program.basal
    if isinstance(basal, Continuous):
        return [
            {
                "sequence": 1,
                "text": f"continuous {basal.rate.format('mL/day')}",
                "route": intrathecal_route(),
                "doseAndRate": _rate(basal.rate, program),
                "maxDosePerPeriod": per_day,
            }
        ]
    assert isinstance(basal, Flex)
    out = []
    for i, step in enumerate(basal.steps):
        length = basal.step_end(i) - step.start
        out.append(
            {
                "sequence": 1,
                "text": f"flex step {i + 1}: {step.rate.format('mL/day')} from "
                f"{time_of_day(step.start)} for {_minutes(length)} min of each day",
                "timing": {
                    "repeat": {
                        "frequency": 1,
                        "period": 1,
                        "periodUnit": "d",
                        "timeOfDay": [time_of_day(step.start)],
                        "duration": _minutes(length),
                        "durationUnit": "min",
                    }
                },
                "route": intrathecal_route(),
                "doseAndRate": _rate(step.rate, program),
                "maxDosePerPeriod": per_day,
            }
        )
    return out


def _periodic(bolus: PeriodicBolus, sequence: int) -> Json:
    return {
        "sequence": sequence,
        "text": f"periodic bolus {bolus.volume} over {bolus.duration} every {bolus.every}, "
        f"first at {bolus.first_at}",
        "timing": _once_per(bolus.every, bolus.duration),
        "route": intrathecal_route(),
        "doseAndRate": [{"doseQuantity": quantity(bolus.volume)}],
    }


def _patient_bolus(bolus: PatientBolus, sequence: int) -> Json:
    return {
        "sequence": sequence,
        "text": f"patient bolus {bolus.volume} over {bolus.duration} as needed, lockout "
        f"{bolus.lockout}, at most {bolus.max_per_day} a day",
        "timing": _once_per(bolus.lockout, bolus.duration),
        "asNeededBoolean": True,
        "route": intrathecal_route(),
        "doseAndRate": [{"doseQuantity": quantity(bolus.volume)}],
        "maxDosePerPeriod": _per_day(bolus.volume.scaled(bolus.max_per_day)),
    }


def _once_per(period: Duration, duration: Duration) -> Json:
    """At most once per ``period`` (hours), each delivery lasting ``duration`` (minutes)."""
    return {
        "repeat": {
            "frequency": 1,
            "period": _hours(period),
            "periodUnit": "h",
            "duration": _minutes(duration),
            "durationUnit": "min",
        }
    }


def _minutes(d: Duration) -> object:
    return exact_decimal(d.to("min"))


def _hours(d: Duration) -> object:
    return exact_decimal(Fraction(d.to("h")))
