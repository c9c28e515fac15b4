"""Observation <- pain scores (LOINC 72514-3), spasticity grades of a baclofen screening,
measured and expected reservoir residuals at refills, and the pump's current device alert
(export only)."""

from __future__ import annotations

from intrathecal.clinic.records import CareStatus, Refill, Trial
from intrathecal.core.quantities import Duration, Volume
from intrathecal.core.spasticity import SpasticityGrade
from intrathecal.core.trial_record import PainScore
from intrathecal.fhir import device, systems
from intrathecal.fhir.elements import (
    Json,
    concept,
    day,
    exact_decimal,
    instant,
    patient_ref,
    quantity,
    ref,
)
from intrathecal.fhir.procedure import trial_id
from intrathecal.fhir.timing import after

_SURVEY = [concept(systems.OBSERVATION_CATEGORY, "survey", "Survey")]
_PROCEDURE = [concept(systems.OBSERVATION_CATEGORY, "procedure", "Procedure")]
_EXAM = [concept(systems.OBSERVATION_CATEGORY, "exam", "Exam")]
_PAIN = concept(
    systems.LOINC,
    systems.LOINC_PAIN_SEVERITY,
    "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
)


def _pain(trial: Trial, suffix: str, when: str, score: PainScore, label: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": f"{trial_id(trial)}-pain-{suffix}",
        "status": "final",
        "category": _SURVEY,
        "code": _PAIN,
        "subject": patient_ref(trial.patient_id),
        "partOf": [ref("Procedure", trial_id(trial))],
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": exact_decimal(score.value),
            "unit": "score",
            "system": systems.UCUM,
            "code": "{score}",
        },
        "note": [{"text": label}],
    }


def trial_pain_scores(trial: Trial) -> list[Json]:
    """The baseline and every later pain score of a trial (NRS 0-10, half points kept)."""
    record = trial.record
    out = [_pain(trial, "baseline", instant(trial.started_at), record.baseline, "baseline")]
    for i, obs in enumerate(record.scores, start=1):
        when = instant(after(trial.started_at, obs.at))
        out.append(_pain(trial, str(i), when, obs.score, f"{obs.at} after the first injection"))
    return out


def _spasticity(
    trial: Trial, suffix: str, at: Duration, grade: SpasticityGrade, label: str
) -> Json:
    scale = grade.scale
    return {
        "resourceType": "Observation",
        "id": f"{trial_id(trial)}-spasticity-{suffix}",
        "status": "final",
        "category": _EXAM,
        "code": concept(systems.OBSERVATION, f"spasticity-{scale.value}", f"{scale.label} grade"),
        "subject": patient_ref(trial.patient_id),
        "partOf": [ref("Procedure", trial_id(trial))],
        "effectiveDateTime": instant(after(trial.started_at, at)),
        "valueCodeableConcept": concept(
            systems.SPASTICITY_GRADE, str(grade), f"{scale.label} {grade}"
        ),
        "note": [{"text": label}],
    }


def trial_spasticity_grades(trial: Trial) -> list[Json]:
    """A baclofen screening's grades: one just before each injection, then each later one
    (Ashworth 0-4, or modified Ashworth with ``1+``), none for a trial without them."""
    record = trial.record
    if record.spasticity is None:
        return []
    before = zip(record.injections, record.spasticity.before, strict=True)
    out = [
        _spasticity(trial, f"before-{i}", shot.at, grade, f"just before injection {i}")
        for i, (shot, grade) in enumerate(before, start=1)
    ]
    for i, obs in enumerate(record.spasticity.after, start=1):
        label = f"{obs.at} after the first injection"
        out.append(_spasticity(trial, f"after-{i}", obs.at, obs.grade, label))
    return out


def _residual(refill: Refill, kind: str, display: str, volume: Volume) -> Json:
    resource: Json = {
        "resourceType": "Observation",
        "id": f"refill-{refill.id}-{kind}",
        "status": "final",
        "category": _PROCEDURE,
        "code": concept(systems.OBSERVATION, kind, display),
        "subject": patient_ref(refill.patient_id),
        "partOf": [ref("Procedure", f"refill-{refill.id}")],
        "effectiveDateTime": instant(refill.performed_at),
        "valueQuantity": quantity(volume),
        "device": ref("Device", device.pump_id(refill.implant_id)),
    }
    return resource


def refill_residuals(refill: Refill) -> list[Json]:
    """Measured and expected residual; a discrepancy flag marks the measured one abnormal."""
    measured = _residual(
        refill, "measured-residual", "Measured reservoir residual", refill.measured_residual
    )
    if refill.discrepancy_flag:
        measured["interpretation"] = [
            concept(
                systems.OBSERVATION_INTERPRETATION,
                "A",
                "Abnormal",
                text=f"differs from expected by {refill.discrepancy}",
            )
        ]
    expected = _residual(
        refill, "expected-residual", "Expected reservoir residual", refill.expected_residual
    )
    return [measured, expected]


def device_alert(status: CareStatus, pump: str | None) -> list[Json]:
    """The pump's open device alert (alarms reported at interrogation, catheter faults)."""
    if not status.device_alert:
        return []
    resource: Json = {
        "resourceType": "Observation",
        "id": f"{status.patient_id}-device-alert",
        "status": "preliminary",
        "category": _PROCEDURE,
        "code": concept(systems.OBSERVATION, "device-alert", "Open pump or catheter alert"),
        "subject": patient_ref(status.patient_id),
        "valueString": status.device_alert,
    }
    if status.device_alert_since is not None:
        resource["effectiveDateTime"] = day(status.device_alert_since)
    if pump is not None:
        resource["device"] = ref("Device", pump)
    return [resource]
