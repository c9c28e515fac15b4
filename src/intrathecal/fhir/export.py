"""A patient's chart as FHIR resources, and the two export shapes: a searchset Bundle
(``Patient/$everything``) and NDJSON per resource type (bulk data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from intrathecal.clinic.programming import IN_FORCE
from intrathecal.fhir import (
    adverse_event,
    appointment,
    condition,
    coverage,
    detected_issue,
    device,
    medication_administration,
    medication_request,
    observation,
    patient,
    practitioner,
    procedure,
    provenance,
    service_request,
)
from intrathecal.fhir.chart import ExportChart
from intrathecal.fhir.elements import Json
from intrathecal.fhir.jsonio import dumps
from intrathecal.fhir.service_request import EVALUATION


def resources(export: ExportChart) -> list[Json]:
    """Every resource the chart maps to, the Patient first."""
    chart, pid = export.chart, export.patient_id
    out: list[Json] = [patient.to_fhir(chart.patient)]
    out += [condition.to_fhir(pid, d) for d in chart.patient.diagnoses]
    out += [coverage.to_fhir(pid, i, c) for i, c in enumerate(chart.patient.coverage, start=1)]
    for visit in chart.visits:
        if visit.kind == EVALUATION:
            out.append(service_request.evaluation_to_fhir(visit))
        out.append(appointment.to_fhir(visit, chart.staff))
    for trial in chart.trials:
        out.append(procedure.trial_to_fhir(trial))
        out += medication_administration.trial_injections(trial)
        out += observation.trial_pain_scores(trial)
        out += observation.trial_spasticity_grades(trial)
        if trial.referral_to:
            out.append(service_request.neurosurgery_to_fhir(trial))
    for implant in chart.implants:
        out += [
            device.pump_to_fhir(implant),
            device.catheter_to_fhir(implant),
            procedure.implant_to_fhir(implant),
        ]
    in_force = None
    for rx in chart.prescriptions:
        out.append(medication_request.to_fhir(rx, in_force))
        if rx.status in IN_FORCE:
            in_force = rx
        out += detected_issue.to_fhir(rx)
        out += provenance.to_fhir(rx)
    for refill in chart.refills:
        out.append(procedure.refill_to_fhir(refill))
        out += observation.refill_residuals(refill)
    active = chart.active_implant
    for event in chart.adverse_events:
        out.append(adverse_event.to_fhir(event, None if active is None else active.id))
    if chart.care_status is not None:
        pump = None if active is None else device.pump_id(active.id)
        out += observation.device_alert(chart.care_status, pump)
    out += [practitioner.to_fhir(user) for user in chart.staff.values()]
    return out


def everything_bundle(chart: ExportChart, base_url: str) -> Json:
    """The ``Patient/$everything`` searchset: the Patient as the match, the rest included."""
    items = resources(chart)
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [
            {
                "fullUrl": f"{base_url.rstrip('/')}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match" if r["resourceType"] == "Patient" else "include"},
            }
            for r in items
        ],
    }


def ndjson_by_type(charts: Iterable[ExportChart]) -> Mapping[str, list[str]]:
    """Bulk-data NDJSON: resource type -> one JSON line per resource, all patients.

    Practitioners referenced by several patients appear once.
    """
    lines: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for chart in charts:
        for r in resources(chart):
            key = (r["resourceType"], r["id"])
            if key in seen:
                continue
            seen.add(key)
            lines.setdefault(r["resourceType"], []).append(dumps(r))
    return lines
