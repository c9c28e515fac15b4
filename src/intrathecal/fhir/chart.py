"""The export's read use case: everything the clinic holds on one patient, read in one
transaction under the clinic's role policy and recorded in the audit chain."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import (
    Actor,
    AdverseEvent,
    CareStatus,
    Evaluation,
    Implant,
    Patient,
    PrescriptionVersion,
    Refill,
    Trial,
    UserRecord,
    Visit,
)
from intrathecal.clinic.uow import UnitOfWork

#: Patients read per transaction when exporting everyone.
PAGE = 100


@dataclass(frozen=True)
class PatientChart:
    """One patient's records of every kind the export covers, oldest first."""

    patient: Patient
    evaluations: tuple[Evaluation, ...]
    trials: tuple[Trial, ...]
    implants: tuple[Implant, ...]
    prescriptions: tuple[PrescriptionVersion, ...]
    refills: tuple[Refill, ...]
    adverse_events: tuple[AdverseEvent, ...]
    visits: tuple[Visit, ...]
    care_status: CareStatus | None
    staff: Mapping[int, UserRecord]

    @property
    def patient_id(self) -> int:
        """The patient's id (a stored record always has one)."""
        assert self.patient.id is not None
        return self.patient.id


def read_chart(uow: UnitOfWork, actor: Actor, patient_id: int) -> PatientChart:
    """The patient's whole chart for export (clinicians, or the patient's own login)."""
    require(actor, "patient.read", patient_id)
    with uow:
        patient = uow.patients.get(patient_id)
        chart = PatientChart(
            patient=patient,
            evaluations=tuple(uow.evaluations.for_patient(patient_id)),
            trials=tuple(uow.trials.for_patient(patient_id)),
            implants=tuple(uow.implants.for_patient(patient_id)),
            prescriptions=tuple(uow.prescriptions.history(patient_id)),
            refills=tuple(uow.refills.for_patient(patient_id)),
            adverse_events=tuple(uow.adverse_events.for_patient(patient_id)),
            visits=tuple(uow.visits.for_patient(patient_id)),
            care_status=uow.care_status.get(patient_id),
            staff={},
        )
        staff = {uid: uow.users.get(uid) for uid in sorted(_staff_ids(chart))}
        uow.audit.append(
            actor,
            "fhir.exported",
            patient_id,
            {
                "prescriptions": [p.version for p in chart.prescriptions],
                "refills": [r.id for r in chart.refills],
                "adverse_events": [e.id for e in chart.adverse_events],
            },
        )
        uow.commit()
    return replace(chart, staff=staff)


def _staff_ids(chart: PatientChart) -> set[int]:
    ids: set[int | None] = {e.evaluator_id for e in chart.evaluations}
    ids |= {t.recorded_by for t in chart.trials}
    ids |= {i.recorded_by for i in chart.implants}
    for p in chart.prescriptions:
        ids |= {p.prescribed_by, p.override_by, p.pump_confirmed_by}
    ids |= {r.performed_by for r in chart.refills}
    ids |= {e.recorded_by for e in chart.adverse_events}
    ids |= {v.clinician_id for v in chart.visits}
    return {i for i in ids if i is not None}


def every_patient_id(uow: UnitOfWork, actor: Actor) -> Iterator[int]:
    """The ids of all patients, in name order (a clinician's bulk export)."""
    require(actor, "patient.search")
    offset = 0
    while True:
        with uow:
            # An empty search text matches every patient.
            page = uow.patients.search("", PAGE, offset)
        for patient in page:
            if patient.id is None:
                raise NotFound("a stored patient without an id")
            yield patient.id
        if len(page) < PAGE:
            return
        offset += PAGE
